//! bitnami's `redis-cluster` image, started through its own scripts: `entrypoint.sh`
//! (copies the image's `etc.default/` into `/opt/bitnami/redis/etc/` without overwriting,
//! then runs `setup.sh`), `setup.sh` (`redis_cluster_initialize`: `redis_configure_default`
//! then `redis_cluster_override_conf` edit `etc/redis.conf` from the environment) and
//! `run.sh`, which execs `redis-server --port $REDIS_PORT_NUMBER --include etc/redis.conf
//! …`. What Redis runs on is therefore known from the pod spec:
//!
//! - the base `redis.conf`: the one the input shows at that path (a mount, or a start
//!   script's `cp`, as bitnami's chart copies its `redis-default.conf`), a mounted
//!   `mounted-etc/redis.conf` (which replaces everything `redis_configure_default` writes),
//!   or else the image's own (`postunpack.sh`: `cluster-enabled yes`,
//!   `cluster-config-file /bitnami/redis/data/nodes.conf`, `dir /bitnami/redis/data`);
//! - over it, unless `mounted-etc/redis.conf` is mounted: `protected-mode no` with
//!   `ALLOW_EMPTY_PASSWORD=yes`, `bind 0.0.0.0 ::` unless
//!   `REDIS_ALLOW_REMOTE_CONNECTIONS=no`, `appendonly $REDIS_AOF_ENABLED` (default `yes`),
//!   `save` from `REDIS_RDB_POLICY` / `REDIS_RDB_POLICY_DISABLED`, `port`, `requirepass`
//!   with `REDIS_PASSWORD`, `aclfile`, and an `include` of `mounted-etc/overrides.conf`
//!   when that file exists;
//! - the announce settings of `redis_cluster_override_conf` (`cluster-announce-ip` with
//!   `REDIS_CLUSTER_DYNAMIC_IPS=no`; with dynamic IPs it is the pod's IP, known only at
//!   start, and left out), `cluster-preferred-endpoint-type` (default `ip`);
//! - `run.sh`'s own options: `requirepass`/`masterauth $REDIS_PASSWORD` unless
//!   `ALLOW_EMPTY_PASSWORD=yes` (then `protected-mode no`), `REDIS_EXTRA_FLAGS`, then the
//!   arguments given to `run.sh`.
//!
//! TLS adds settings from certificate files the input may not show: the configuration is
//! then unknown. Read from bitnami/containers (Apache-2.0), `bitnami/redis-cluster/`:
//! `8.10/debian-12/rootfs/opt/bitnami/scripts/redis-cluster/run.sh` and
//! `…/redis-cluster-env.sh` (commits ce5ca464, e38f8852), `7.4/debian-12/rootfs/opt/bitnami/
//! scripts/librediscluster.sh` (9fcce5d1), `8.4/debian-12/rootfs/opt/bitnami/scripts/
//! libredis.sh` (29d82e47), `7.2/debian-12/…/redis-cluster/entrypoint.sh` (accc9959) and
//! `6.2/debian-12/…/redis-cluster/postunpack.sh` (769c7c30).

use super::bitnami_image::{Env, EnvVar, image_name};

/// The script the image's default command runs, and the entrypoint run before it.
const RUN_SCRIPT: &str = "/opt/bitnami/scripts/redis-cluster/run.sh";
const ENTRYPOINT: &str = "/opt/bitnami/scripts/redis-cluster/entrypoint.sh";
/// The file `run.sh` includes.
pub const CONF_FILE: &str = "/opt/bitnami/redis/etc/redis.conf";
/// A user's `redis.conf` mounted here replaces the one the scripts write.
pub const MOUNTED_CONF_DIR: &str = "/opt/bitnami/redis/mounted-etc";
pub const MOUNTED_CONF_FILE: &str = "/opt/bitnami/redis/mounted-etc/redis.conf";
const DATA_DIR: &str = "/bitnami/redis/data";

/// Whether `image` is bitnami's `redis-cluster` image.
pub fn is_cluster_image(image: &str) -> bool {
    image_name(image) == Some("redis-cluster")
}

/// Where the arguments to `run.sh` start in `words`, when they run the image's start:
/// `[exec] [entrypoint.sh] run.sh ARGS…`.
pub fn run_args<T: AsRef<str>>(words: &[T]) -> Option<usize> {
    let mut i = usize::from(words.first()?.as_ref() == "exec");
    if words.get(i)?.as_ref() == ENTRYPOINT {
        i += 1;
    }
    (words.get(i)?.as_ref() == RUN_SCRIPT).then_some(i + 1)
}

/// The image's own `redis.conf` (`postunpack.sh` over Redis's stock file), as options.
pub fn image_conf() -> Vec<String> {
    [
        "--port",
        "6379",
        "--dir",
        DATA_DIR,
        "--daemonize",
        "no",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        "/bitnami/redis/data/nodes.conf",
    ]
    .map(str::to_string)
    .to_vec()
}

/// The file `redis_append_include_conf` includes when it exists.
pub fn overrides_file(env: &[EnvVar]) -> String {
    Env(env)
        .literal("REDIS_OVERRIDES_FILE")
        .filter(|f| !f.is_empty())
        .map_or_else(
            || format!("{MOUNTED_CONF_DIR}/overrides.conf"),
            str::to_string,
        )
}

/// The options the image's start gives Redis around its base `redis.conf`.
#[derive(Debug, PartialEq, Eq)]
pub struct Start {
    /// `run.sh`'s options before its `--include` of the file.
    pub before: Vec<String>,
    /// What the scripts write into the file, then `run.sh`'s options after it, in order.
    pub after: Vec<String>,
}

/// The image's start over its base `redis.conf`; `mounted` when that base is a mounted
/// `mounted-etc/redis.conf`, `overrides` when the overrides file exists. `None` when the
/// configuration is not known from the pod spec (TLS).
pub fn start(env: &[EnvVar], mounted: bool, overrides: bool) -> Option<Start> {
    let env_vars = env;
    let env = Env(env);
    if env.yes("REDIS_TLS_ENABLED", false) {
        return None;
    }
    let port = env.literal("REDIS_PORT_NUMBER").unwrap_or("6379");
    let empty_allowed = env.yes("ALLOW_EMPTY_PASSWORD", false);
    let password = env.given("REDIS_PASSWORD");
    let mut out: Vec<String> = Vec::new();
    let mut opt = |words: &[&str]| out.extend(words.iter().map(|w| w.to_string()));
    if !mounted {
        // `redis_configure_default`.
        if empty_allowed {
            opt(&["--protected-mode", "no"]);
        }
        if env.yes("REDIS_ALLOW_REMOTE_CONNECTIONS", true) {
            opt(&["--bind", "0.0.0.0", "::"]);
        }
        opt(&[
            "--appendonly",
            env.literal("REDIS_AOF_ENABLED").unwrap_or("yes"),
        ]);
        match env
            .literal("REDIS_RDB_POLICY")
            .filter(|p| !p.trim().is_empty())
        {
            Some(policy) => {
                for rule in policy.split_whitespace() {
                    opt(&["--save"]);
                    opt(&rule.split('#').collect::<Vec<_>>());
                }
            }
            None if env.yes("REDIS_RDB_POLICY_DISABLED", false) => opt(&["--save", ""]),
            None => {}
        }
        opt(&["--port", port]);
        if password {
            opt(&["--requirepass", "$REDIS_PASSWORD"]);
        }
        if let Some(acl) = env.literal("REDIS_ACLFILE").filter(|a| !a.is_empty()) {
            opt(&["--aclfile", acl]);
        }
        if overrides {
            opt(&["--include", &overrides_file(env_vars)]);
        }
    }
    // `redis_cluster_override_conf`.
    if !env.yes("REDIS_CLUSTER_DYNAMIC_IPS", true)
        && let Some(ip) = env.literal("REDIS_CLUSTER_ANNOUNCE_IP")
    {
        opt(&["--cluster-announce-ip", ip]);
    }
    for (var, directive) in [
        (
            "REDIS_CLUSTER_ANNOUNCE_HOSTNAME",
            "--cluster-announce-hostname",
        ),
        ("REDIS_CLUSTER_ANNOUNCE_PORT", "--cluster-announce-port"),
        (
            "REDIS_CLUSTER_ANNOUNCE_BUS_PORT",
            "--cluster-announce-bus-port",
        ),
    ] {
        if let Some(value) = env.literal(var).filter(|v| !v.is_empty()) {
            opt(&[directive, value]);
        }
    }
    opt(&[
        "--cluster-preferred-endpoint-type",
        env.literal("REDIS_CLUSTER_PREFERRED_ENDPOINT_TYPE")
            .unwrap_or("ip"),
    ]);
    // `run.sh`.
    if empty_allowed {
        opt(&["--protected-mode", "no"]);
    } else if password {
        opt(&["--requirepass", "$REDIS_PASSWORD"]);
        opt(&["--masterauth", "$REDIS_PASSWORD"]);
    }
    if let Some(extra) = env.literal("REDIS_EXTRA_FLAGS") {
        out.extend(extra.split_whitespace().map(str::to_string));
    }
    Some(Start {
        before: vec!["--port".to_string(), port.to_string()],
        after: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_image_start_is_recognised_in_its_command_forms() {
        assert!(is_cluster_image(
            "docker.io/bitnami/redis-cluster:8.2.1-debian-12-r0"
        ));
        assert!(!is_cluster_image("bitnami/redis:7.2"));
        assert!(!is_cluster_image("example.com/redis-cluster:7"));
        assert_eq!(run_args(&[ENTRYPOINT, RUN_SCRIPT, "--x", "1"]), Some(2));
        assert_eq!(run_args(&["exec", RUN_SCRIPT]), Some(2));
        assert_eq!(run_args(&[RUN_SCRIPT]), Some(1));
        assert_eq!(run_args(&[ENTRYPOINT, "redis-server"]), None);
        assert_eq!(run_args(&["/run.sh"]), None);
    }

    #[test]
    fn the_environment_sets_the_options() {
        let var = |k: &str, v: Option<&str>| (k.to_string(), v.map(str::to_string));
        let env = [
            var("REDIS_PASSWORD", None),
            var("REDIS_RDB_POLICY", Some("900#1 300#10")),
            var("REDIS_CLUSTER_DYNAMIC_IPS", Some("no")),
            var("REDIS_CLUSTER_ANNOUNCE_IP", Some("10.0.0.1")),
        ];
        let start = start(&env, false, true).expect("known");
        assert_eq!(start.before, ["--port", "6379"]);
        assert_eq!(
            start.after.join(" "),
            "--bind 0.0.0.0 :: --appendonly yes --save 900 1 --save 300 10 --port 6379 \
             --requirepass $REDIS_PASSWORD --include /opt/bitnami/redis/mounted-etc/overrides.conf \
             --cluster-announce-ip 10.0.0.1 --cluster-preferred-endpoint-type ip \
             --requirepass $REDIS_PASSWORD --masterauth $REDIS_PASSWORD"
        );
        // A mounted redis.conf: only the announce settings and run.sh's options.
        let open = [var("ALLOW_EMPTY_PASSWORD", Some("yes"))];
        assert_eq!(
            super::start(&open, true, false)
                .expect("known")
                .after
                .join(" "),
            "--cluster-preferred-endpoint-type ip --protected-mode no"
        );
        assert_eq!(
            super::start(&[var("REDIS_TLS_ENABLED", Some("yes"))], false, false),
            None
        );
    }
}
