//! The lifted reading of literal blocks gives exactly saphyr's documents: values, positions
//! and problems, on every YAML file of the test suite, every built-in profile's render and
//! generated blocks of every chomping, indentation and nesting.

use super::block;
use super::load::read;
use super::split;
use crate::profile::{BUILTINS, ProfileRequest, resolve};
use crate::render::render;
use proptest::prelude::*;
use std::path::Path;

/// Compare both readings of every part of `text`; the number of parts read lifted.
fn same_as_saphyr(name: &str, text: &str) -> usize {
    let mut lifted = 0;
    for part in split::parts(text) {
        let plain = read(part, part.text, None).expect("saphyr's reading always finishes");
        let Some(light) = block::lighten(part.text) else {
            continue;
        };
        if let Some(fast) = read(part, &light.text, Some(&light)) {
            assert_eq!(
                format!("{fast:#?}"),
                format!("{plain:#?}"),
                "{name}, part at line {}",
                part.lines_before + 1
            );
            lifted += 1;
        }
    }
    lifted
}

fn yaml_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, found);
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            found.push(path);
        }
    }
}

#[test]
fn every_test_file_reads_the_same() {
    let mut files = Vec::new();
    yaml_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests"),
        &mut files,
    );
    assert!(files.len() > 50, "only {} YAML files found", files.len());
    let mut lifted = 0;
    for file in &files {
        let bytes = std::fs::read(file).expect("readable test file");
        if let Ok(text) = std::str::from_utf8(&bytes) {
            lifted += same_as_saphyr(&file.display().to_string(), text);
        }
    }
    assert!(lifted > 20, "only {lifted} parts read lifted");
}

#[test]
fn every_profile_render_reads_the_same() {
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
            let text = render(&resolved.profile).expect("built-in profiles render");
            let lifted = same_as_saphyr(&format!("{name} {sets:?}"), &text);
            assert!(lifted > 0, "{name} {sets:?}: no part read lifted");
        }
    }
}

/// One line of a block's content: text, `#` lines, trailing spaces, tabs inside.
fn content_line() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z =:#\"'|>{}\\[\\],-]{1,12}",
        "# [a-z ]{0,6}",
        "[a-z]{1,4}\t[a-z]{0,3}",
        "[a-z]{1,5}  ",
        Just(String::new()),
        Just("  ".to_owned()),
        Just("\t".to_owned()),
        Just("---".to_owned()),
    ]
}

/// A block's content lines, each with extra indentation (0 to 3 spaces).
fn block_lines() -> impl Strategy<Value = Vec<(usize, String)>> {
    proptest::collection::vec((0usize..4, content_line()), 0..6)
}

/// A YAML document with `key: |` blocks at several depths, in mappings and sequences.
fn document() -> impl Strategy<Value = String> {
    let entry = (
        0usize..3,
        prop_oneof![Just(""), Just("- "), Just("- - ")],
        prop_oneof![Just("|"), Just("|-"), Just("|+"), Just("|2"), Just("plain")],
        1usize..4,
        block_lines(),
        0usize..3,
        prop_oneof![
            Just(""),
            Just("# after"),
            Just("  # after"),
            Just("tail: 1")
        ],
    );
    proptest::collection::vec(entry, 1..5).prop_map(|entries| {
        let mut text = String::from("root:\n");
        for (depth, dash, indicator, indent, lines, blanks, after) in entries {
            let pad = " ".repeat(2 + 2 * depth);
            let key_col = pad.len() + dash.len();
            text.push_str(&format!("{pad}{dash}key: {indicator}\n"));
            for (extra, line) in lines {
                if line.is_empty() {
                    text.push('\n');
                } else {
                    let spaces = " ".repeat(key_col + indent + extra);
                    text.push_str(&format!("{spaces}{line}\n"));
                }
            }
            text.push_str(&"\n".repeat(blanks));
            if !after.is_empty() {
                text.push_str(&format!("{pad}{after}\n"));
            }
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn generated_blocks_read_the_same(text in document()) {
        same_as_saphyr("generated", &text);
    }
}

#[test]
fn the_common_blocks_are_lifted() {
    let text = "a:\n  s.sh: |\n    #!/bin/sh\n\n    echo \"$1\"\n\n  c: |-\n    x\n  k: |+\n    y\n\n\nb:\n- n: |\n    z\n";
    assert_eq!(same_as_saphyr("sample", text), 1);
}
