//! The built-in profiles, embedded in the binary.

/// A built-in profile: its name and its YAML source.
pub struct Builtin {
    pub name: &'static str,
    /// How findings and errors name it: not a path (the user has no such file), and never
    /// a file location in SARIF or GitHub annotations (`report::file_on_disk`).
    pub path: &'static str,
    pub text: &'static str,
}

pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "kind",
        path: "<built-in profile kind>",
        text: include_str!("../../profiles/kind.yaml"),
    },
    Builtin {
        name: "ocp",
        path: "<built-in profile ocp>",
        text: include_str!("../../profiles/ocp.yaml"),
    },
    Builtin {
        name: "production",
        path: "<built-in profile production>",
        text: include_str!("../../profiles/production.yaml"),
    },
];

pub fn find(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// Names of the built-ins, for error messages.
pub fn names() -> Vec<&'static str> {
    BUILTINS.iter().map(|b| b.name).collect()
}
