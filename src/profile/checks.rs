//! Value checks that the types alone cannot make: names Kubernetes would reject, quantities
//! it cannot parse, Redis sizes Redis would refuse at start. Such a profile cannot be
//! rendered as asked (exit 2); judgements about good values (quorum, timings) are rules.

use super::MAXMEMORY_POLICY_EVICTS_STATE;
use super::Profile;
use super::grammar::{self, *};
use super::tree::Origin;
use crate::escape::printable;
use crate::finding::ignore_check_annotation;
use std::collections::BTreeMap;

/// Free text: written into annotations and YAML (which quote anything), never into a
/// config file or a command; the only strings that may hold line breaks.
const FREE_TEXT: [&str; 2] = ["description", "redis.maxmemoryPolicyReason"];

/// Free text, or a value of an annotation map (any text: Kubernetes takes it, and the
/// manifests quote it).
fn is_free_text(path: &str) -> bool {
    FREE_TEXT.contains(&path)
        || super::checks_scheduling::ANNOTATION_MAPS.iter().any(|map| {
            path.strip_prefix(map)
                .is_some_and(|rest| rest.starts_with('.'))
        })
}

/// One value that cannot be rendered as asked.
struct Problem {
    key: String,
    value: String,
    wanted: String,
}

/// The first bad value, as an error naming its key and where it was set.
pub fn check(profile: &Profile, provenance: &BTreeMap<String, Origin>) -> anyhow::Result<()> {
    let mut problems = Vec::new();
    // In this order: the first problem found is the one reported.
    let checks: [fn(&Profile, &mut Vec<Problem>); 10] = [
        control_characters,
        quantities,
        object_names,
        images,
        redis_settings,
        sentinel_master_name,
        references,
        label_maps,
        reserved_annotation,
        ports_and_counts,
    ];
    for check in checks {
        check(profile, &mut problems);
    }
    let mut found = Vec::new();
    super::checks_scheduling::check(profile, &mut found);
    super::checks_backup::check(profile, &mut found);
    found.extend(super::engine_image::check(profile));
    problems.extend(
        found
            .into_iter()
            .map(|(key, value, wanted)| Problem { key, value, wanted }),
    );
    let Some(Problem { key, value, wanted }) = problems.into_iter().next() else {
        return Ok(());
    };
    let at = origin_of(provenance, &key).map_or_else(|| "default".to_string(), Origin::to_string);
    anyhow::bail!(
        "`{}` ({at}): `{}` is not valid: expected {wanted}",
        printable(&key),
        printable(&value)
    )
}

/// Where `key` was set: its own origin, or that of the nearest ancestor a source wrote (a
/// list item, `scheduling.tolerations[0].key`, has its list's).
fn origin_of<'a>(provenance: &'a BTreeMap<String, Origin>, key: &str) -> Option<&'a Origin> {
    let mut key = key;
    loop {
        if let Some(origin) = provenance.get(key) {
            return Some(origin);
        }
        key = &key[..key.rfind(['.', '['])?];
    }
}

fn problem(problems: &mut Vec<Problem>, key: &str, value: &str, wanted: impl Into<String>) {
    problems.push(Problem {
        key: key.to_string(),
        value: value.to_string(),
        wanted: wanted.into(),
    });
}

/// No string but free text may hold a control character: a line break in a value that
/// lands in `redis.conf` or `sentinel.conf` would start a directive of the user's choosing
/// (`rename-command`, `loadmodule`), and in a label or name it is never valid anyway.
fn control_characters(profile: &Profile, problems: &mut Vec<Problem>) {
    fn walk(value: &serde_json::Value, path: &str, problems: &mut Vec<Problem>) {
        match value {
            serde_json::Value::String(s)
                if !is_free_text(path) && s.chars().any(char::is_control) =>
            {
                problem(
                    problems,
                    path,
                    s,
                    "no control characters (line break, carriage return, tab, escape): \
                     the value is written into a config file or a Kubernetes field",
                );
            }
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    let path = super::tree::join(path, key);
                    if key.chars().any(char::is_control) {
                        problem(problems, &path, key, "a key without control characters");
                    }
                    walk(value, &path, problems);
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    walk(item, path, problems);
                }
            }
            _ => {}
        }
    }
    // A `Profile` is plain data: it always serializes.
    if let Ok(value) = serde_json::to_value(profile) {
        walk(&value, "", problems);
    }
}

fn quantities(profile: &Profile, problems: &mut Vec<Problem>) {
    let quantities = [
        (
            "redis.resources.requests.cpu",
            &profile.redis.resources.requests.cpu,
        ),
        (
            "redis.resources.requests.memory",
            &profile.redis.resources.requests.memory,
        ),
        (
            "redis.resources.limits.cpu",
            &profile.redis.resources.limits.cpu,
        ),
        (
            "redis.resources.limits.memory",
            &profile.redis.resources.limits.memory,
        ),
        (
            "sentinel.resources.requests.cpu",
            &profile.sentinel.resources.requests.cpu,
        ),
        (
            "sentinel.resources.requests.memory",
            &profile.sentinel.resources.requests.memory,
        ),
        (
            "sentinel.resources.limits.cpu",
            &profile.sentinel.resources.limits.cpu,
        ),
        (
            "sentinel.resources.limits.memory",
            &profile.sentinel.resources.limits.memory,
        ),
        ("redis.storage.size", &profile.redis.storage.size),
        (
            "metrics.resources.requests.cpu",
            &profile.metrics.resources.requests.cpu,
        ),
        (
            "metrics.resources.requests.memory",
            &profile.metrics.resources.requests.memory,
        ),
        (
            "metrics.resources.limits.cpu",
            &profile.metrics.resources.limits.cpu,
        ),
        (
            "metrics.resources.limits.memory",
            &profile.metrics.resources.limits.memory,
        ),
    ];
    for (key, value) in quantities {
        if !is_quantity(value) {
            problem(
                problems,
                key,
                value,
                "a Kubernetes quantity such as `500m`, `128Mi` or `1Gi`",
            );
        }
    }
    if !is_prometheus_duration(&profile.metrics.scrape_interval) {
        problem(
            problems,
            "metrics.scrapeInterval",
            &profile.metrics.scrape_interval,
            "a Prometheus duration such as `15s`, `1m` or `1m30s`",
        );
    }
}

// The checks below test each value against the grammar of where it lands (`grammar.rs`,
// also in `schema profile`).

/// The namespace and the name every object's name starts with: DNS-1123 labels.
fn object_names(profile: &Profile, problems: &mut Vec<Problem>) {
    const DNS_LABEL_RULE: &str = "a DNS-1123 label: at most 63 characters, lower-case letters, \
        digits and `-`, starting and ending with a letter or digit";
    for (key, value) in [("namespace", &profile.namespace), ("name", &profile.name)] {
        if !grammar::matches(DNS_LABEL, value) {
            problem(problems, key, value, DNS_LABEL_RULE);
        }
    }
}

fn images(profile: &Profile, problems: &mut Vec<Problem>) {
    image(problems, "image", &profile.image);
    image(problems, "metrics.image", &profile.metrics.image);
}

/// The `redis.*` values written into redis.conf: sizes, the eviction policy, save points.
fn redis_settings(profile: &Profile, problems: &mut Vec<Problem>) {
    let redis = &profile.redis;
    if !grammar::matches(REDIS_SIZE, &redis.maxmemory) {
        problem(
            problems,
            "redis.maxmemory",
            &redis.maxmemory,
            "a Redis memory size such as `256mb`, `1gb` or a byte count",
        );
    }
    if let Some(buffer) = &redis.replica_output_buffer {
        for (key, value) in [
            ("redis.replicaOutputBuffer.hardLimit", &buffer.hard_limit),
            ("redis.replicaOutputBuffer.softLimit", &buffer.soft_limit),
        ] {
            if !grammar::matches(REDIS_SIZE, value) {
                problem(
                    problems,
                    key,
                    value,
                    "a Redis memory size such as `64mb` or a byte count",
                );
            }
        }
        if crate::model::units::redis_bytes(&buffer.hard_limit) == Some(0) {
            problem(
                problems,
                "redis.replicaOutputBuffer.hardLimit",
                &buffer.hard_limit,
                "a limit above 0 (Redis reads 0 as no limit: the buffer could grow until the \
                 container is OOM-killed)",
            );
        }
    }
    if !MAXMEMORY_POLICIES.contains(&redis.maxmemory_policy.as_str()) {
        problem(
            problems,
            "redis.maxmemoryPolicy",
            &redis.maxmemory_policy,
            format!("one of {}", MAXMEMORY_POLICIES.join(", ")),
        );
    }
    for point in &redis.save {
        if !grammar::matches(SAVE_POINT, point) {
            problem(
                problems,
                "redis.save",
                point,
                "a save point `<seconds> <changes>`, e.g. `900 1`",
            );
        }
    }
}

fn sentinel_master_name(profile: &Profile, problems: &mut Vec<Problem>) {
    if !grammar::matches(MASTER_NAME, &profile.sentinel.master_name) {
        problem(
            problems,
            "sentinel.masterName",
            &profile.sentinel.master_name,
            "a master set name: 1 to 64 letters, digits, `.`, `_` or `-` (it is written \
             into sentinel.conf and sent in SENTINEL commands)",
        );
    }
}

/// Names of objects the set refers to (StorageClass, Secrets, the Issuer), a label key and
/// a URL.
fn references(profile: &Profile, problems: &mut Vec<Problem>) {
    const SUBDOMAIN_RULE: &str = "a DNS-1123 subdomain such as `redis-auth`: lower-case \
        letters, digits, `-` and `.`, at most 253 characters";
    let tls = &profile.tls;
    let names = [
        (
            "redis.storage.storageClassName",
            &profile.redis.storage.storage_class_name,
            DNS_SUBDOMAIN_OR_EMPTY,
            "empty (the cluster's default class) or the name of a StorageClass: a DNS-1123 \
             subdomain such as `fast-ssd`",
        ),
        (
            "auth.existingSecret",
            &profile.auth.existing_secret,
            DNS_SUBDOMAIN,
            SUBDOMAIN_RULE,
        ),
        (
            "auth.secretKey",
            &profile.auth.secret_key,
            SECRET_KEY,
            "a key of a Secret: letters, digits, `-`, `_` and `.`",
        ),
        (
            "tls.existingSecret",
            &tls.existing_secret,
            DNS_SUBDOMAIN,
            SUBDOMAIN_RULE,
        ),
        (
            "tls.certManager.issuerRef.name",
            &tls.cert_manager.issuer_ref.name,
            DNS_SUBDOMAIN_OR_EMPTY,
            "the name of an Issuer: a DNS-1123 subdomain",
        ),
        (
            "tls.certManager.issuerRef.kind",
            &tls.cert_manager.issuer_ref.kind,
            KIND,
            "a Kubernetes kind such as `Issuer` or `ClusterIssuer`",
        ),
        (
            "tls.certManager.issuerRef.group",
            &tls.cert_manager.issuer_ref.group,
            DNS_SUBDOMAIN,
            "an API group such as `cert-manager.io`",
        ),
        (
            "scheduling.topologyKey",
            &profile.scheduling.topology_key,
            LABEL_KEY,
            "a label key such as `kubernetes.io/hostname`",
        ),
        (
            "metrics.runbookBaseUrl",
            &profile.metrics.runbook_base_url,
            HTTP_URL,
            "an `http://` or `https://` URL without blanks, quotes or `<>`",
        ),
    ];
    for (key, value, pattern, wanted) in names {
        if !grammar::matches(pattern, value) || value.len() > 253 {
            problem(problems, key, value, wanted);
        }
    }
    if tls.enabled && tls.cert_manager.enabled && tls.cert_manager.issuer_ref.name.is_empty() {
        problem(
            problems,
            "tls.certManager.issuerRef.name",
            &tls.cert_manager.issuer_ref.name,
            "the name of the cert-manager Issuer or ClusterIssuer that signs the certificate \
             (required with `tls.certManager.enabled`)",
        );
    }
}

/// The suppression annotation of `maxmemory-policy-evicts-state` is the generator's own when
/// a reason is given: the profile may not write it too.
fn reserved_annotation(profile: &Profile, problems: &mut Vec<Problem>) {
    let suppression = ignore_check_annotation(MAXMEMORY_POLICY_EVICTS_STATE);
    if profile.pod_annotations.contains_key(&suppression)
        && profile.redis.maxmemory_policy.starts_with("allkeys-")
        && !profile.redis.maxmemory_policy_reason.trim().is_empty()
    {
        problem(
            problems,
            &format!("podAnnotations.{suppression}"),
            &suppression,
            "an annotation the generator does not write itself: this one carries              `redis.maxmemoryPolicyReason` (set the reason there)",
        );
    }
}

fn image(problems: &mut Vec<Problem>, prefix: &str, image: &super::Image) {
    if !grammar::matches(IMAGE_REPOSITORY, &image.repository) || image.repository.len() > 255 {
        problem(
            problems,
            &format!("{prefix}.repository"),
            &image.repository,
            "an image repository such as `docker.io/library/redis` (a registry host, then \
             lower-case path components separated by `/`)",
        );
    }
    if !grammar::matches(IMAGE_TAG, &image.tag) {
        problem(
            problems,
            &format!("{prefix}.tag"),
            &image.tag,
            "an image tag: letters, digits, `_`, `.` and `-`, at most 128 characters, not \
             starting with `.` or `-`",
        );
    }
    if let Some(digest) = &image.digest
        && !grammar::matches(IMAGE_DIGEST, digest)
    {
        problem(
            problems,
            &format!("{prefix}.digest"),
            digest,
            "`sha256:` followed by 64 lower-case hex digits",
        );
    }
    if !PULL_POLICIES.contains(&image.pull_policy.as_str()) {
        problem(
            problems,
            &format!("{prefix}.pullPolicy"),
            &image.pull_policy,
            format!("one of {}", PULL_POLICIES.join(", ")),
        );
    }
}

fn label_maps(profile: &Profile, problems: &mut Vec<Problem>) {
    let maps = [
        ("labels", &profile.labels),
        ("scheduling.nodeSelector", &profile.scheduling.node_selector),
        (
            "networkPolicy.clientPodLabels",
            &profile.network_policy.client_pod_labels,
        ),
        (
            "metrics.prometheusNamespaceLabels",
            &profile.metrics.prometheus_namespace_labels,
        ),
        ("metrics.labels", &profile.metrics.labels),
    ];
    for (map_key, map) in maps {
        for (key, value) in map {
            let path = super::tree::join(map_key, key);
            let prefix_ok = key
                .rsplit_once('/')
                .is_none_or(|(prefix, _)| prefix.len() <= 253);
            if !grammar::matches(LABEL_KEY, key) || !prefix_ok {
                problem(
                    problems,
                    &path,
                    key,
                    "a label key: an optional DNS subdomain prefix and `/`, then at most 63 \
                     letters, digits, `-`, `_` or `.`, starting and ending alphanumeric",
                );
            }
            if !grammar::matches(LABEL_VALUE, value) {
                problem(
                    problems,
                    &path,
                    value,
                    "a label value: empty or at most 63 letters, digits, `-`, `_` or `.`, \
                     starting and ending alphanumeric",
                );
            }
        }
    }
}

/// Ports Redis would refuse or that collide, and counts the set cannot meet.
fn ports_and_counts(profile: &Profile, problems: &mut Vec<Problem>) {
    let redis = &profile.redis;
    let sentinel = &profile.sentinel;
    let exporters = [
        ("the Redis exporter", super::REDIS_EXPORTER_PORT),
        ("the Sentinel exporter", super::SENTINEL_EXPORTER_PORT),
    ];
    for (key, port) in [("redis.port", redis.port), ("sentinel.port", sentinel.port)] {
        if port == 0 {
            problem(problems, key, "0", "a port from 1 to 65535");
        }
        let taken = exporters
            .iter()
            .find(|(_, exporter)| profile.metrics.enabled && *exporter == port);
        if let Some((what, _)) = taken {
            problem(
                problems,
                key,
                &port.to_string(),
                format!("a port other than {port}, which {what} listens on (metrics.enabled)"),
            );
        }
    }
    if redis.port == sentinel.port {
        problem(
            problems,
            "sentinel.port",
            &sentinel.port.to_string(),
            format!(
                "a port other than `redis.port` ({}): Redis and Sentinel share the pod's network",
                redis.port
            ),
        );
    }
    let most = redis.replicas.saturating_sub(1);
    if redis.min_replicas_to_write > most {
        problem(
            problems,
            "redis.minReplicasToWrite",
            &redis.min_replicas_to_write.to_string(),
            format!(
                "at most `redis.replicas` − 1 = {most}: a master has no more replicas than \
                 that, so it would refuse every write"
            ),
        );
    }
}

/// Prometheus's duration grammar: `<number><unit>` groups, units largest first.
fn is_prometheus_duration(s: &str) -> bool {
    const UNITS: [&str; 7] = ["y", "w", "d", "h", "m", "s", "ms"];
    let mut rest = s;
    let mut last_unit = None;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let unit = if rest.starts_with("ms") {
            "ms"
        } else {
            rest.get(..1).unwrap_or("")
        };
        let Some(position) = UNITS.iter().position(|u| *u == unit) else {
            return false;
        };
        if last_unit.is_some_and(|last| position <= last) {
            return false;
        }
        last_unit = Some(position);
        rest = &rest[unit.len()..];
    }
    last_unit.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        for ok in ["500m", "128Mi", "1Gi", "0.5", "1e3", "2E-2", "100", "+1k"] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in ["", "lots", "1 Gi", "1GB", "Mi", "1.2.3", "1e", "."] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }

    #[test]
    fn prometheus_durations() {
        for ok in ["15s", "1m", "1m30s", "500ms", "1h5m", "2d"] {
            assert!(is_prometheus_duration(ok), "{ok}");
        }
        for bad in ["", "15", "s", "1.5m", "30s1m", "1m1m", "1 m", "1x", "-1s"] {
            assert!(!is_prometheus_duration(bad), "{bad}");
        }
    }

    fn error(profile: &Profile) -> String {
        check(profile, &BTreeMap::new()).unwrap_err().to_string()
    }

    #[test]
    fn a_line_break_in_a_config_value_is_refused() {
        let mut profile = Profile::default();
        profile.redis.maxmemory_policy = "allkeys-lru\nrename-command CONFIG \"\"".into();
        let err = error(&profile);
        assert!(
            err.starts_with("`redis.maxmemoryPolicy` (default): `allkeys-lru\\nrename"),
            "{err}"
        );
        assert!(err.contains("no control characters"), "{err}");
        assert!(!err.contains('\n'), "{err}");
        let mut profile = Profile::default();
        profile.sentinel.master_name = "a\rb".into();
        assert!(error(&profile).contains("`sentinel.masterName`"));
        let mut profile = Profile::default();
        profile.labels.insert("a\n::error::x".into(), "v".into());
        assert!(error(&profile).contains("a key without control characters"));
        let profile = Profile {
            description: "two\nlines".into(),
            ..Profile::default()
        };
        assert!(check(&profile, &BTreeMap::new()).is_ok());
    }

    #[test]
    fn values_are_held_to_the_grammar_of_where_they_land() {
        type Spoil = fn(&mut Profile);
        let cases: [(&str, Spoil); 12] = [
            ("redis.maxmemoryPolicy", |p| {
                p.redis.maxmemory_policy = "allkeys-lru $(id)".into()
            }),
            ("sentinel.masterName", |p| {
                p.sentinel.master_name = "x/e;#".into()
            }),
            ("sentinel.masterName", |p| {
                p.sentinel.master_name = "redis/prod".into()
            }),
            ("image.tag", |p| p.image.tag = "7.0;$(id)".into()),
            ("image.pullPolicy", |p| {
                p.image.pull_policy = "Sometimes".into()
            }),
            ("redis.storage.storageClassName", |p| {
                p.redis.storage.storage_class_name = "../../etc$(id)".into()
            }),
            ("metrics.runbookBaseUrl", |p| {
                p.metrics.runbook_base_url = "javascript:alert(1)".into()
            }),
            ("auth.existingSecret", |p| {
                p.auth.existing_secret = "Redis Auth".into()
            }),
            ("auth.secretKey", |p| p.auth.secret_key = "a/b".into()),
            ("scheduling.topologyKey", |p| {
                p.scheduling.topology_key = "a b".into()
            }),
            ("labels.team", |p| {
                p.labels.insert("team".into(), "$(id)".into());
            }),
            ("redis.save", |p| p.redis.save = vec!["900".into()]),
        ];
        for (key, spoil) in cases {
            let mut profile = Profile::default();
            spoil(&mut profile);
            let err = error(&profile);
            assert!(err.starts_with(&format!("`{key}` ")), "{key}: {err}");
        }
    }

    #[test]
    fn ports_and_counts_the_set_can_meet() {
        let mut profile = Profile::default();
        profile.redis.port = 0;
        assert!(error(&profile).contains("a port from 1 to 65535"));
        let mut profile = Profile::default();
        profile.sentinel.port = profile.redis.port;
        assert!(error(&profile).contains("a port other than `redis.port` (6379)"));
        let mut profile = Profile::default();
        profile.metrics.enabled = true;
        profile.redis.port = crate::profile::REDIS_EXPORTER_PORT;
        assert!(error(&profile).contains("the Redis exporter"));
        let mut profile = Profile::default();
        profile.redis.min_replicas_to_write = 4_294_967_295;
        let err = error(&profile);
        assert!(err.contains("at most `redis.replicas` − 1 = 2"), "{err}");
        profile.redis.min_replicas_to_write = 2;
        assert!(check(&profile, &BTreeMap::new()).is_ok());
    }

    #[test]
    fn cert_manager_needs_an_issuer_name() {
        let mut profile = Profile::default();
        profile.tls.enabled = true;
        profile.tls.cert_manager.enabled = true;
        let err = check(&profile, &BTreeMap::new()).unwrap_err().to_string();
        assert!(err.contains("tls.certManager.issuerRef.name"), "{err}");
        profile.tls.cert_manager.issuer_ref.name = "ca-issuer".into();
        assert!(check(&profile, &BTreeMap::new()).is_ok());
    }

    #[test]
    fn the_defaults_pass() {
        assert!(check(&Profile::default(), &BTreeMap::new()).is_ok());
    }
}
