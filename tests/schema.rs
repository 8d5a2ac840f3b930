//! Strict schema validation: valid objects pass on the oldest and newest versions; unknown
//! fields, wrong types, missing required fields and bad int-or-strings are findings at the
//! right line.

use redis_ha_gen::finding::Finding;
use redis_ha_gen::manifest;
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
    assert_eq!(validate(STATEFULSET, KubeVersion::V1_33), vec![]);
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
    assert!(error.contains("1.33") && error.contains("1.37"), "{error}");
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
