//! Property tests over the parser and the emitter: arbitrary text never panics, every
//! position query answers, and every emitted value reads back as itself.

use proptest::prelude::*;
use redis_ha_gen::manifest::{self, Document};
use serde_json::{Map, Value};

/// Fragments that exercise YAML's corners: indicators, retyped words, line breaks.
const FRAGMENTS: &[&str] = &[
    "yes", "on", "0755", "1.10", "1e3", "~", "null", "-", "- ", ":", ": ", "#", " #", "'", "\"",
    "|", "|-", ">", "\t", " ", "  ", "\n", "\r\n", "a", "key", "0", "...", "---", "%", "@", "`",
    "!!str ", "!t ", "&a ", "*a", "[", "]", "{", "}", ",", "?", "\u{85}", "\u{2028}", "\u{feff}",
    "é", "\\", "<<", "\u{0}", "\u{7}",
];

fn fragments() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..24).prop_map(|v| v.concat())
}

/// Pieces of block-style lines, the shapes `manifest::parse` reads without saphyr, for
/// lines of random indentation.
const LINE_PIECES: &[&str] = &[
    "key:",
    "k: v",
    "- ",
    "-",
    "a: |",
    "b: |-",
    "c: |+",
    "d: >",
    "x",
    "# c",
    " #c",
    "'q'",
    "\"e\\x41\\q\"",
    "[a, {b: c}]",
    "{a: [1]}",
    "[]",
    "{}",
    "[",
    "}",
    ": ",
    "é",
    "\t",
    "yes",
    "0755",
    "<<: ",
    "&a ",
    "*a",
    "---",
    "...",
    "%",
    "? ",
    "\"",
    "'",
    ",",
    "\u{85}",
];

fn block_style_text() -> impl Strategy<Value = String> {
    let line = (
        0usize..7,
        prop::collection::vec(prop::sample::select(LINE_PIECES), 0..4),
    );
    prop::collection::vec(line, 0..24).prop_map(|lines| {
        lines
            .into_iter()
            .map(|(indent, pieces)| format!("{}{}\n", " ".repeat(indent), pieces.concat()))
            .collect()
    })
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![fragments(), block_style_text(), any::<String>()]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Every JSON pointer of a value, the root included.
fn pointers(value: &Value, prefix: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let escaped = k.replace('~', "~0").replace('/', "~1");
                pointers(v, format!("{prefix}/{escaped}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{prefix}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(prefix);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics_and_positions_always_answer(input in text()) {
        let parsed = manifest::parse("fuzz.yaml", &input);
        for finding in &parsed.findings {
            prop_assert_eq!(finding.rule.as_str(), "yaml-syntax");
            prop_assert!(finding.line.is_some_and(|l| l >= 1));
        }
        for doc in &parsed.documents {
            let mut all = Vec::new();
            pointers(&doc.value, String::new(), &mut all);
            all.push("/no/such/node".to_owned());
            for pointer in &all {
                let position = doc.position(pointer);
                prop_assert!(position.is_some_and(|p| p.line >= 1 && p.column >= 1));
                prop_assert!(doc.position_in_text(pointer, 3).is_some());
            }
        }
    }

    #[test]
    fn parse_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = manifest::parse_bytes("fuzz.bin", &bytes);
    }

    #[test]
    fn emitted_yaml_reads_back_as_the_same_value(
        entries in prop::collection::vec((text(), json_value()), 0..8)
    ) {
        let mut map: Map<String, Value> = entries.into_iter().collect();
        // Guarantee a non-empty object that is not a `List` to unwrap.
        map.insert("kind".to_owned(), Value::from("Fuzz"));
        let value = Value::Object(map);
        let docs = vec![Document::from_value("x", 0, value.clone())];
        let yaml = manifest::to_yaml(&docs).expect("short keys always emit");
        let parsed = manifest::parse("round-trip.yaml", &yaml);
        prop_assert!(parsed.findings.is_empty(), "{:?}\n{}", parsed.findings, yaml);
        prop_assert_eq!(parsed.documents.len(), 1);
        prop_assert_eq!(&parsed.documents[0].value, &value, "\n{}", yaml);
        let json = manifest::to_json(&docs).expect("json");
        let reread = manifest::parse("round-trip.json", &json);
        prop_assert_eq!(&reread.documents[0].value, &value);
    }
}
