//! Golden tests of every findings format on one fixed finding set, and a read-back of the
//! SARIF through a typed SARIF 2.1.0 model and the official SARIF JSON schema.
//! Regenerate the golden files with `UPDATE_GOLDEN=1 cargo test --test lint report_formats::`.

use crate::common;

use redis_ha_gen::finding::{Finding, Severity, Summary};
use redis_ha_gen::report::{self, Format, InputTexts, Report, RuleDoc};
use std::path::Path;

const STATEFULSET: &str = "\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: redis
  namespace: kubernaut-system
spec:
  template:
    spec:
      containers:
        - name: sentinel
          image: redis:7-alpine
          volumeMounts:
            - name: sentinel-config
              mountPath: /etc/redis
";

const CONFIGMAP: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: redis-sentinel-config
data:
  sentinel.conf: |
    sentinel monitor mymaster redis-0.redis-headless 6379 2
    sentinel down-after-milliseconds mymaster 60000
";

fn finding(
    rule: &str,
    severity: Severity,
    message: &str,
    at: Option<(&str, usize, usize)>,
) -> Finding {
    let mut f = Finding::new(rule, severity, message);
    if let Some((file, line, column)) = at {
        f.file = Some(file.into());
        f.line = Some(line);
        f.column = Some(column);
    }
    f
}

fn findings() -> Vec<Finding> {
    let mut read_only = finding(
        "sentinel-config-read-only",
        Severity::Error,
        "Sentinel is started on /etc/redis/sentinel.conf, which is mounted from ConfigMap redis-sentinel-config: Sentinel must rewrite its config and exits",
        Some(("deploy/redis-ha/redis-statefulset.yaml", 13, 15)),
    );
    read_only.object = Some("StatefulSet/kubernaut-system/redis".into());
    read_only.pointer = Some("/spec/template/spec/containers/0/volumeMounts/0".into());
    let mut hostnames = finding(
        "sentinel-hostnames-unresolved",
        Severity::Error,
        "`sentinel monitor mymaster redis-0.redis-headless` uses a hostname, but `sentinel resolve-hostnames yes` is not set before it",
        Some(("deploy/redis-ha/redis-sentinel-configmap.yaml", 7, 5)),
    );
    hostnames.object = Some("ConfigMap/redis-sentinel-config".into());
    vec![
        read_only,
        finding(
            "image-tag-floating",
            Severity::Warning,
            "image redis:7-alpine has a major-only tag, 100% sure to drift: pin redis:7.2.5-alpine,\nor a digest",
            Some(("deploy/redis-ha/redis-statefulset.yaml", 11, 18)),
        ),
        hostnames,
        finding(
            "sentinel-down-after-out-of-range",
            Severity::Info,
            "down-after-milliseconds 60000 is above 30000",
            Some(("deploy/redis-ha/redis-sentinel-configmap.yaml", 8, 5)),
        ),
        finding(
            "yaml-syntax",
            Severity::Error,
            "not valid YAML: mapping values are not allowed here",
            Some(("-", 1, 5)),
        ),
        finding(
            "maxmemory-unset",
            Severity::Error,
            "no maxmemory in the profile",
            None,
        ),
    ]
}

fn rules() -> Vec<RuleDoc<'static>> {
    vec![
        RuleDoc {
            id: "sentinel-config-read-only",
            severity: Severity::Error,
            category: "sentinel-wiring",
            summary: "Sentinel's config file lives in a read-only ConfigMap/Secret mount",
            rationale: "Sentinel rewrites its config file at start and on every failover; if it cannot, it exits.",
            fix: "Copy the config from the ConfigMap into an emptyDir in an init container and start Sentinel on the copy.",
            help_uri: Some(
                "https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/",
            ),
        },
        RuleDoc {
            id: "image-tag-floating",
            severity: Severity::Warning,
            category: "security",
            summary: "image without a digest and with a floating tag",
            rationale: "A floating tag changes under you; two pods of one set can run different Redis versions.",
            fix: "Pin a full version tag or a digest.",
            help_uri: None,
        },
    ]
}

fn texts() -> InputTexts {
    let mut texts = InputTexts::new();
    texts.insert("deploy/redis-ha/redis-statefulset.yaml", STATEFULSET);
    texts.insert("deploy/redis-ha/redis-sentinel-configmap.yaml", CONFIGMAP);
    texts.insert("-", "kind: : x\n");
    texts
}

fn render(format: Format) -> String {
    let mut findings = findings();
    report::sort(&mut findings);
    let summary = Summary::count(&findings, 3, 2);
    let (texts, rules) = (texts(), rules());
    let report = Report {
        findings: &findings,
        summary: &summary,
        texts: &texts,
        rules: &rules,
    };
    let mut out = Vec::new();
    report::write(format, &report, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("reports are UTF-8")
}

fn assert_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (create it with UPDATE_GOLDEN=1)", path.display()));
    assert!(
        actual == expected,
        "{name} differs from its golden file; if the change is intended, rerun with UPDATE_GOLDEN=1\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

#[test]
fn text_golden() {
    assert_golden("findings.txt", &render(Format::Text { color: false }));
}

#[test]
fn text_colour_golden() {
    let coloured = render(Format::Text { color: true });
    assert!(coloured.contains("\x1b[1;31merror[sentinel-config-read-only]\x1b[0m"));
    assert_golden("findings.color.txt", &coloured);
}

#[test]
fn json_golden_is_the_product_contract() {
    let json = render(Format::Json);
    assert_golden("findings.json", &json);
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let keys: Vec<&String> = value.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["findings", "summary"]);
    assert_eq!(value["summary"]["errors"], 4);
    assert!(
        value["findings"][0].get("file").is_none(),
        "findings without a file sort first"
    );
    assert_eq!(value["findings"][1]["file"], "-");
}

#[test]
fn github_golden() {
    assert_golden("findings.github.txt", &render(Format::Github));
}

#[test]
fn sarif_golden() {
    assert_golden("findings.sarif", &render(Format::Sarif));
}

fn sarif_validator() -> jsonschema::Validator {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).expect("schema file"))
            .expect("schema JSON");
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

fn assert_valid_sarif(validator: &jsonschema::Validator, log: &serde_json::Value) {
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_is_valid_against_the_sarif_2_1_0_schema() {
    let validator = sarif_validator();
    let log: serde_json::Value = serde_json::from_str(&render(Format::Sarif)).expect("SARIF JSON");
    assert_valid_sarif(&validator, &log);

    // The schema must be able to reject: a result level outside the enum is an error.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
}

/// Every rule's real metadata, through the binary: lint the rules' whole fixture suite.
#[test]
fn sarif_of_the_rule_fixtures_is_valid_and_every_result_resolves_its_rule() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules");
    let out = common::binary()
        .args(["lint", "--format", "sarif"])
        .arg(&fixtures)
        .output()
        .expect("run redis-ha-gen");
    assert_eq!(out.status.code(), Some(1), "the fixtures contain errors");
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF JSON");
    assert_valid_sarif(&sarif_validator(), &log);

    let sarif: serde_sarif::sarif::Sarif = serde_json::from_value(log).expect("typed SARIF 2.1.0");
    let run = &sarif.runs[0];
    let rules = run.tool.driver.rules.as_ref().expect("driver rules");
    let results = run.results.as_ref().expect("results");
    assert!(
        rules.len() > 10,
        "the fixtures fire many rules, got {}",
        rules.len()
    );
    for rule in rules {
        assert!(
            rule.short_description.is_some() && rule.full_description.is_some(),
            "{}",
            rule.id
        );
        assert!(
            rule.help.is_some() && rule.help_uri.is_some(),
            "{}",
            rule.id
        );
    }
    for result in results {
        let index = result.rule_index.expect("ruleIndex") as usize;
        assert_eq!(Some(rules[index].id.as_str()), result.rule_id.as_deref());
        let region = result
            .locations
            .as_ref()
            .and_then(|l| l[0].physical_location.as_ref())
            .and_then(|p| p.region.as_ref());
        assert!(
            region.and_then(|r| r.start_line).is_some(),
            "{:?} has no line",
            result.rule_id
        );
    }
}

/// The file URI and region of a SARIF result's first physical location.
fn uri_and_region(
    result: &serde_sarif::sarif::Result,
) -> (Option<&str>, Option<&serde_sarif::sarif::Region>) {
    let physical = result.locations.as_ref().expect("locations")[0]
        .physical_location
        .as_ref()
        .expect("physicalLocation");
    let uri = physical
        .artifact_location
        .as_ref()
        .and_then(|a| a.uri.as_deref());
    (uri, physical.region.as_ref())
}

#[test]
fn sarif_reads_back_through_a_typed_model() {
    let sarif: serde_sarif::sarif::Sarif =
        serde_json::from_str(&render(Format::Sarif)).expect("typed SARIF 2.1.0");
    assert_eq!(sarif.runs.len(), 1);
    let run = &sarif.runs[0];
    let rules = run.tool.driver.rules.as_ref().expect("driver rules");
    let results = run.results.as_ref().expect("results");
    assert_eq!(results.len(), findings().len());

    let read_only = results
        .iter()
        .find(|r| r.rule_id.as_deref() == Some("sentinel-config-read-only"))
        .expect("the read-only finding");
    let rule = &rules[read_only.rule_index.expect("ruleIndex") as usize];
    assert_eq!(rule.id, "sentinel-config-read-only");
    let full = rule.full_description.as_ref().expect("fullDescription");
    assert!(full.text.starts_with("Sentinel rewrites its config file"));
    let (uri, region) = uri_and_region(read_only);
    assert_eq!(uri, Some("deploy/redis-ha/redis-statefulset.yaml"));
    let region = region.expect("region");
    assert_eq!(
        (region.start_line, region.start_column),
        (Some(13), Some(15))
    );
}

/// `lint - --stdin-filename NAME`: findings read from stdin are anchored to NAME, so SARIF
/// results have a physical location (plain `-` has none: it is no file of the repository).
#[test]
fn sarif_of_stdin_with_a_stdin_filename_has_locations() {
    use std::io::Write;
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules/maxmemory-unset/fires.yaml");
    let text = std::fs::read(&fixture).expect("fixture");
    let mut child = common::binary()
        .args([
            "lint",
            "-",
            "--format",
            "sarif",
            "--stdin-filename",
            "deploy/redis ha.yaml",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run redis-ha-gen");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&text)
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF JSON");
    assert_valid_sarif(&sarif_validator(), &log);
    let sarif: serde_sarif::sarif::Sarif = serde_json::from_value(log).expect("typed SARIF 2.1.0");
    let results = sarif.runs[0].results.as_ref().expect("results");
    let unset = results
        .iter()
        .find(|r| r.rule_id.as_deref() == Some("maxmemory-unset"))
        .expect("maxmemory-unset fires");
    let (uri, region) = uri_and_region(unset);
    assert_eq!(uri, Some("deploy/redis%20ha.yaml"));
    let line = region.and_then(|r| r.start_line);
    assert_eq!(line, Some(13), "the fixture's expect-line");
}

/// Validate `xml` against the Jenkins xunit plugin's JUnit schema (`tests/schemas/junit-10.xsd`)
/// with Python's `xmlschema` (`make test-deps` installs it); its parser also rejects anything
/// that is not well-formed XML 1.0 (a raw control character, an unescaped `<`).
fn assert_valid_junit(xml: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report.xml");
    std::fs::write(&report, xml).expect("write report");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/junit-10.xsd");
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, xmlschema; xmlschema.XMLSchema(sys.argv[1]).validate(sys.argv[2])",
        ])
        .arg(&schema)
        .arg(&report)
        .output()
        .expect("run python3 (make test-deps installs xmlschema)");
    assert!(
        out.status.success(),
        "JUnit report rejected by xmlschema (make test-deps installs it):\n{}\n--- report\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn junit_is_valid_and_its_verdict_follows_strict() {
    let lenient = render(Format::Junit { strict: false });
    assert_valid_junit(&lenient);
    // 4 errors fail; the warning and the info are skipped with their message.
    assert!(lenient.contains(r#"<testsuites name="redis-ha-gen lint" tests="6" failures="4""#));
    assert_eq!(lenient.matches("<skipped ").count(), 2);
    let strict = render(Format::Junit { strict: true });
    assert_valid_junit(&strict);
    assert!(strict.contains(r#"tests="6" failures="5""#), "{strict}");

    // The validator must be able to reject: a raw ESC is not XML 1.0.
    let broken = lenient.replace("no maxmemory", "no \x1b maxmemory");
    let result = std::panic::catch_unwind(|| assert_valid_junit(&broken));
    assert!(result.is_err(), "a raw control character must be rejected");
}

/// Input-controlled text (file names, object names, messages quoting values) with markup,
/// control characters, a forged workflow command and XML's non-characters stays valid XML,
/// and no output line can start a GitHub workflow command.
#[test]
fn junit_escapes_every_string_from_the_input() {
    let hostile = "a<b>&\"c'\x1b[2J\x07\r\n::error::INJECTED]]>\u{ffff}\u{202e}";
    let mut f = Finding::new("schema-violation", Severity::Error, hostile);
    f.file = Some(format!("deploy/{hostile}.yaml"));
    f.line = Some(3);
    f.object = Some(format!("ConfigMap/ns/{hostile}"));
    f.pointer = Some(format!("/data/{hostile}"));
    let xml = junit_of(&[f], 1, 1);
    assert_valid_junit(&xml);
    assert!(
        xml.lines().all(|l| !l.trim_start().starts_with("::")),
        "{xml}"
    );
    assert!(!xml.contains('\x1b') && !xml.contains('\u{202e}'), "{xml}");
}

/// Through the binary, on every rule's fixtures: valid JUnit with one test case per finding.
#[test]
fn junit_of_the_rule_fixtures_is_valid_with_a_case_per_finding() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules");
    let lint = |format: &str| {
        common::binary()
            .args(["lint", "--format", format])
            .arg(&fixtures)
            .output()
            .expect("run redis-ha-gen")
    };
    let out = lint("junit");
    assert_eq!(out.status.code(), Some(1), "the fixtures contain errors");
    let xml = String::from_utf8(out.stdout).expect("UTF-8");
    assert_valid_junit(&xml);
    let json: serde_json::Value =
        serde_json::from_slice(&lint("json").stdout).expect("JSON findings");
    let findings = json["findings"].as_array().expect("findings").len();
    assert!(findings > 10);
    assert_eq!(xml.matches("<testcase ").count(), findings);
}

/// The JUnit report of `findings` alone (no input texts, no rule metadata).
fn junit_of(findings: &[Finding], files: usize, objects: usize) -> String {
    let summary = Summary::count(findings, files, objects);
    let texts = InputTexts::new();
    let report = Report {
        findings,
        summary: &summary,
        texts: &texts,
        rules: &[],
    };
    let mut out = Vec::new();
    report::write(Format::Junit { strict: true }, &report, &mut out).expect("write");
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn junit_without_findings_is_one_passing_case() {
    let xml = junit_of(&[], 2, 5);
    assert_valid_junit(&xml);
    assert!(
        xml.contains(r#"name="2 files, 5 objects: no findings"/>"#),
        "{xml}"
    );
}
