//! Schema and input: rules produced by the manifest and schema stages (registered here for
//! `explain`), suppression annotations, and configuration text Redis cannot load.

use super::facts::all_confs;
use super::rule::{Category, Rule};
use super::sink::{Context, Sink};
use super::sources::{CONFIG, K8S_ANNOTATIONS, K8S_API, K8S_NAMES, K8S_YAML, KUSTOMIZE};
use crate::finding::IGNORE_CHECK_PREFIX;
use crate::finding::Severity;
use crate::manifest::JsonPointer;
use crate::model::{Loc, Role};

/// Reported by `manifest::parse`; nothing to check on parsed documents.
fn reported_elsewhere(_: &Context, _: &mut Sink) {}

pub const YAML_SYNTAX: Rule = Rule {
    id: crate::manifest::YAML_SYNTAX,
    category: Category::Input,
    severity: Severity::Error,
    summary: "a document does not parse",
    rationale: "A document that is not valid YAML (or JSON) cannot be applied; `kubectl apply` \
        rejects the whole file. The finding names the file and line of the parser error; the \
        other documents and files are still linted.",
    fix: "Fix the YAML at the reported line (indentation, an unclosed quote or bracket, a tab).",
    references: &[K8S_YAML],
    check: reported_elsewhere,
};

pub const SCHEMA_VIOLATION: Rule = Rule {
    id: crate::schema::SCHEMA_VIOLATION,
    category: Category::Input,
    severity: Severity::Error,
    summary: "a known kind fails the strict schema of the chosen Kubernetes version",
    rationale: "An unknown field (often a typo or wrong indentation), a wrong type or a missing \
        required field is rejected by the API server with strict field validation, or silently \
        dropped without it — then the setting you wrote never takes effect. Int-or-string \
        fields accept only integers and strings. Checked against the schema of `--kube-version` \
        (default the newest supported); the custom resources redis-ha-gen renders \
        (`monitoring.coreos.com/v1` ServiceMonitor and PrometheusRule, `cert-manager.io/v1` \
        Certificate) against their upstream CRD schema, enums and patterns included.",
    fix: "Correct the field named in the message; `kubectl explain <kind>.<field>` shows the \
        valid fields and types.",
    references: &[K8S_API],
    check: reported_elsewhere,
};

pub const IGNORE_WITHOUT_REASON: Rule = Rule {
    id: "ignore-without-reason",
    category: Category::Input,
    severity: Severity::Warning,
    summary: "an ignore-check.redis-ha-gen.io/* annotation has an empty reason",
    rationale: "A suppressed finding is a trade-off someone made; the reason is what the next \
        operator reads before the 3 a.m. failover. An annotation without a reason does not \
        suppress anything.",
    fix: "Write why the finding does not apply as the annotation's value: \
        `ignore-check.redis-ha-gen.io/<rule>: \"<reason>\"`.",
    references: &[K8S_ANNOTATIONS],
    check: |cx, sink| {
        for_each_ignore(cx, |at, rule, reason| {
            if reason.trim().is_empty() {
                sink.report(
                    at,
                    format!(
                        "the annotation ignoring `{rule}` has no reason, so it suppresses nothing"
                    ),
                );
            }
        });
    },
};

pub const IGNORE_UNKNOWN_RULE: Rule = Rule {
    id: "ignore-unknown-rule",
    category: Category::Input,
    severity: Severity::Warning,
    summary: "an ignore-check.redis-ha-gen.io/* annotation names no known rule",
    rationale: "An annotation for a misspelt rule id suppresses nothing, while its author believes \
        the finding is handled.",
    fix: "Use a rule id listed by `redis-ha-gen rules`.",
    references: &[K8S_ANNOTATIONS],
    check: |cx, sink| {
        for_each_ignore(cx, |at, rule, _| {
            if !(cx.known_rule)(rule) {
                sink.report(
                    at,
                    format!("`{rule}` is not a redis-ha-gen rule (see `redis-ha-gen rules`)"),
                );
            }
        });
    },
};

/// Every `ignore-check.redis-ha-gen.io/<rule>` annotation: its location, rule and reason.
fn for_each_ignore(cx: &Context, mut f: impl FnMut(&Loc, &str, &str)) {
    for (i, doc) in cx.docs.iter().enumerate() {
        let Some(annotations) = doc
            .value
            .at("/metadata/annotations")
            .and_then(|a| a.as_object())
        else {
            continue;
        };
        for (key, value) in annotations {
            if let Some(rule) = key.strip_prefix(IGNORE_CHECK_PREFIX) {
                let at = Loc::new(
                    i,
                    format!(
                        "/metadata/annotations/{}",
                        key.replace('~', "~0").replace('/', "~1")
                    ),
                );
                f(&at, rule, value.as_str().unwrap_or_default());
            }
        }
    }
}

pub const REDIS_CONFIG_SYNTAX: Rule = Rule {
    id: "redis-config-syntax",
    category: Category::Input,
    severity: Severity::Error,
    summary: "a redis.conf/sentinel.conf line Redis cannot parse (unbalanced quotes)",
    rationale: "Redis refuses to start on a configuration line with unbalanced quotes or a \
        closing quote not followed by a space (\"Unbalanced quotes in configuration line\"): \
        the container crash-loops. (Redis configuration docs.)",
    fix: "Close the quote, or escape it (`\\\"` inside double quotes, `\\'` inside single quotes).",
    references: &[CONFIG],
    check: |cx, sink| {
        for role in [Role::Redis, Role::Sentinel] {
            for (w, _, conf) in all_confs(cx.model, role) {
                for (at, message) in &conf.errors {
                    sink.report_for(at, Some(w.doc), message.clone());
                }
            }
        }
    },
};

/// The id of the infos `lint` reports while following a kustomization (cli/kustomize.rs).
pub const KUSTOMIZATION_NOT_APPLIED: &str = "kustomization-not-applied";

pub const KUSTOMIZATION_NOT_APPLIED_RULE: Rule = Rule {
    id: KUSTOMIZATION_NOT_APPLIED,
    category: Category::Input,
    severity: Severity::Info,
    summary: "a part of a kustomization that lint does not apply (a remote resource, patches, generators, …)",
    rationale: "A folder with a `kustomization.yaml` is linted as `kustomize build` assembles \
        it: only the `resources` it lists (files, and folders with their own kustomization), \
        with its `namespace:` set on every namespaced object (kustomize replaces a namespace \
        already set; an including kustomization's wins). lint reads no network and does not \
        run kustomize's transformers, so a remote resource (a URL or git reference) is not \
        fetched and a field such as `patches`, `configMapGenerator`, `images`, `namePrefix` \
        or `components` is not applied: what it adds or changes was not checked. This info \
        says so once per resource or field, so an empty report means everything was read. \
        (Kustomize docs, \"kustomization\" reference.)",
    fix: "Lint the output of `kustomize build DIR | redis-ha-gen lint --stdin-filename DIR -` \
        to check what the cluster receives; or suppress this info in .redis-ha-gen.yaml \
        (`rules: {kustomization-not-applied: off}`) once you do.",
    references: &[KUSTOMIZE],
    check: reported_elsewhere,
};

pub const DUPLICATE_OBJECT: Rule = Rule {
    id: "duplicate-object",
    category: Category::Input,
    severity: Severity::Warning,
    summary: "two documents of the input define the same object (API group, kind, namespace, name)",
    rationale: "Kubernetes knows an object by its API group, kind, namespace and name. When one \
        input defines an object twice, `kubectl apply` applies both and the one applied last \
        silently replaces the other; for a folder that is the last file in name order, so \
        which definition reaches the cluster depends on file names (often a leftover copy, or \
        the same chart rendered twice). The other rules check each definition, as \
        alternatives: the k-th definition of every duplicated object in path order (file \
        name, then position in the file) together, whatever order the files were given in \
        (at most 8 alternatives: the first seven and the last). A folder with a \
        `kustomization.yaml` is linted as kustomize builds it, so its unused variants are \
        not read at all. A warning, not an error: real repositories keep alternatives side by side \
        (`standalone.yml`, `replicated.yml`, one picked by hand or by a kustomization), and \
        such a folder is not broken, only not one `kubectl apply` unit; an error would fail \
        every CI run on it and push towards suppressing the finding. \
        (Kubernetes docs, \"Object Names and IDs\".)",
    fix: "Keep one definition: delete the other, or give the two different names or \
        namespaces if both are meant to exist.",
    references: &[K8S_NAMES],
    check: |cx, sink| {
        let line = |doc: usize| {
            let d = &cx.docs[doc];
            let line = d.position("/metadata/name").map_or(0, |p| p.line);
            format!("{}:{line}", d.file)
        };
        for group in &cx.model.duplicates {
            let Some(&first) = group.first() else {
                continue;
            };
            for &doc in &group[1..] {
                sink.report(
                    &Loc::new(doc, "/metadata/name"),
                    format!(
                        "{} is already defined at {}; `kubectl apply` keeps only the definition applied last (the rules check each definition as an alternative)",
                        cx.docs[doc].object_id(),
                        line(first),
                    ),
                );
            }
        }
    },
};
