//! `manifest::parse` positions, `List` unwrapping, syntax findings; `to_yaml` round trips.

use redis_ha_gen::manifest::{self, Document, Position};
use serde_json::json;

const STATEFULSET: &str = "\
# Source: redis-ha/templates/statefulset.yaml
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: redis
  namespace: kubernaut-system
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: redis
          image: redis:7.0.15
        - name: sentinel
          volumeMounts:
            - name: config
              mountPath: /etc/redis
---
apiVersion: v1
kind: ConfigMap
metadata: {name: sentinel-config}
data:
  sentinel.conf: |
    port 26379

      sentinel monitor mymaster redis-0 6379 2
    sentinel down-after-milliseconds mymaster 5000
  folded: >-
    one
    two
  quoted: \"a
    b\"
";

fn at(line: usize, column: usize) -> Option<Position> {
    Some(Position { line, column })
}

fn parse_ok(text: &str) -> Vec<Document> {
    let parsed = manifest::parse("test.yaml", text);
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    parsed.documents
}

#[test]
fn positions_point_at_keys_and_items() {
    let docs = parse_ok(STATEFULSET);
    assert_eq!(docs.len(), 2);
    let sts = &docs[0];
    assert_eq!(sts.object_id(), "StatefulSet/kubernaut-system/redis");
    assert_eq!(sts.position(""), at(3, 1));
    assert_eq!(sts.position("/spec/replicas"), at(9, 3));
    assert_eq!(sts.position("/spec/template/spec/containers/1"), at(15, 11));
    assert_eq!(
        sts.position("/spec/template/spec/containers/1/volumeMounts/0/mountPath"),
        at(18, 15)
    );
    // Missing nodes fall back to the nearest ancestor.
    assert_eq!(
        sts.position("/spec/template/spec/containers/1/resources/limits"),
        at(15, 11)
    );
    assert_eq!(sts.position("/spec/template/spec/containers/7"), at(12, 7));
    let cm = &docs[1];
    assert_eq!(cm.index, 1);
    assert_eq!(cm.position("/metadata/name"), at(22, 12));
}

#[test]
fn lines_inside_block_scalars_map_to_source_lines() {
    let cm = &parse_ok(STATEFULSET)[1];
    let conf = "/data/sentinel.conf";
    assert_eq!(cm.position(conf), at(24, 3));
    assert_eq!(cm.position_in_text(conf, 0), at(25, 5));
    assert_eq!(cm.position_in_text(conf, 2), at(27, 7));
    assert_eq!(cm.position_in_text(conf, 3), at(28, 5));
    assert_eq!(cm.position_in_text("/data/folded", 0), at(30, 5));
    assert_eq!(cm.position_in_text("/data/quoted", 0), at(32, 11));
    assert_eq!(cm.position_in_text("/data/quoted", 1), at(33, 11));
    // Not a string: the node itself.
    assert_eq!(cm.position_in_text("/metadata", 3), at(22, 1));
}

#[test]
fn plain_scalars_are_typed_like_kubernetes_reads_them() {
    let docs =
        parse_ok("kind: X\na: yes\nb: '0755'\nc: 0755\nd: 1.10\ne: ~\nf: !!str 12\ng: 128Mi\n");
    assert_eq!(
        docs[0].value,
        json!({"kind": "X", "a": true, "b": "0755", "c": 493, "d": 1.1, "e": null, "f": "12", "g": "128Mi"})
    );
}

#[test]
fn lists_are_unwrapped_with_their_positions() {
    let text = "apiVersion: v1\nkind: List\nitems:\n- kind: Service\n  metadata:\n    name: a\n- kind: ConfigMap\n  metadata:\n    name: b\n";
    let docs = parse_ok(text);
    let ids: Vec<_> = docs.iter().map(Document::object_id).collect();
    assert_eq!(ids, ["Service/a", "ConfigMap/b"]);
    assert_eq!(docs[1].position("/metadata/name"), at(9, 5));
    assert_eq!(docs[1].index, 1);
}

#[test]
fn json_documents_parse_with_positions() {
    let text = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Service\",\n  \"metadata\": {\"name\": \"redis\"}\n}\n";
    let docs = parse_ok(text);
    assert_eq!(docs[0].object_id(), "Service/redis");
    assert_eq!(docs[0].position("/metadata/name"), at(4, 16));
}

#[test]
fn empty_documents_comments_and_noise_are_skipped() {
    let text = "# Source: x\n---\n---\n# only a comment\n...\n---\nkind: A\n---\n\n";
    let docs = parse_ok(text);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].position("/kind"), at(7, 1));
}

#[test]
fn a_broken_document_is_a_finding_and_the_next_one_is_read() {
    let text = "kind: A\n---\nkind: B\nmetadata: {name: [x\n---\nkind: C\n";
    let parsed = manifest::parse("in.yaml", text);
    let kinds: Vec<_> = parsed.documents.iter().map(Document::kind).collect();
    assert_eq!(kinds, ["A", "C"]);
    assert_eq!(parsed.findings.len(), 1, "{:#?}", parsed.findings);
    let f = &parsed.findings[0];
    assert_eq!(f.rule, "yaml-syntax");
    assert_eq!(f.severity, redis_ha_gen::finding::Severity::Error);
    assert_eq!(f.file.as_deref(), Some("in.yaml"));
    assert!(f.line.is_some_and(|l| (4..=5).contains(&l)), "{f:?}");
}

#[test]
fn a_scalar_document_is_not_an_object() {
    let parsed = manifest::parse("in.yaml", "just text\n");
    assert!(parsed.documents.is_empty());
    assert_eq!(parsed.findings[0].line, Some(1));
    assert!(
        parsed.findings[0]
            .message
            .contains("not a Kubernetes object")
    );
}

#[test]
fn merge_keys_and_aliases_expand() {
    let text = "kind: X\nbase: &b {a: 1, b: 2}\nderived:\n  <<: *b\n  b: 3\n";
    let docs = parse_ok(text);
    assert_eq!(docs[0].value["derived"], json!({"a": 1, "b": 3}));
    assert_eq!(docs[0].position("/derived/a"), at(4, 3));
}

#[test]
fn yaml_is_deterministic_and_quotes_what_yaml_1_1_would_retype() {
    let value = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x", "labels": {"on": "yes"}},
        "data": {
            "a": "yes", "b": "on", "c": "0755", "d": "1.10", "e": "~", "f": "1e3",
            "g": "0x1F", "h": ".inf", "i": "2001-12-14", "j": "", "k": "plain text",
            "l": "key: value", "m": "- item", "n": "#comment", "o": " lead", "p": "tab\there",
            "start.sh": "#!/bin/sh\nset -eu\n\nexec redis-server /data/redis.conf\n",
            "keep": "a\n\n", "strip": "a\nb", "weird": "\u{7}bell\r\n",
        },
        "list": [[1, 2], {"x": null, "y": [true]}, [], {}],
        "number": 1.5,
    });
    let docs = vec![Document::from_value("x", 0, value.clone())];
    let yaml = manifest::to_yaml(&docs).unwrap();
    assert_eq!(yaml, manifest::to_yaml(&docs).unwrap());
    for quoted in [
        "\"yes\"", "\"on\"", "\"0755\"", "\"1.10\"", "\"~\"", "\"1e3\"", "\"0x1F\"", "\".inf\"",
    ] {
        assert!(
            yaml.contains(&format!(": {quoted}\n")),
            "{quoted} not quoted in\n{yaml}"
        );
    }
    assert!(
        yaml.contains("  start.sh: |\n    #!/bin/sh\n    set -eu\n\n    exec"),
        "{yaml}"
    );
    let back = parse_ok(&yaml);
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].value, value, "{yaml}");
}

#[test]
fn json_output_is_a_v1_list() {
    let docs = parse_ok(STATEFULSET);
    let text = manifest::to_json(&docs).unwrap();
    let list: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(list["kind"], "List");
    assert_eq!(list["items"][1]["data"]["folded"], "one two");
    let reparsed = parse_ok(&text);
    assert_eq!(reparsed.len(), 2);
    assert_eq!(reparsed[0].value, docs[0].value);
}
