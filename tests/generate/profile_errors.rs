//! A profile value of the wrong type is answered in the profile's terms — what the field
//! wants — never in the parser's (`invalid u32`, `expected mapping start`, `expected string
//! scalar`), which name Rust types and YAML events.

use crate::common;

fn stderr_of(args: &[&str]) -> String {
    let out = common::binary()
        .args(args)
        .output()
        .expect("run redis-ha-gen");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn type_errors_say_what_the_field_wants() {
    let dir = tempfile::tempdir().unwrap();
    let scalar = dir.path().join("one.yaml");
    std::fs::write(&scalar, "sentinel: 3\n").unwrap();
    let list = dir.path().join("two.yaml");
    std::fs::write(&list, "extends: kind\nsentinel:\n  quorum: [1]\n").unwrap();
    let cases: [(Vec<&str>, &str); 3] = [
        (
            vec!["--profile", "kind", "--set", "sentinel.quorum=99999999999"],
            "expected a whole number",
        ),
        (
            vec!["--profile", scalar.to_str().unwrap()],
            "expected a mapping of fields",
        ),
        (
            vec!["--profile", list.to_str().unwrap()],
            "expected a single value",
        ),
    ];
    for (args, wanted) in cases {
        let err = stderr_of(&args);
        assert!(err.contains(wanted), "{args:?}: {err}");
        for jargon in ["u32", "mapping start", "scalar"] {
            assert!(!err.contains(jargon), "{args:?}: `{jargon}` in {err}");
        }
    }
}
