use super::*;

fn words(line: &str) -> Vec<String> {
    split_args(line).expect("balanced")
}

#[test]
fn splits_plain_and_quoted_words() {
    assert_eq!(words("save 900 1"), ["save", "900", "1"]);
    assert_eq!(
        words("  requirepass \"a b\\\"c\"  "),
        ["requirepass", "a b\"c"]
    );
    assert_eq!(words("x 'it\\'s' \"\\x41\\n\""), ["x", "it's", "A\n"]);
    assert_eq!(words("save \"\""), ["save", ""]);
    assert_eq!(words("a\"b c\" d"), ["ab c", "d"]);
}

#[test]
fn rejects_unbalanced_quotes_as_redis_does() {
    assert_eq!(split_args("requirepass \"abc"), None);
    assert_eq!(split_args("requirepass 'abc"), None);
    assert_eq!(split_args("requirepass \"abc\"def"), None);
}

#[test]
fn parses_lines_comments_case_and_repeats() {
    let text = "# comment\n\nSAVE 900 1\n  save 300 10\nSentinel Monitor mymaster 10.0.0.1 6379 2\nbad \"quote\n";
    let conf = parse(text, 10);
    let names: Vec<_> = conf
        .directives
        .iter()
        .map(|d| (d.name.as_str(), d.line))
        .collect();
    assert_eq!(names, [("save", 12), ("save", 13), ("sentinel", 14)]);
    assert!(conf.directives[2].is_sentinel("monitor"));
    assert_eq!(conf.errors.len(), 1);
    assert_eq!(conf.errors[0].line, 15);
}

#[test]
fn recognises_configuration_by_content() {
    assert!(looks_like_conf(&parse("port 6379\nmaxmemory 1mb\n", 0)));
    assert!(!looks_like_conf(&parse(
        "#!/bin/sh\nset -e\nif [ -f x ]; then\n  cp a b\nfi\n",
        0
    )));
    assert!(!looks_like_conf(&parse("", 0)));
}

#[test]
fn known_directives_are_sorted_for_binary_search() {
    assert!(KNOWN.windows(2).all(|w| w[0] < w[1]));
}
