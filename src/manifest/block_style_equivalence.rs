//! The block-style reader gives exactly saphyr's documents — values, positions, problems —
//! whenever it reads a part at all: on every YAML file of the test suite, every built-in
//! profile's render (which it must read itself, not leave to saphyr), and generated
//! block-style documents of every shape it reads and many it must refuse. And it refuses
//! each construct outside its subset.

use super::block_style;
use super::load::{MAX_DEPTH, read};
use super::split::{self, Part};
use crate::generate::generate;
use crate::manifest::to_yaml;
use crate::profile::{BUILTINS, ProfileRequest, resolve};
use crate::render::render;
use crate::schema::KubeVersion;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

/// Compare both readings of every part of `text`: (parts the fast reader read, parts).
fn same_as_saphyr(name: &str, text: &str) -> (usize, usize) {
    let lines = split::lines(text);
    let parts = split::parts(text, &lines);
    let mut fast = 0;
    for part in &parts {
        if let Some(document) = block_style::read(*part) {
            assert_eq!(
                vec![document],
                read(*part),
                "{name}, part at line {}:\n{}",
                part.lines_before + 1,
                part.text
            );
            fast += 1;
        }
    }
    (fast, parts.len())
}

#[test]
fn every_test_file_reads_the_same() {
    let files = crate::test_files::under_tests(&["yaml", "yml", "json"]);
    assert!(files.len() > 50, "only {} YAML files found", files.len());
    let (mut fast, mut parts) = (0, 0);
    for file in &files {
        let bytes = std::fs::read(file).expect("readable test file");
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let (f, p) = same_as_saphyr(&file.display().to_string(), text);
            fast += f;
            parts += p;
        }
    }
    // Most fixtures are block style; the rest (JSON, anchors, broken YAML) go to saphyr.
    eprintln!("{fast} of {parts} parts read fast");
    assert!(
        fast * 10 > parts * 8,
        "only {fast} of {parts} parts read fast"
    );
}

#[test]
fn every_profile_render_is_read_fast_and_the_same() {
    let variants: [&[&str]; 4] = [
        &[],
        &["metrics.enabled=true"],
        &["tls.enabled=true"],
        &["metrics.enabled=true", "tls.enabled=true"],
    ];
    for name in BUILTINS.iter().map(|b| b.name) {
        for sets in variants {
            let request = ProfileRequest {
                profile: name.into(),
                sets: sets.iter().map(|s| (*s).to_owned()).collect(),
                ..ProfileRequest::default()
            };
            let Ok(resolved) = resolve(&request) else {
                continue;
            };
            // The templates' own text (JSON flow mappings inside) is read back by saphyr.
            let templates = render(&resolved.profile).expect("built-in profiles render");
            same_as_saphyr(&format!("{name} {sets:?} templates"), &templates);
            // What `redis-ha-gen --profile` prints, and `lint` reads most: all of it fast.
            let generated = generate(&resolved, KubeVersion::default()).expect("it generates");
            let emitted = to_yaml(&generated.documents).expect("it emits");
            let (fast, parts) = same_as_saphyr(&format!("{name} {sets:?}"), &emitted);
            assert_eq!(fast, parts, "{name} {sets:?}: a part left to saphyr");
            assert!(parts >= 5, "{name} {sets:?}: only {parts} parts");
        }
    }
}

#[test]
fn the_common_shapes_are_read_fast() {
    let text = "\
# Source: chart/templates/x.yaml
---
apiVersion: v1   # trailing comment
kind: ConfigMap
metadata:
  name: x
  labels: {}
  'quoted key': \"esc \\\" \\n \\u00e9\"
  k y : it's
data:
  s.sh: |
    #!/bin/sh

    echo \"$1\"

  c: |-
    x
  k: |+
    y


list:
- a
-   b # c
- k: v
  j:
  l:
  - 1
  - - x
    - y
- |
  z
empty: []
nested:
    deep:
      - name: x
        value: yes
";
    assert_eq!(same_as_saphyr("sample", text), (1, 1));
}

/// Texts the reader must leave to saphyr.
const REFUSED: &[(&str, &str)] = &[
    ("anchor", "a: &x 1\n"),
    ("alias", "a: 1\nb: *x\n"),
    ("tag", "a: !!str 1\n"),
    ("explicit key", "? a\n: b\n"),
    ("multi-line plain", "a: b\n  c\n"),
    ("multi-line plain key", "a\nb: 1\n"),
    ("multi-line single-quoted", "a: 'b\n  c'\n"),
    ("multi-line double-quoted", "a: \"b\n  c\"\n"),
    ("line continuation", "a: \"b\\\n  c\"\n"),
    ("unknown escape", "a: \"\\q\"\n"),
    ("folded", "a: >\n  x\n"),
    ("indentation indicator", "a: |2\n   x\n"),
    ("block header comment", "a: | # c\n  x\n"),
    ("empty block", "a: |\nb: 1\n"),
    ("tab after colon", "a:\tb\n"),
    ("tab indentation", "a:\n\tb: 1\n"),
    ("tab in block indentation", "a: |\n  x\n \ty\n"),
    ("directive", "%YAML 1.2\n---\na: 1\n"),
    ("document end", "a: 1\n...\n"),
    ("two markers", "---\n---\na: 1\n"),
    ("marker with content", "--- a: 1\n"),
    ("carriage return", "a: 1\r\nb: 2\r\n"),
    ("no final line break", "a: 1"),
    ("byte order mark inside", "a: \u{feff}b\n"),
    ("next line", "a: b\u{85}c\n"),
    ("control character", "a: b\u{7}\n"),
    ("less indented key", "a:\n  b: 1\n c: 2\n"),
    ("more indented key", "a: 1\n  b: 2\n"),
    ("sequence after scalar", "a: 1\n- b\n"),
    ("mapping in a value", "a: b: c\n"),
    ("colon at the end", "a: b:\n"),
    ("multi-line flow sequence", "a: [1,\n  2]\n"),
    ("multi-line flow mapping", "a: {b: 1,\n  c: 2}\n"),
    ("trailing comma", "a: [1, 2,]\n"),
    ("single-pair mapping in a flow sequence", "a: [b: 1]\n"),
    ("flow key without value", "a: {b, c: 1}\n"),
    ("json", "{\"a\": 1}\n"),
    ("merge key", "a: 1\n<<: {b: 2}\n"),
    ("scalar document", "just text\n"),
    ("empty item", "-\n  a: 1\n"),
    ("item comment only", "- # c\n  a: 1\n"),
    ("junk after quotes", "a: 'b' c\n"),
    ("comment glued to quotes", "a: 'b'#c\n"),
    ("value on the next line", "a:\n  b\n"),
    ("dash value", "a: - b\n"),
    ("sequence under scalar item", "- a\n  - b\n"),
];

#[test]
fn constructs_outside_the_subset_are_left_to_saphyr() {
    for (what, text) in REFUSED {
        let lines = split::lines(text);
        let part = Part {
            text,
            lines_before: 0,
            lines: &lines,
        };
        assert!(block_style::read(part).is_none(), "{what}: read fast");
    }
}

#[test]
fn deep_nesting_is_left_to_saphyr() {
    let mut text = String::new();
    for depth in 0..MAX_DEPTH {
        text.push_str(&" ".repeat(depth));
        text.push_str("k:\n");
    }
    let lines = split::lines(&text);
    let part = Part {
        text: &text,
        lines_before: 0,
        lines: &lines,
    };
    assert!(block_style::read(part).is_none());
    let shallow = "a:\n b:\n  c:\n   - - - d\n";
    assert_eq!(same_as_saphyr("shallow", shallow), (1, 1));
}

/// A block-style node; the layout (indentation, comments, blank lines) is decided when it is
/// written, from a tape of random numbers.
#[derive(Clone, Debug)]
enum Tree {
    Scalar(&'static str),
    Literal(&'static str, Vec<(usize, String)>),
    Map(Vec<(&'static str, Tree)>),
    Seq(Vec<Tree>),
}

/// Scalars as written, in the subset: plain ones typed by YAML 1.1, quoted, flow.
const SCALARS: &[&str] = &[
    "a",
    "b c",
    "yes",
    "No",
    "on",
    "0755",
    "1.10",
    "1e3",
    "-1",
    "~",
    "null",
    "",
    "'q'",
    "'it''s'",
    "''",
    "\"d\"",
    "\"e \\n \\t \\u00e9 \\x41 \\\\ \\\" \\/ \\_\"",
    "\"\"",
    "a:b",
    "a #b",
    "a#b",
    "-x",
    "é ü",
    "http://x.y/z?q=1",
    "a 'b'",
    "--",
    "128Mi",
    "0x1F",
    "a  ",
    "'a'  ",
    "\"\\U0001F600\"",
    "[]",
    "{}",
    "[a, b]",
    "{a: 1, b: [x, 'y']}",
    "{ }",
    "[ a ,b ]",
    "{\"a\":\"b\"}",
    "{\"a\":1,\"b\":\"c\"}",
    "[-1, -x]",
    "{a: b, a: c}",
    "[[a], {b: c}]",
    "{'k': 'v'}",
    "[\"x\", \"y\"]",
    "[a b, c:d]",
    "{a: yes, b: 0755, c: ~}",
    "[a] # c",
];

/// Scalars as written that the reader refuses, or that are not scalars at all.
const ODD_SCALARS: &[&str] = &[
    "\"\\q\"",
    "a: b",
    "x:",
    "- x",
    "?x",
    ":x",
    "[a",
    "&a x",
    "*a",
    "!!str 1",
    "'open",
    "\"open",
    "%x",
    "@x",
    ">",
    "|x",
    "a\tb",
    "<<",
    "'a' b",
    "x # y: z",
    "-",
    "? ",
    "..",
    "\"\\ud800\"",
    "[a: b]",
    "[a, ]",
    "{a}",
    "{a: }",
    "[- a]",
    "[a #c]",
    "{a:1}",
    "{\"a\":b}",
    "[:x]",
    "[?x]",
    "[a,b]x",
    "[a]#c",
    "{<<: a}",
    "[-]",
];

const KEYS: &[&str] = &[
    "a", "b", "c", "a.b/c", "'q k'", "\"d k\"", "\"a\"", "1", "true", "~", "é", "'<<'", "a b",
    "key ", "'a'", "\"\\t\"", "k:x", "-k",
];

const ODD_KEYS: &[&str] = &["<<", "k #c", "- a", "? a", "[x]", "&k k", "{a: b}", "'k' x"];

/// A content line of a literal block.
fn content_line() -> impl Strategy<Value = String> {
    prop_oneof![
        48 => "[a-z =:#\"'|>{}\\[\\],-]{1,12}",
        12 => "# [a-z ]{0,6}",
        2 => "[a-z]{1,4}\t[a-z]{0,3}",
        12 => "[a-z]{1,5}  ",
        18 => Just(String::new()),
        1 => Just("  ".to_owned()),
        1 => Just("\t".to_owned()),
        1 => Just("---".to_owned()),
    ]
}

fn key() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        40 => prop::sample::select(KEYS),
        1 => prop::sample::select(ODD_KEYS),
    ]
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        40 => prop::sample::select(SCALARS).prop_map(Tree::Scalar),
        1 => prop::sample::select(ODD_SCALARS).prop_map(Tree::Scalar),
        8 => (
            prop::sample::select(&["|", "|-", "|+", "|", "|-", "|+", "|", "|-", "|+", "|", "|-", "|+", "|2", ">", "| "][..]),
            prop::collection::vec((0usize..3, content_line()), 0..6),
        )
            .prop_map(|(indicator, lines)| Tree::Literal(indicator, lines)),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec((key(), inner.clone()), 1..5).prop_map(Tree::Map),
            prop::collection::vec(inner, 1..4).prop_map(Tree::Seq),
        ]
    })
}

struct Tape {
    numbers: Vec<u8>,
    at: usize,
}

impl Tape {
    /// A number below `n`, mostly 0.
    fn pick(&mut self, n: usize) -> usize {
        let number = self.numbers[self.at % self.numbers.len()];
        self.at += 1;
        if number < 128 { 0 } else { number as usize % n }
    }
}

/// Blank and comment lines between entries.
fn gap(out: &mut Vec<String>, tape: &mut Tape) {
    match tape.pick(10) {
        1 => out.push(String::new()),
        2 => out.push("   ".to_owned()),
        3 => out.push("# between".to_owned()),
        4 => out.push(format!("{}# indented", " ".repeat(tape.pick(8)))),
        5 => out.push("#".to_owned()),
        _ => {}
    }
}

fn trailer(tape: &mut Tape) -> &'static str {
    ["", " # c", "  ", " #", "", " # c", "  ", " #", "", "#x"][tape.pick(10)]
}

/// A literal block's content lines: the first one at `indent`, later ones perhaps deeper.
fn literal(lines: &[(usize, String)], indent: usize, out: &mut Vec<String>) {
    let mut first = true;
    for (extra, line) in lines {
        if line.is_empty() {
            out.push(String::new());
        } else {
            let extra = if first { 0 } else { *extra };
            out.push(format!("{}{line}", " ".repeat(indent + extra)));
            first = false;
        }
    }
}

/// Write `tree` as a block node whose first line starts at column `indent`.
fn write(tree: &Tree, indent: usize, out: &mut Vec<String>, tape: &mut Tape) {
    let pad = " ".repeat(indent);
    match tree {
        Tree::Scalar(s) => out.push(format!("{pad}{s}{}", trailer(tape))),
        Tree::Literal(indicator, lines) => {
            out.push(format!("{pad}{indicator}"));
            literal(lines, indent + tape.pick(3), out);
        }
        Tree::Map(entries) => {
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    gap(out, tape);
                }
                let head = format!("{pad}{key}:");
                match value {
                    Tree::Scalar("") => out.push(format!("{head}{}", trailer(tape))),
                    Tree::Scalar(s) => out.push(format!("{head} {s}{}", trailer(tape))),
                    Tree::Literal(indicator, lines) => {
                        out.push(format!("{head} {indicator}"));
                        literal(lines, indent + 1 + tape.pick(3), out);
                    }
                    Tree::Map(_) | Tree::Seq(_) => {
                        out.push(format!("{head}{}", trailer(tape)));
                        gap(out, tape);
                        let indentless = matches!(value, Tree::Seq(_)) && tape.pick(2) == 1;
                        let child = if indentless {
                            indent
                        } else {
                            indent + 1 + tape.pick(4)
                        };
                        write(value, child, out, tape);
                    }
                }
            }
        }
        Tree::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    gap(out, tape);
                }
                let mut lines = Vec::new();
                write(item, indent + 2 + tape.pick(3), &mut lines, tape);
                if let Some(first) = lines.first_mut() {
                    first.replace_range(indent..=indent, "-");
                }
                out.extend(lines);
            }
        }
    }
}

const PREFIXES: &[&str] = &[
    "",
    "",
    "",
    "",
    "---\n",
    "---\n",
    "---\n",
    "---\n",
    "# Source: x\n---\n",
    "\n# c\n",
    "---\n---\n",
    "--- # c\n",
    "%YAML 1.2\n---\n",
    "  \n",
];

/// A block mapping or sequence at the root, after one of `PREFIXES`.
fn root() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((key(), tree()), 1..5),
        prop::collection::vec(tree(), 1..3),
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 16..64),
        prop::sample::select(PREFIXES),
        prop::sample::select(&["", "", "", "", "\n", "\n", "# end\n", "# end\n", "...\n"][..]),
    )
        .prop_map(|(entries, items, sequence, numbers, prefix, suffix)| {
            let mut tape = Tape { numbers, at: 0 };
            let mut lines = Vec::new();
            let root = if sequence {
                Tree::Seq(items)
            } else {
                Tree::Map(entries)
            };
            write(&root, 0, &mut lines, &mut tape);
            format!("{prefix}{}\n{suffix}", lines.join("\n"))
        })
}

/// One or two documents, so that parts start after some lines.
fn document() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => root(),
        1 => (root(), root()).prop_map(|(a, b)| format!("{a}---\n{b}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]
    #[test]
    fn generated_documents_read_the_same(text in document()) {
        same_as_saphyr("generated", &text);
    }
}

/// The generated documents are not all refused: the comparison above compares something.
#[test]
fn many_generated_documents_are_read_fast() {
    let mut runner = TestRunner::deterministic();
    let strategy = document();
    let (mut fast, mut parts) = (0, 0);
    for _ in 0..500 {
        let text = strategy
            .new_tree(&mut runner)
            .expect("the strategy generates")
            .current();
        let (f, p) = same_as_saphyr("generated", &text);
        fast += f;
        parts += p;
    }
    eprintln!("{fast} of {parts} parts read fast");
    assert!(fast * 5 > parts, "only {fast} of {parts} parts read fast");
}
