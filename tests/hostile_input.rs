//! Hostile input: every case ends in findings or documents within seconds, never a panic,
//! a hang or unbounded memory.

use redis_ha_gen::manifest::{self, Parsed};
use std::time::{Duration, Instant};

/// Parse and insist on a quick answer; debug builds are slow, the limit is generous.
fn parse_quickly(text: &str) -> Parsed {
    let started = Instant::now();
    let parsed = manifest::parse("hostile.yaml", text);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "took {took:?}");
    parsed
}

fn only_syntax_finding(parsed: &Parsed) -> &redis_ha_gen::finding::Finding {
    assert!(parsed.documents.is_empty(), "{:?}", parsed.documents);
    assert_eq!(parsed.findings.len(), 1, "{:#?}", parsed.findings);
    let finding = &parsed.findings[0];
    assert_eq!(finding.rule, "yaml-syntax");
    assert!(finding.line.is_some());
    finding
}

#[test]
fn empty_and_blank_files_have_no_documents_and_no_findings() {
    for text in [
        "",
        "\n\n",
        "---\n",
        "# just a comment\n",
        "---\n...\n---\n",
        "\u{feff}",
    ] {
        let parsed = parse_quickly(text);
        assert!(
            parsed.documents.is_empty() && parsed.findings.is_empty(),
            "{text:?}"
        );
    }
}

#[test]
fn invalid_utf8_is_one_finding_at_the_bad_byte() {
    let parsed = manifest::parse_bytes("bin.yaml", b"kind: A\nname: caf\xe9\n");
    let finding = only_syntax_finding(&parsed);
    assert_eq!((finding.line, finding.column), (Some(2), Some(10)));
    assert!(finding.message.contains("not UTF-8"), "{}", finding.message);
}

#[test]
fn binary_files_give_findings_not_panics() {
    // A deterministic pseudo-random "binary" file (xorshift), plus NULs and control bytes.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..200_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let parsed = manifest::parse_bytes("random.bin", &bytes);
    assert!(parsed.documents.is_empty());
    assert!(!parsed.findings.is_empty());
    // Valid UTF-8 that is still binary (NUL and other control characters).
    let parsed = parse_quickly("kind: A\x00\x01\x02\nx: \x07\n");
    assert!(!parsed.findings.is_empty(), "{parsed:?}");
}

#[test]
fn an_alias_bomb_is_refused_quickly() {
    let mut text =
        String::from("kind: Bomb\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    text.push_str("---\nkind: After\n");
    let parsed = parse_quickly(&text);
    assert_eq!(parsed.findings.len(), 1, "{:#?}", parsed.findings);
    assert!(
        parsed.findings[0].message.contains("alias"),
        "{}",
        parsed.findings[0].message
    );
    // The document after the bomb is still read.
    let kinds: Vec<_> = parsed.documents.iter().map(|d| d.kind()).collect();
    assert_eq!(kinds, ["After"]);
}

#[test]
fn ten_thousand_levels_of_nesting_are_refused() {
    let depth = 10_000;
    let flow = format!("kind: A\nx: {}{}\n", "[".repeat(depth), "]".repeat(depth));
    let flow_maps = format!(
        "kind: A\nx: {}1{}\n",
        "{a: ".repeat(depth),
        "}".repeat(depth)
    );
    let block_seq = format!("kind: A\nx:\n{}1\n", "- ".repeat(depth));
    // Indented block mappings grow quadratically: 1,000 levels are already 0.5 MB.
    let block_map: String = (0..1000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    for text in [flow, flow_maps, block_seq, block_map] {
        let parsed = parse_quickly(&text);
        let finding = only_syntax_finding(&parsed);
        assert!(
            finding.message.contains("deeper") || finding.message.contains("recursion"),
            "{}",
            finding.message
        );
    }
}

#[test]
fn aliases_cannot_nest_past_the_depth_limit() {
    let mut text = String::from("kind: A\nl0: &l0 [x]\n");
    for i in 1..400 {
        text.push_str(&format!("l{i}: &l{i} [*l{}]\n", i - 1));
    }
    let parsed = parse_quickly(&text);
    let finding = only_syntax_finding(&parsed);
    assert!(finding.message.contains("deeper"), "{}", finding.message);
}

#[test]
fn a_fifty_megabyte_document_is_a_finding_and_the_rest_is_read() {
    let mut text = String::from("kind: ConfigMap\ndata:\n  big: |\n");
    let line = "    0123456789012345678901234567890123456789012345678901234567890123456789\n";
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(line);
    }
    text.push_str("---\nkind: Small\n");
    let parsed = parse_quickly(&text);
    assert_eq!(parsed.findings.len(), 1, "{:#?}", parsed.findings);
    assert_eq!(parsed.findings[0].line, Some(1));
    assert!(
        parsed.findings[0].message.contains("MiB"),
        "{}",
        parsed.findings[0].message
    );
    assert_eq!(parsed.documents.len(), 1);
    assert_eq!(parsed.documents[0].kind(), "Small");
}

#[test]
fn a_large_document_below_the_limit_parses() {
    let mut text = String::from("kind: ConfigMap\ndata:\n");
    let mut i = 0;
    while text.len() < 4 * 1024 * 1024 {
        text.push_str(&format!("  key{i}: \"value number {i}\"\n"));
        i += 1;
    }
    let parsed = parse_quickly(&text);
    assert!(parsed.findings.is_empty());
    assert_eq!(
        parsed.documents[0].value["data"]
            .as_object()
            .map(|m| m.len()),
        Some(i)
    );
}

#[test]
fn many_documents_in_one_file_parse() {
    let text = "kind: A\nmetadata: {name: x}\n---\n".repeat(50_000);
    let parsed = parse_quickly(&text);
    assert!(parsed.findings.is_empty());
    assert_eq!(parsed.documents.len(), 50_000);
}

#[test]
fn duplicate_keys_are_a_finding_and_the_document_is_kept() {
    let text = "kind: ConfigMap\nmetadata:\n  name: a\n  name: b\n";
    let parsed = parse_quickly(text);
    assert_eq!(parsed.documents.len(), 1);
    assert_eq!(parsed.findings.len(), 1, "{:#?}", parsed.findings);
    let finding = &parsed.findings[0];
    assert_eq!((finding.line, finding.column), (Some(4), Some(3)));
    assert!(
        finding
            .message
            .contains("duplicate key `name` (first at line 3)"),
        "{}",
        finding.message
    );
    assert_eq!(finding.object.as_deref(), Some("ConfigMap/b"));
}
