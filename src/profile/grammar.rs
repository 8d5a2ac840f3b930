//! The grammar of the places profile values land in: a Kubernetes name, a label, an image
//! reference, a line of `redis.conf`. Each pattern is written once, here: `types.rs` puts it
//! into the profile's JSON Schema (`schema profile`, so editors flag a bad value) and
//! `checks.rs` refuses a profile whose value does not match it before anything is rendered.
//!
//! The patterns use only what JSON Schema's ECMA-262 dialect and the `regex` crate read
//! alike: anchors, ASCII classes, groups, alternation and counted repetition.

use regex::Regex;
use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

/// `maxmemory-policy`: Redis's eight eviction policies.
pub use crate::redis_conf::MAXMEMORY_POLICIES;

/// `imagePullPolicy`.
pub const PULL_POLICIES: [&str; 3] = ["Always", "IfNotPresent", "Never"];

/// A Sentinel master set's name: it is written into `sentinel.conf` lines and passed to
/// `SENTINEL` commands, so one word of safe characters.
pub const MASTER_NAME: &str = r"^[A-Za-z0-9._-]{1,64}$";

/// A DNS-1123 label (namespaces, the objects' base name): 63 characters at most.
pub const DNS_LABEL: &str = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";

/// A DNS-1123 subdomain (Secrets, StorageClasses, issuers): dot-separated labels.
pub const DNS_SUBDOMAIN: &str =
    r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$";

/// A DNS-1123 subdomain or nothing (`storageClassName`: empty is the cluster's default).
pub const DNS_SUBDOMAIN_OR_EMPTY: &str =
    r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*)?$";

/// A key of a Secret's `data`.
pub const SECRET_KEY: &str = r"^[-._a-zA-Z0-9]{1,253}$";

/// A label key (also a `topologyKey`): an optional DNS subdomain prefix and `/`, then a name
/// of 63 characters at most.
pub const LABEL_KEY: &str = r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";

/// A label value: empty, or 63 characters at most starting and ending alphanumeric.
pub const LABEL_VALUE: &str = r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$";

/// An image repository (OCI distribution reference grammar): an optional registry host
/// (with port), then `/`-separated lower-case path components.
pub const IMAGE_REPOSITORY: &str = r"^(([a-zA-Z0-9]|[a-zA-Z0-9][-a-zA-Z0-9]*[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][-a-zA-Z0-9]*[a-zA-Z0-9]))*(:[0-9]+)?/)?[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$";

/// An image tag (OCI distribution reference grammar).
pub const IMAGE_TAG: &str = r"^[A-Za-z0-9_][-A-Za-z0-9_.]{0,127}$";

/// An image digest, as `image.digest` takes it.
pub const IMAGE_DIGEST: &str = r"^sha256:[a-f0-9]{64}$";

/// A Kubernetes kind (`tls.certManager.issuerRef.kind`).
pub const KIND: &str = r"^[A-Za-z][A-Za-z0-9]{0,62}$";

/// An http(s) URL of characters RFC 3986 allows unescaped (no blanks, quotes or `<>`).
pub const HTTP_URL: &str = r"^https?://[A-Za-z0-9._~:/?#@!$&'()*+,;=%\[\]-]+$";

/// A Redis memory size (`config.c` `memtoull`): bytes, or k/kb/m/mb/g/gb in any case.
pub const REDIS_SIZE: &str = r"^[0-9]+([kKmMgG]?[bB]|[kKmMgG])?$";

/// An RDB save point: `<seconds> <changes>`.
pub const SAVE_POINT: &str = r"^ *[0-9]+ +[0-9]+ *$";

/// The JSON Schema of a label map: label keys to label values.
pub fn label_map(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "propertyNames": { "pattern": LABEL_KEY },
        "additionalProperties": { "type": "string", "pattern": LABEL_VALUE },
    })
}

/// The JSON Schema of an annotation map: qualified-name keys to any text.
pub fn annotation_map(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "propertyNames": { "pattern": LABEL_KEY },
        "additionalProperties": { "type": "string" },
    })
}

/// A configuration directive's name as a profile key: a lower-case word of letters, digits
/// and `-`, or `sentinel` and such a word (`sentinel deny-scripts-reconfig`).
pub const DIRECTIVE: &str = r"^(sentinel )?[a-z][a-z0-9-]{0,63}$";

/// Directive arguments as a profile value: text without control characters.
pub const DIRECTIVE_ARGUMENTS: &str = r"^[^\x00-\x1f\x7f-\x9f]*$";

/// The JSON Schema of an `extraConfig` map: directive names to argument text.
pub fn directive_map(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "propertyNames": { "pattern": DIRECTIVE },
        "additionalProperties": { "type": "string", "pattern": DIRECTIVE_ARGUMENTS },
    })
}

/// Whether `value` matches `pattern` (one of the constants above).
pub fn matches(pattern: &'static str, value: &str) -> bool {
    compiled(pattern).is_match(value)
}

/// Each pattern compiled once per process (a `Regex` clone shares the compiled program).
fn compiled(pattern: &'static str) -> Regex {
    static CACHE: Mutex<BTreeMap<&str, Regex>> = Mutex::new(BTreeMap::new());
    let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    cache
        .entry(pattern)
        .or_insert_with(|| Regex::new(pattern).expect("the module's patterns compile (tested)"))
        .clone()
}

/// Kubernetes' quantity grammar: a decimal number, then a binary or decimal SI suffix or
/// an exponent (`resource.Quantity`).
pub(super) fn is_quantity(s: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `pattern` takes every value of `ok` and refuses every value of `bad`.
    fn holds(pattern: &'static str, ok: &[&str], bad: &[&str]) {
        for value in ok {
            assert!(matches(pattern, value), "{pattern} refuses {value:?}");
        }
        for value in bad {
            assert!(!matches(pattern, value), "{pattern} takes {value:?}");
        }
    }

    #[test]
    fn every_pattern_compiles() {
        for pattern in [
            MASTER_NAME,
            DNS_LABEL,
            DNS_SUBDOMAIN,
            DNS_SUBDOMAIN_OR_EMPTY,
            SECRET_KEY,
            LABEL_KEY,
            LABEL_VALUE,
            IMAGE_REPOSITORY,
            IMAGE_TAG,
            IMAGE_DIGEST,
            KIND,
            HTTP_URL,
            REDIS_SIZE,
            SAVE_POINT,
            DIRECTIVE,
            DIRECTIVE_ARGUMENTS,
        ] {
            assert!(Regex::new(pattern).is_ok(), "{pattern}");
        }
    }

    #[test]
    fn master_names() {
        let long = "a".repeat(65);
        let bad = ["", "redis/prod", "x/e;#", "a b", "a\nb", "a\r", &long];
        holds(MASTER_NAME, &["mymaster", "redis.prod-1", "a_b"], &bad);
    }

    #[test]
    fn image_references() {
        let ok = [
            "redis",
            "docker.io/library/redis",
            "localhost:5000/team/redis_exporter",
            "quay.io/a__b/c-d",
            "registry.example.com/x.y/z",
        ];
        let bad = [
            "",
            "Redis",
            "redis;id",
            "docker.io/",
            "a//b",
            "-a",
            "a$(id)",
        ];
        holds(IMAGE_REPOSITORY, &ok, &bad);
        let long = "a".repeat(129);
        let bad = ["", "7.0;$(id)", ".x", "-x", "a b", &long];
        holds(
            IMAGE_TAG,
            &["7.0.15-alpine", "v1.67.0", "latest", "_x"],
            &bad,
        );
    }

    #[test]
    fn labels_and_names() {
        let ok = [
            "app",
            "app.kubernetes.io/name",
            "kubernetes.io/hostname",
            "a_b.C-1",
        ];
        let bad = ["", "/a", "a/", "A.io/x", "a/b/c", "a b", "x\n"];
        holds(LABEL_KEY, &ok, &bad);
        let long = "a".repeat(64);
        holds(
            LABEL_VALUE,
            &["", "gateway", "v1.2_3"],
            &["-a", "a-", "a b", "$(id)", &long],
        );
        holds(
            DNS_SUBDOMAIN_OR_EMPTY,
            &["", "fast.ssd"],
            &["../../etc$(id)", "A"],
        );
        holds(
            DNS_SUBDOMAIN,
            &["redis-tls", "tls.redis"],
            &["", "a..b", ".a", "Redis"],
        );
        holds(SECRET_KEY, &["tls.crt", "password"], &["a/b", ""]);
    }

    #[test]
    fn urls_and_sizes() {
        let ok = [
            "https://example.com/runbook.md",
            "http://wiki.local:8080/a?b=c#d",
        ];
        let bad = [
            "javascript:alert(1)",
            "https://a b",
            "ftp://x",
            "https://x\"y",
            "https://",
        ];
        holds(HTTP_URL, &ok, &bad);
        let ok = ["256mb", "1GB", "1048576", "100k", "5B"];
        holds(REDIS_SIZE, &ok, &["", "256MiB", "mb", "-1", "1.5gb"]);
    }
}
