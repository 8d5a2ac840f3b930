//! bitnami's `redis` image run on its own entrypoint (no `command`, no `args`): its
//! `libredis.sh` (`redis_configure_default`, `redis_configure_replication`) writes
//! `redis.conf` from the container's environment before `run.sh` starts `redis-server`
//! on it, so the configuration the rules judge is known from the pod spec:
//!
//! - `bind 0.0.0.0` unless `REDIS_ALLOW_REMOTE_CONNECTIONS=no` (default `yes`);
//! - `appendonly $REDIS_AOF_ENABLED` (default `yes`), `port $REDIS_PORT_NUMBER` (6379),
//!   `dir /bitnami/redis/data`;
//! - `requirepass` only when `REDIS_PASSWORD` is set (`ALLOW_EMPTY_PASSWORD=yes` allows
//!   none), `masterauth` from `REDIS_PASSWORD` (master) or `REDIS_MASTER_PASSWORD` (replica);
//! - `replicaof $REDIS_MASTER_HOST $REDIS_MASTER_PORT_NUMBER` for
//!   `REDIS_REPLICATION_MODE=replica` (or `slave`);
//! - `REDIS_EXTRA_FLAGS`, appended to the command line by `run.sh`.
//!
//! A `redis.conf` mounted into `/opt/bitnami/redis/mounted-etc` replaces all of this, and
//! TLS adds settings from files the input may not show: the configuration is then unknown.

use super::workload::Container;

/// Where the image copies a user's `redis.conf` from (`REDIS_MOUNTED_CONF_DIR`).
const MOUNTED_CONF_DIR: &str = "/opt/bitnami/redis/mounted-etc";

/// One environment variable: its literal value, or `None` when it comes from `valueFrom`.
pub type EnvVar = (String, Option<String>);

/// The name of a bitnami image (`[registry/…/]bitnami/NAME[:tag][@digest]`), if it is one.
pub fn image_name(image: &str) -> Option<&str> {
    let repo = image.split('@').next().unwrap_or(image);
    let mut parts: Vec<&str> = repo.split('/').collect();
    let last = parts.pop()?;
    let name = last.split(':').next().unwrap_or(last);
    (parts.last() == Some(&"bitnami")).then_some(name)
}

/// Whether `image` is bitnami's Redis server image (`[registry/…/]bitnami/redis[:tag]`),
/// not its `redis-sentinel` or `redis-cluster` images.
pub fn is_server_image(image: &str) -> bool {
    image_name(image) == Some("redis")
}

/// bitnami's `is_boolean_yes`.
fn yes(value: &str) -> bool {
    matches!(value.to_ascii_lowercase().as_str(), "yes" | "true" | "1")
}

/// The `REDIS_*` environment as bitnami's scripts read it.
pub struct Env<'a>(pub &'a [EnvVar]);

impl Env<'_> {
    /// The last definition of a name wins, as in Kubernetes.
    fn get(&self, name: &str) -> Option<&Option<String>> {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The literal value of `name`; `None` when unset or from `valueFrom`.
    pub fn literal(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| v.as_deref())
    }

    /// Whether `name` is set to something (a `valueFrom` counts), or `NAME_FILE` names a
    /// file it is read from (`*-env.sh`: `export NAME=$(< "$NAME_FILE")`).
    pub fn given(&self, name: &str) -> bool {
        let set = |n: &str| self.get(n).is_some_and(|v| v.as_deref() != Some(""));
        set(name) || set(&format!("{name}_FILE"))
    }

    /// Whether `name` is a yes (`yes`, `true`, `1`), or unset with `default` yes.
    pub fn yes(&self, name: &str, default: bool) -> bool {
        self.literal(name).map_or(default, yes)
    }
}

/// The command-line options equivalent to the `redis.conf` the image writes, or `None`
/// when the configuration is not known from the pod spec.
pub fn entrypoint_options(container: &Container, env: &[EnvVar]) -> Option<Vec<String>> {
    if container
        .mounts
        .iter()
        .any(|m| m.path.trim_end_matches('/') == MOUNTED_CONF_DIR)
    {
        return None;
    }
    let env = Env(env);
    if env.yes("REDIS_TLS_ENABLED", false) {
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    let mut opt = |words: &[&str]| out.extend(words.iter().map(|w| w.to_string()));
    if env.yes("REDIS_ALLOW_REMOTE_CONNECTIONS", true) {
        opt(&["--bind", "0.0.0.0"]);
    }
    opt(&[
        "--appendonly",
        env.literal("REDIS_AOF_ENABLED").unwrap_or("yes"),
    ]);
    opt(&["--port", env.literal("REDIS_PORT_NUMBER").unwrap_or("6379")]);
    opt(&["--dir", "/bitnami/redis/data"]);
    let password = env.given("REDIS_PASSWORD");
    if password {
        opt(&["--requirepass", "$REDIS_PASSWORD"]);
    }
    match env.literal("REDIS_REPLICATION_MODE") {
        Some("replica" | "slave") => {
            let host = env
                .literal("REDIS_MASTER_HOST")
                .unwrap_or("$REDIS_MASTER_HOST");
            let port = env.literal("REDIS_MASTER_PORT_NUMBER").unwrap_or("6379");
            opt(&["--replicaof", host, port]);
            if env.given("REDIS_MASTER_PASSWORD") {
                opt(&["--masterauth", "$REDIS_MASTER_PASSWORD"]);
            }
        }
        Some("master") if password => opt(&["--masterauth", "$REDIS_PASSWORD"]),
        _ => {}
    }
    if let Some(extra) = env.literal("REDIS_EXTRA_FLAGS") {
        out.extend(extra.split_whitespace().map(str::to_string));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitnami_server_images_only() {
        assert!(is_server_image("mcr.microsoft.com/oss/bitnami/redis:6.0.8"));
        assert!(is_server_image(
            "docker.io/bitnami/redis:7.2.1-debian-11-r26"
        ));
        assert!(is_server_image("bitnami/redis@sha256:00"));
        assert!(!is_server_image("bitnami/redis-sentinel:7.2.1"));
        assert!(!is_server_image("bitnami/redis-cluster:7.2.1"));
        assert!(!is_server_image("redis:7.2.1"));
        assert!(!is_server_image("example.com/redis:1"));
    }
}
