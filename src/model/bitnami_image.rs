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

/// Whether `image` is bitnami's Redis server image (`[registry/…/]bitnami/redis[:tag]`),
/// not its `redis-sentinel` or `redis-cluster` images.
pub fn is_server_image(image: &str) -> bool {
    let repo = image.split('@').next().unwrap_or(image);
    let mut parts: Vec<&str> = repo.split('/').collect();
    let Some(last) = parts.pop() else {
        return false;
    };
    let name = last.split(':').next().unwrap_or(last);
    name == "redis" && parts.last() == Some(&"bitnami")
}

fn yes(value: &str) -> bool {
    matches!(value.to_ascii_lowercase().as_str(), "yes" | "true" | "1")
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
    // The last definition of a name wins, as in Kubernetes.
    let get = |name: &str| env.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
    let literal = |name: &str| get(name).and_then(|v| v.as_deref());
    let set = |name: &str| get(name).is_some_and(|v| v.as_deref() != Some(""));
    if literal("REDIS_TLS_ENABLED").is_some_and(yes) {
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    let mut opt = |words: &[&str]| out.extend(words.iter().map(|w| w.to_string()));
    if literal("REDIS_ALLOW_REMOTE_CONNECTIONS").is_none_or(yes) {
        opt(&["--bind", "0.0.0.0"]);
    }
    opt(&[
        "--appendonly",
        literal("REDIS_AOF_ENABLED").unwrap_or("yes"),
    ]);
    opt(&["--port", literal("REDIS_PORT_NUMBER").unwrap_or("6379")]);
    opt(&["--dir", "/bitnami/redis/data"]);
    let password = set("REDIS_PASSWORD") || set("REDIS_PASSWORD_FILE");
    if password {
        opt(&["--requirepass", "$REDIS_PASSWORD"]);
    }
    match literal("REDIS_REPLICATION_MODE") {
        Some("replica" | "slave") => {
            let host = literal("REDIS_MASTER_HOST").unwrap_or("$REDIS_MASTER_HOST");
            let port = literal("REDIS_MASTER_PORT_NUMBER").unwrap_or("6379");
            opt(&["--replicaof", host, port]);
            if set("REDIS_MASTER_PASSWORD") || set("REDIS_MASTER_PASSWORD_FILE") {
                opt(&["--masterauth", "$REDIS_MASTER_PASSWORD"]);
            }
        }
        Some("master") if password => opt(&["--masterauth", "$REDIS_PASSWORD"]),
        _ => {}
    }
    if let Some(extra) = literal("REDIS_EXTRA_FLAGS") {
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
