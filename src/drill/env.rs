//! A container's environment and command line, as the kubelet builds them: downward API
//! (`metadata.name`, `metadata.namespace`, `status.podIP`), Secret and ConfigMap keys,
//! `$(VAR)` expansion, and the image's entrypoint when there is no `command` (the Redis
//! image's, or `redis_exporter`'s for its image).

pub use super::exporter::{EXPORTER, is_exporter_image};
use super::spec::{HaSpec, SecretData};
use anyhow::{Context, bail};
use k8s_openapi::api::core::v1::Container;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// `$(NAME)` → its value among `env`; `$$(NAME)` → `$(NAME)`; unknown references stay.
pub fn expand(text: &str, env: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(tail) = after.strip_prefix("$(") {
            out.push_str("$(");
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
            && let Some((_, value)) = env.iter().rev().find(|(k, _)| *k == inner[..end])
        {
            out.push_str(value);
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out + rest
}

/// The environment of `container` in pod `ordinal`, with the Secrets as they are now
/// (`secrets`: a scenario may have changed them since the spec was read); `path_prefix` (`:`-separated
/// directories) comes first on PATH.
pub fn environment(
    spec: &HaSpec,
    secrets: &BTreeMap<String, SecretData>,
    container: &Container,
    ordinal: usize,
    ip: Ipv4Addr,
    path_prefix: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    let pod = spec.pod_name(ordinal);
    let mut env: Vec<(String, String)> = vec![
        ("PATH".into(), format!("{path_prefix}:{PATH}")),
        ("HOSTNAME".into(), pod.clone()),
        ("HOME".into(), "/root".into()),
    ];
    let lookup =
        |map: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, Vec<u8>>>,
         name: &str,
         key: &str| {
            map.get(name)
                .and_then(|data| data.get(key))
                .map(|v| String::from_utf8_lossy(v).into_owned())
        };
    for from in container.env_from.iter().flatten() {
        let prefix = from.prefix.clone().unwrap_or_default();
        let source = if let Some(r) = &from.config_map_ref {
            spec.config_maps.get(&r.name)
        } else if let Some(r) = &from.secret_ref {
            secrets.get(&r.name)
        } else {
            None
        };
        for (key, value) in source.into_iter().flatten() {
            env.push((
                format!("{prefix}{key}"),
                String::from_utf8_lossy(value).into_owned(),
            ));
        }
    }
    for var in container.env.iter().flatten() {
        let value = if let Some(value) = &var.value {
            expand(value, &env)
        } else if let Some(from) = &var.value_from {
            if let Some(field) = &from.field_ref {
                match field.field_path.as_str() {
                    "metadata.name" => pod.clone(),
                    "metadata.namespace" => spec.namespace.clone(),
                    "status.podIP" => ip.to_string(),
                    "status.podIPs" => ip.to_string(),
                    "status.hostIP" | "status.hostIPs" => "10.213.0.1".into(),
                    "spec.nodeName" => "drill-node".into(),
                    "spec.serviceAccountName" => "default".into(),
                    "metadata.uid" => format!("drill-{pod}"),
                    other => bail!(
                        "container {:?} env {:?}: fieldRef {other:?} is not supported by the drill",
                        container.name,
                        var.name
                    ),
                }
            } else if let Some(r) = &from.secret_key_ref {
                lookup(secrets, &r.name, &r.key).with_context(|| {
                    format!(
                        "env {:?}: Secret {:?} has no key {:?}",
                        var.name, r.name, r.key
                    )
                })?
            } else if let Some(r) = &from.config_map_key_ref {
                lookup(&spec.config_maps, &r.name, &r.key).with_context(|| {
                    format!(
                        "env {:?}: ConfigMap {:?} has no key {:?}",
                        var.name, r.name, r.key
                    )
                })?
            } else if from.resource_field_ref.is_some() {
                "0".into()
            } else {
                String::new()
            }
        } else {
            String::new()
        };
        env.push((var.name.clone(), value));
    }
    // Later entries win, as in Kubernetes; keep one of each name.
    let mut unique: Vec<(String, String)> = Vec::new();
    for (key, value) in env {
        unique.retain(|(k, _)| *k != key);
        unique.push((key, value));
    }
    Ok(unique)
}

/// The command line: `command` + `args`, or the image's entrypoint. The exporter image runs
/// `redis_exporter` (also when `command` names its `/redis_exporter`); the official Redis
/// image runs `redis-server` when there is no command (and prefixes it to args that are
/// flags or a `.conf` file).
pub fn argv(container: &Container, env: &[(String, String)]) -> Vec<String> {
    let args: Vec<String> = container
        .args
        .iter()
        .flatten()
        .map(|a| expand(a, env))
        .collect();
    let command: Vec<String> = container
        .command
        .iter()
        .flatten()
        .map(|c| expand(c, env))
        .collect();
    if container.image.as_deref().is_some_and(is_exporter_image) {
        let program = match command.split_first() {
            Some((first, rest)) if first.rsplit('/').next() == Some(EXPORTER) => rest,
            Some(_) => return command.into_iter().chain(args).collect(),
            None => &[],
        };
        return std::iter::once(EXPORTER.to_string())
            .chain(program.iter().cloned())
            .chain(args)
            .collect();
    }
    match command.first() {
        Some(_) => command.into_iter().chain(args).collect(),
        None if args.is_empty() => vec!["redis-server".into()],
        None if args[0].starts_with('-') || args[0].ends_with(".conf") => {
            std::iter::once("redis-server".to_string())
                .chain(args)
                .collect()
        }
        None => args,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_references_like_kubernetes() {
        let env = vec![("POD".to_string(), "redis-1".to_string())];
        assert_eq!(expand("--announce $(POD).x", &env), "--announce redis-1.x");
        assert_eq!(expand("$$(POD) $(NOPE) $", &env), "$(POD) $(NOPE) $");
    }

    #[test]
    fn image_entrypoint_runs_redis_server() {
        let mut c = Container::default();
        assert_eq!(argv(&c, &[]), ["redis-server"]);
        c.args = Some(vec!["/etc/redis/redis.conf".into()]);
        assert_eq!(argv(&c, &[]), ["redis-server", "/etc/redis/redis.conf"]);
        c.args = Some(vec!["sh".into(), "-c".into(), "x".into()]);
        assert_eq!(argv(&c, &[]), ["sh", "-c", "x"]);
        c.command = Some(vec!["redis-sentinel".into()]);
        assert_eq!(argv(&c, &[]), ["redis-sentinel", "sh", "-c", "x"]);
    }

    #[test]
    fn exporter_image_runs_redis_exporter() {
        let mut c = Container {
            image: Some("docker.io/oliver006/redis_exporter:v1.67.0".into()),
            ..Container::default()
        };
        assert_eq!(argv(&c, &[]), ["redis_exporter"]);
        c.command = Some(vec!["/redis_exporter".into()]);
        c.args = Some(vec!["-include-system-metrics".into()]);
        assert_eq!(argv(&c, &[]), ["redis_exporter", "-include-system-metrics"]);
        c.command = Some(vec!["sh".into(), "-c".into()]);
        c.args = Some(vec!["x".into()]);
        assert_eq!(argv(&c, &[]), ["sh", "-c", "x"]);
        assert!(is_exporter_image(
            "registry:5000/oliver006/redis_exporter@sha256:ab"
        ));
        assert!(is_exporter_image("redis_exporter"));
        assert!(!is_exporter_image("redis:7.2"));
        assert!(!is_exporter_image("registry:5000/redis_exporter_fork:1"));
    }
}
