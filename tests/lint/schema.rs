//! Strict schema validation: valid objects pass on the oldest and newest versions; unknown
//! fields, wrong types, missing required fields and bad int-or-strings are findings at the
//! right line. The custom resources we render (ServiceMonitor, PrometheusRule, Certificate)
//! are held to their upstream CRD schemas the same way, in `render` and in `lint`.

use crate::common;

use redis_ha_gen::finding::Finding;
use redis_ha_gen::generate::generate;
use redis_ha_gen::manifest;
use redis_ha_gen::profile::{ProfileRequest, resolve};
use redis_ha_gen::schema::{self, KubeVersion};

const STATEFULSET: &str = "\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: redis
  namespace: kubernaut-system
spec:
  serviceName: redis-headless
  replicas: 3
  selector:
    matchLabels: {app: redis}
  template:
    metadata:
      labels: {app: redis}
    spec:
      containers:
        - name: redis
          image: redis:7.0.15
          ports:
            - containerPort: 6379
              name: redis
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 0.5, memory: 512Mi}
          readinessProbe:
            tcpSocket: {port: redis}
          livenessProbe:
            tcpSocket: {port: 6379}
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests: {storage: 1Gi}
";

fn validate(text: &str, version: KubeVersion) -> Vec<Finding> {
    let parsed = manifest::parse("in.yaml", text);
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    parsed
        .documents
        .iter()
        .flat_map(|d| schema::validate(d, version))
        .collect()
}

/// The one finding of `text` on the newest version, checked for rule, line and object.
fn one_violation(text: &str, line: usize) -> Finding {
    let findings = validate(text, KubeVersion::V1_37);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = findings.into_iter().next().unwrap();
    assert_eq!(finding.rule, "schema-violation");
    assert_eq!(finding.line, Some(line), "{finding:#?}");
    assert_eq!(finding.file.as_deref(), Some("in.yaml"));
    finding
}

#[test]
fn a_valid_statefulset_passes_on_the_oldest_and_newest_version() {
    assert_eq!(validate(STATEFULSET, KubeVersion::V1_31), vec![]);
    assert_eq!(validate(STATEFULSET, KubeVersion::V1_37), vec![]);
}

#[test]
fn an_unknown_field_is_reported_at_its_key() {
    let text = STATEFULSET.replace(
        "          image: redis",
        "          imagePullPolcy: Always\n          image: redis",
    );
    let f = one_violation(&text, 17);
    assert_eq!(
        f.pointer.as_deref(),
        Some("/spec/template/spec/containers/0/imagePullPolcy")
    );
    assert!(
        f.message.contains("unknown field `imagePullPolcy`"),
        "{}",
        f.message
    );
    assert_eq!(
        f.object.as_deref(),
        Some("StatefulSet/kubernaut-system/redis")
    );
    assert_eq!(f.column, Some(11));
}

#[test]
fn a_wrong_type_is_reported_at_the_value() {
    let f = one_violation(&STATEFULSET.replace("replicas: 3", "replicas: three"), 8);
    assert_eq!(f.pointer.as_deref(), Some("/spec/replicas"));
    assert!(f.message.contains("integer"), "{}", f.message);
}

#[test]
fn a_yaml_1_1_boolean_where_a_string_belongs_is_a_wrong_type() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  enabled: yes\n";
    let f = one_violation(text, 6);
    assert!(f.message.contains("string"), "{}", f.message);
}

#[test]
fn a_missing_required_field_is_reported_at_its_parent() {
    let text = STATEFULSET.replace(
        "            - containerPort: 6379\n",
        "            - protocol: TCP\n",
    );
    let f = one_violation(&text, 19);
    assert!(f.message.contains("containerPort"), "{}", f.message);
}

#[test]
fn int_or_string_accepts_only_integers_and_strings() {
    let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: redis\nspec:\n  ports:\n    - port: 6379\n      targetPort: PORT\n";
    assert_eq!(validate(service, KubeVersion::V1_37), vec![]);
    assert_eq!(
        validate(&service.replace("PORT", "6379"), KubeVersion::V1_37),
        vec![]
    );
    let f = one_violation(&service.replace("PORT", "true"), 8);
    assert_eq!(f.pointer.as_deref(), Some("/spec/ports/0/targetPort"));
    let pdb = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: redis\nspec:\n  maxUnavailable: 1.5\n";
    one_violation(pdb, 6);
}

#[test]
fn unknown_kinds_and_custom_resources_pass() {
    let crd = "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  anything: [1]\n";
    assert_eq!(validate(crd, KubeVersion::V1_37), vec![]);
    // Only the versions we embed are checked: other kinds and versions of the same groups
    // are custom resources like any other.
    for api_kind in [
        "apiVersion: monitoring.coreos.com/v1\nkind: PodMonitor",
        "apiVersion: monitoring.coreos.com/v1alpha1\nkind: ServiceMonitor",
        "apiVersion: cert-manager.io/v1\nkind: Issuer",
        "apiVersion: cert-manager.io/v1alpha2\nkind: Certificate",
    ] {
        let text = format!("{api_kind}\nmetadata:\n  name: x\nspec:\n  anything: [1]\n");
        assert_eq!(validate(&text, KubeVersion::V1_37), vec![], "{api_kind}");
    }
    let other = "apiVersion: example.com/v1\nkind: Widget\nspec: {x: 1}\n";
    assert_eq!(validate(other, KubeVersion::V1_37), vec![]);
    assert_eq!(validate("just: data\n", KubeVersion::V1_37), vec![]);
}

#[test]
fn a_removed_api_version_is_reported() {
    let text = STATEFULSET.replace("apiVersion: apps/v1", "apiVersion: apps/v1beta2");
    let f = one_violation(&text, 1);
    assert!(f.message.contains("use `apps/v1`"), "{}", f.message);
    let missing = "kind: ConfigMap\nmetadata:\n  name: x\n";
    let f = one_violation(missing, 1);
    assert!(
        f.message.contains("`apiVersion` is missing"),
        "{}",
        f.message
    );
}

#[test]
fn a_secret_that_is_not_base64_fails_the_typed_parse_back() {
    let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: auth\ndata:\n  password: \"not base64!\"\n";
    let f = one_violation(text, 1);
    assert!(f.message.contains("Secret"), "{}", f.message);
    let good = text.replace("not base64!", "c2VjcmV0");
    assert_eq!(validate(&good, KubeVersion::V1_37), vec![]);
}

#[test]
fn kube_versions_parse_and_display() {
    for version in KubeVersion::ALL {
        let shown = version.to_string();
        assert_eq!(shown.parse::<KubeVersion>().unwrap(), version);
    }
    let error = "1.29".parse::<KubeVersion>().unwrap_err().to_string();
    assert!(error.contains("1.31") && error.contains("1.37"), "{error}");
    assert_eq!(KubeVersion::default(), KubeVersion::V1_37);
}

#[test]
fn each_version_has_its_own_fields() {
    // `hostnameOverride` joined the PodSpec after 1.33.
    let text = STATEFULSET.replace(
        "      containers:\n",
        "      hostnameOverride: cache\n      containers:\n",
    );
    assert_eq!(validate(&text, KubeVersion::V1_37), vec![]);
    let findings = validate(&text, KubeVersion::V1_33);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(
        findings[0]
            .message
            .contains("unknown field `hostnameOverride`")
    );
    assert_eq!(findings[0].line, Some(15));
}

#[test]
fn kubernetes_1_31_and_1_32_have_their_own_schemas() {
    // Pod-level `resources` joined the PodSpec in 1.32 (alpha, KEP-2837).
    let text = STATEFULSET.replace(
        "      containers:\n",
        "      resources:\n        limits: {cpu: 1}\n      containers:\n",
    );
    assert_eq!(validate(&text, KubeVersion::V1_32), vec![]);
    let findings = validate(&text, KubeVersion::V1_31);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(findings[0].message.contains("unknown field `resources`"));
    assert_eq!(findings[0].line, Some(15));
}

const SERVICE_MONITOR: &str = "\
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: redis
  namespace: kubernaut-system
spec:
  selector:
    matchLabels: {app.kubernetes.io/component: metrics}
  namespaceSelector:
    matchNames: [kubernaut-system]
  endpoints:
    - port: prom-redis
      interval: 15s
";

const PROMETHEUS_RULE: &str = "\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: redis
spec:
  groups:
    - name: redis
      rules:
        - alert: RedisDown
          expr: up == 0
          for: 2m
          labels: {severity: critical}
";

const CERTIFICATE: &str = "\
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: redis
spec:
  secretName: redis-tls
  dnsNames: [redis]
  usages: [digital signature, key encipherment, server auth, client auth]
  issuerRef: {name: ca-issuer, kind: Issuer}
";

#[test]
fn the_custom_resources_pass_on_the_oldest_and_newest_version() {
    for text in [SERVICE_MONITOR, PROMETHEUS_RULE, CERTIFICATE] {
        assert_eq!(validate(text, KubeVersion::V1_31), vec![], "{text}");
        assert_eq!(validate(text, KubeVersion::V1_37), vec![], "{text}");
    }
}

#[test]
fn a_custom_resource_with_a_typo_is_reported_at_the_field() {
    let cases = [
        (
            SERVICE_MONITOR.replace("      interval:", "      intervall:"),
            13,
            "/spec/endpoints/0/intervall",
        ),
        (
            PROMETHEUS_RULE.replace("          for:", "          fro:"),
            11,
            "/spec/groups/0/rules/0/fro",
        ),
        (
            CERTIFICATE.replace(
                "  secretName: redis-tls\n",
                "  secretName: redis-tls\n  dnsName: [x]\n",
            ),
            7,
            "/spec/dnsName",
        ),
        // The metadata of a custom resource is Kubernetes' own ObjectMeta.
        (
            CERTIFICATE.replace("  name: redis\n", "  name: redis\n  label: {a: b}\n"),
            5,
            "/metadata/label",
        ),
    ];
    for (text, line, pointer) in cases {
        let f = one_violation(&text, line);
        assert_eq!(f.pointer.as_deref(), Some(pointer), "{f:#?}");
        let field = pointer.rsplit('/').next().unwrap_or_default();
        assert!(
            f.message.contains(&format!("unknown field `{field}`")),
            "{}",
            f.message
        );
    }
}

#[test]
fn a_custom_resource_with_a_wrong_value_is_reported_at_the_value() {
    let cases = [
        // Not a Prometheus duration (pattern).
        (
            SERVICE_MONITOR.replace("interval: 15s", "interval: 15 seconds"),
            13,
            "/spec/endpoints/0/interval",
            "does not match",
        ),
        // A list where an object belongs.
        (
            SERVICE_MONITOR.replace(
                "matchLabels: {app.kubernetes.io/component: metrics}",
                "matchLabels: [metrics]",
            ),
            8,
            "/spec/selector/matchLabels",
            "object",
        ),
        // int-or-string given a list.
        (
            PROMETHEUS_RULE.replace("expr: up == 0", "expr: [up]"),
            10,
            "/spec/groups/0/rules/0/expr",
            "integer",
        ),
        // A key usage cert-manager does not know (enum).
        (
            CERTIFICATE.replace("server auth,", "server-auth,"),
            8,
            "/spec/usages/2",
            "is not one of",
        ),
        // A required field left out.
        (
            CERTIFICATE.replace("  secretName: redis-tls\n", ""),
            5,
            "/spec",
            "secretName",
        ),
    ];
    for (text, line, pointer, wording) in cases {
        let f = one_violation(&text, line);
        assert_eq!(f.pointer.as_deref(), Some(pointer), "{f:#?}");
        assert!(f.message.contains(wording), "{}", f.message);
    }
}

/// Every built-in profile, with metrics and with cert-manager TLS, renders custom resources
/// that pass their schemas on the oldest and newest version.
#[test]
fn the_rendered_custom_resources_validate_on_every_profile() {
    let variants: [&[&str]; 2] = [
        &["metrics.enabled=true"],
        &[
            "tls.enabled=true",
            "tls.certManager.enabled=true",
            "tls.certManager.issuerRef.name=ca-issuer",
        ],
    ];
    for profile in ["kind", "ocp", "production"] {
        for sets in variants {
            let resolved = resolve(&ProfileRequest {
                profile: profile.into(),
                sets: sets.iter().map(|s| s.to_string()).collect(),
                ..ProfileRequest::default()
            })
            .expect("resolve");
            for version in [KubeVersion::V1_31, KubeVersion::V1_37] {
                let generated = generate(&resolved, version).expect("generate");
                let custom: Vec<_> = generated
                    .documents
                    .iter()
                    .filter(|d| {
                        ["ServiceMonitor", "PrometheusRule", "Certificate"].contains(&d.kind())
                    })
                    .collect();
                let expected = if sets.len() == 1 { 2 } else { 1 };
                assert_eq!(custom.len(), expected, "{profile} {sets:?}");
                for document in custom {
                    let findings = schema::validate(document, version);
                    assert_eq!(findings, vec![], "{profile} {sets:?} {version}");
                }
                let violations: Vec<_> = generated
                    .findings
                    .iter()
                    .filter(|f| f.rule == schema::SCHEMA_VIOLATION)
                    .collect();
                assert!(violations.is_empty(), "{profile} {sets:?}: {violations:#?}");
            }
        }
    }
}

#[test]
fn lint_reports_a_broken_custom_resource_with_its_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("monitoring.yaml");
    let text = format!(
        "{}---\n{}",
        SERVICE_MONITOR.replace("    - port: prom-redis", "    - prot: prom-redis"),
        CERTIFICATE.replace("digital signature,", "digital-signature,")
    );
    std::fs::write(&file, text).expect("write");
    let output = common::binary()
        .args(["lint", "--format", "json"])
        .arg(&file)
        .output()
        .expect("run lint");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let violations: Vec<(&str, u64)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == schema::SCHEMA_VIOLATION)
        .map(|f| {
            (
                f["pointer"].as_str().unwrap_or(""),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        violations,
        [("/spec/endpoints/0/prot", 12), ("/spec/usages/0", 22)],
        "{report:#}"
    );
}
