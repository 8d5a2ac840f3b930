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
    summary: "a part of a kustomization that lint neither applies nor had built (a remote resource, patches, generators, …)",
    rationale: "A folder with a `kustomization.yaml` is linted as `kustomize build` assembles \
        it. lint itself reads only the `resources` it lists (files, and folders with their own \
        kustomization), with its `namespace:` set on every namespaced object (kustomize \
        replaces a namespace already set; an including kustomization's wins). When the \
        kustomization has any other field (`patches`, `images`, `components`, generators, \
        `namePrefix`, …), lint runs `kustomize build` (or `kubectl kustomize`) on it and lints \
        the output instead (`kustomization-built`). When it cannot — `--no-kustomize-build`, \
        no tool on PATH, a failed build, or a remote resource (a URL or git reference: the \
        build would fetch it, and lint reads no network) — this info names each field and \
        remote resource not applied, and one more at the kustomization says why it was not \
        built, so an empty report means everything was read. \
        (Kustomize docs, \"kustomization\" reference.)",
    fix: "Install `kubectl` or `kustomize` (and drop `--no-kustomize-build`) so lint builds \
        the kustomization; for a remote resource, lint the output of \
        `kustomize build DIR | redis-ha-gen lint --stdin-filename DIR -`; or suppress this \
        info in .redis-ha-gen.yaml (`rules: {kustomization-not-applied: off}`) once you do.",
    references: &[KUSTOMIZE],
    check: reported_elsewhere,
};

/// The id of the info `lint` reports when it linted a kustomization's build
/// (cli/kustomize_build.rs).
pub const KUSTOMIZATION_BUILT: &str = "kustomization-built";

pub const KUSTOMIZATION_BUILT_RULE: Rule = Rule {
    id: KUSTOMIZATION_BUILT,
    category: Category::Input,
    severity: Severity::Info,
    summary: "a kustomization was built with kustomize and its output linted",
    rationale: "A kustomization with fields lint does not apply itself (`patches`, `images`, \
        `components`, generators, `namePrefix`, …) is built with `kustomize build` (else \
        `kubectl kustomize`) from PATH: load restrictor on (no file outside the \
        kustomization's folder), no plugins, no exec functions, no Helm, an empty environment \
        but PATH, at most 30 s and the input limit of output. The built objects are linted \
        instead of the files. An object the build left as lint reads it unbuilt (same \
        identity and content once the `namespace:` is set) is reported at its source file \
        and line; an object the build changed or made (a patch, a new image, a generated \
        ConfigMap, a prefixed name) is reported at the kustomization, with its identity and \
        no line: its lines exist only in the build. This info says the build happened, and \
        with which tool. (Kustomize docs, \"kustomization\" reference.)",
    fix: "Nothing to fix. `--no-kustomize-build` reads the resources unbuilt instead (each \
        field not applied is then a `kustomization-not-applied` info); suppress this info in \
        .redis-ha-gen.yaml (`rules: {kustomization-built: off}`) if it is noise.",
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
