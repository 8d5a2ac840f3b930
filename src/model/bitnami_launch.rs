//! bitnami's images started on their own scripts, which write Redis's configuration from
//! the container's environment: the `redis` image's entrypoint (`bitnami_image.rs`) and the
//! `redis-cluster` image's `entrypoint.sh run.sh` (`bitnami_cluster_image.rs`).

use super::bitnami_cluster_image as cluster;
use super::bitnami_image::{self, EnvVar};
use super::conf::{Conf, Origin, Storage};
use super::files::Files;
use super::options::options;
use super::server::{Role, Server};
use super::workload::{Container, Word};
use super::{Loc, vars};
use crate::manifest::JsonPointer;

/// The container's `env`: literal values, and `None` for a `valueFrom`.
fn env_of(files: &Files, container: &Container) -> Vec<EnvVar> {
    files
        .docs
        .get(files.workload.doc)
        .and_then(|d| d.value.at(&format!("{}/env", container.pointer)))
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let name = e.get("name")?.as_str()?.to_string();
            let value = match e.get("value") {
                Some(v) => Some(v.as_str().map_or_else(|| v.to_string(), str::to_string)),
                None if e.get("valueFrom").is_some() => None,
                None => Some(String::new()),
            };
            Some((name, value))
        })
        .collect()
}

fn words(texts: Vec<String>, at: &Loc) -> Vec<Word> {
    texts
        .into_iter()
        .map(|text| Word {
            text,
            loc: at.clone(),
        })
        .collect()
}

/// The configuration bitnami's `redis` image writes from the environment when it runs on
/// its own entrypoint, as if given on the command line.
pub fn entrypoint_conf(files: &Files, container: &Container) -> Option<Conf> {
    if !bitnami_image::is_server_image(container.image.as_deref()?) {
        return None;
    }
    let env = env_of(files, container);
    let at = files.workload.loc(format!("{}/image", container.pointer));
    let options_words = words(bitnami_image::entrypoint_options(container, &env)?, &at);
    Some(Conf {
        path: None,
        origin: Origin::Defaults,
        settings: options(&options_words),
        errors: Vec::new(),
        sentinel_index: Default::default(),
    })
}

/// Where container `c` runs the `redis-cluster` image's start, and the arguments it gives
/// `run.sh`: its own command, a command of its start scripts, or (no command) the image's.
fn cluster_start(files: &Files, c: usize, container: &Container) -> Option<(Loc, Vec<Word>)> {
    if container.words.is_empty() {
        let image = container.image.as_deref()?;
        let at = files.workload.loc(format!("{}/image", container.pointer));
        return cluster::is_cluster_image(image).then(|| (at, Vec::new()));
    }
    let texts: Vec<&str> = container.words.iter().map(|w| w.text.as_str()).collect();
    if let Some(i) = cluster::run_args(&texts) {
        return Some((
            container.words[i - 1].loc.clone(),
            container.words[i..].to_vec(),
        ));
    }
    let vars = files.vars(c)?;
    files
        .scripts
        .iter()
        .filter(|s| s.container == c)
        .flat_map(|s| s.parsed.commands.iter().map(move |cmd| (s, cmd)))
        .find_map(|(s, cmd)| {
            let i = cluster::run_args(&cmd.words)?;
            let at = s.at(cmd.line);
            let args = cmd.words[i..]
                .iter()
                .map(|w| vars::expand(w, vars).into_owned())
                .collect();
            Some((at.clone(), words(args, &at)))
        })
}

/// The Redis server container `c` runs through the `redis-cluster` image's start, if it does.
pub fn cluster_server(files: &Files, c: usize) -> Option<Server> {
    let container = files.workload.containers.get(c)?;
    let (launch, args) = cluster_start(files, c, container)?;
    let server = |conf| {
        Some(Server {
            role: Role::Redis,
            launch: launch.clone(),
            conf,
        })
    };
    let env = env_of(files, container);
    // A ConfigMap or Secret that the input does not hold covers the file: unknown.
    let covered = |path: &str| files.workload.storage(c, path) == Storage::ReadOnly;
    let mounted = covered(cluster::MOUNTED_CONF_FILE);
    let base = if mounted {
        files.conf(c, cluster::MOUNTED_CONF_FILE, 0)
    } else {
        files.conf(c, cluster::CONF_FILE, 0).or_else(|| {
            (!covered(cluster::CONF_FILE)).then(|| Conf {
                path: None,
                origin: Origin::Defaults,
                settings: options(&words(cluster::image_conf(), &launch)),
                errors: Vec::new(),
                sentinel_index: Default::default(),
            })
        })
    };
    let Some(mut conf) = base else {
        return server(None);
    };
    let overrides = files.conf(c, &cluster::overrides_file(&env), 0).is_some();
    let Some(start) = cluster::start(&env, mounted, overrides) else {
        return server(None);
    };
    let mut settings = options(&words(start.before, &launch));
    settings.append(&mut conf.settings);
    settings.extend(options(&words(start.after, &launch)));
    settings.extend(options(&args));
    conf.settings = files.expand_includes(c, settings, 0);
    server(Some(conf))
}
