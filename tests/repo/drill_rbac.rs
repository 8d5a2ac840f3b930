//! The Role docs/drill.md gives for `drill --target kubectl` is valid: it passes `lint`'s
//! strict schema (kubectl's client-side dry run needs an API server for the types).

use std::path::Path;

/// The YAML block of docs/drill.md that defines the drill's Role.
fn role_yaml() -> String {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/drill.md"))
        .expect("docs/drill.md");
    doc.split("```yaml\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .find(|block| block.contains("kind: Role\n"))
        .expect("docs/drill.md has a ```yaml block with the drill's Role")
        .to_string()
}

#[test]
fn the_drills_role_passes_the_strict_schema_and_grants_what_the_target_calls() {
    let yaml = role_yaml();
    let out = crate::common::run_with_stdin(
        crate::common::binary().args(["lint", "--strict", "-"]),
        yaml.as_bytes(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        crate::common::stdout(&out),
        crate::common::stderr(&out)
    );
    assert!(crate::common::stdout(&out).contains("2 objects"), "{out:?}");
    for resource in [
        "\"pods\"",
        "\"pods/exec\"",
        "\"pods/log\"",
        "\"persistentvolumeclaims\"",
        "\"cronjobs\"",
        "\"jobs\"",
    ] {
        assert!(yaml.contains(resource), "no rule for {resource}:\n{yaml}");
    }
}
