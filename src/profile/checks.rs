//! Value checks that the types alone cannot make: names Kubernetes would reject, quantities
//! it cannot parse, Redis sizes Redis would refuse at start. Such a profile cannot be
//! rendered as asked (exit 2); judgements about good values (quorum, timings) are rules.

use super::Profile;
use super::tree::Origin;
use std::collections::BTreeMap;

/// The first bad value, as an error naming its key and where it was set.
pub fn check(profile: &Profile, provenance: &BTreeMap<String, Origin>) -> anyhow::Result<()> {
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
    let mut problems: Vec<(&str, &str, String)> = Vec::new();
    for (key, value) in [("namespace", &profile.namespace), ("name", &profile.name)] {
        if !is_dns_label(value) {
            problems.push((key, value, "a DNS-1123 label: at most 63 characters, lower-case letters, digits and `-`, starting and ending with a letter or digit".into()));
        }
    }
    for (key, value) in quantities {
        if !is_quantity(value) {
            problems.push((
                key,
                value,
                "a Kubernetes quantity such as `500m`, `128Mi` or `1Gi`".into(),
            ));
        }
    }
    if !is_redis_size(&profile.redis.maxmemory) {
        problems.push((
            "redis.maxmemory",
            &profile.redis.maxmemory,
            "a Redis memory size such as `256mb`, `1gb` or a byte count".into(),
        ));
    }
    for (i, point) in profile.redis.save.iter().enumerate() {
        let ok = point.split_whitespace().count() == 2
            && point.split_whitespace().all(|n| n.parse::<u64>().is_ok());
        if !ok {
            problems.push((
                "redis.save",
                point,
                format!("(entry {i}) a save point `<seconds> <changes>`, e.g. `900 1`"),
            ));
        }
    }
    for (key, policy) in [
        ("image.pullPolicy", &profile.image.pull_policy),
        (
            "metrics.image.pullPolicy",
            &profile.metrics.image.pull_policy,
        ),
    ] {
        if !matches!(policy.as_str(), "Always" | "IfNotPresent" | "Never") {
            problems.push((key, policy, "one of Always, IfNotPresent, Never".into()));
        }
    }
    if !is_prometheus_duration(&profile.metrics.scrape_interval) {
        problems.push((
            "metrics.scrapeInterval",
            &profile.metrics.scrape_interval,
            "a Prometheus duration such as `15s`, `1m` or `1m30s`".into(),
        ));
    }
    if let Some(digest) = &profile.image.digest {
        let hex = digest.strip_prefix("sha256:").unwrap_or_default();
        if hex.len() != 64
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            problems.push((
                "image.digest",
                digest,
                "`sha256:` followed by 64 lower-case hex digits".into(),
            ));
        }
    }
    let tls = &profile.tls;
    if tls.enabled && !is_dns_subdomain(&tls.existing_secret) {
        problems.push((
            "tls.existingSecret",
            &tls.existing_secret,
            "the name of a Secret: a DNS-1123 subdomain such as `redis-tls`".into(),
        ));
    }
    if tls.enabled && tls.cert_manager.enabled && tls.cert_manager.issuer_ref.name.is_empty() {
        problems.push((
            "tls.certManager.issuerRef.name",
            &tls.cert_manager.issuer_ref.name,
            "the name of the cert-manager Issuer or ClusterIssuer that signs the certificate \
             (required with `tls.certManager.enabled`)"
                .into(),
        ));
    }
    let Some((key, value, wanted)) = problems.into_iter().next() else {
        return Ok(());
    };
    let at = provenance
        .get(key)
        .map_or_else(|| "default".to_string(), Origin::to_string);
    anyhow::bail!("`{key}` ({at}): `{value}` is not valid: expected {wanted}")
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

/// Names of most objects (Secrets among them): dot-separated DNS labels, 253 characters at most.
fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

fn is_dns_label(s: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    (1..=63).contains(&s.len())
        && s.chars().all(|c| alnum(c) || c == '-')
        && s.starts_with(alnum)
        && s.ends_with(alnum)
}

/// Kubernetes' quantity grammar: a decimal number, then a binary or decimal SI suffix or
/// an exponent (`resource.Quantity`).
fn is_quantity(s: &str) -> bool {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let number_end = unsigned
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(number_end);
    let number_ok = !number.is_empty()
        && number.matches('.').count() <= 1
        && number.chars().any(|c| c.is_ascii_digit());
    let suffix_ok = matches!(
        suffix,
        "" | "Ki"
            | "Mi"
            | "Gi"
            | "Ti"
            | "Pi"
            | "Ei"
            | "n"
            | "u"
            | "m"
            | "k"
            | "M"
            | "G"
            | "T"
            | "P"
            | "E"
    ) || suffix
        .strip_prefix(['e', 'E'])
        .map(|exp| exp.strip_prefix(['+', '-']).unwrap_or(exp))
        .is_some_and(|exp| !exp.is_empty() && exp.chars().all(|c| c.is_ascii_digit()));
    number_ok && suffix_ok
}

/// Redis's memory units (`config.c` `memtoull`): bytes, or k/kb/m/mb/g/gb, any case.
fn is_redis_size(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(digits_end);
    !digits.is_empty() && matches!(unit, "" | "b" | "k" | "kb" | "m" | "mb" | "g" | "gb")
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
    fn redis_sizes_and_dns_labels() {
        for ok in ["256mb", "1GB", "1048576", "100k"] {
            assert!(is_redis_size(ok), "{ok}");
        }
        for bad in ["", "256MiB", "mb", "-1", "1.5gb"] {
            assert!(!is_redis_size(bad), "{bad}");
        }
        assert!(is_dns_label("kubernaut-system"));
        for bad in ["", "Alerts", "-a", "a-", "a_b", &"a".repeat(64)] {
            assert!(!is_dns_label(bad), "{bad}");
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

    #[test]
    fn secret_names() {
        assert!(is_dns_subdomain("redis-tls") && is_dns_subdomain("tls.redis"));
        for bad in ["", "Redis", "a..b", ".a", &"a".repeat(254)] {
            assert!(!is_dns_subdomain(bad), "{bad}");
        }
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
