//! The built-in profiles, embedded in the binary.

/// A built-in profile: its name and its YAML source.
pub struct Builtin {
    pub name: &'static str,
    /// Where the source lives in the repository; named in findings and errors.
    pub path: &'static str,
    pub text: &'static str,
}

pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "kind",
        path: "profiles/kind.yaml",
        text: include_str!("../../profiles/kind.yaml"),
    },
    Builtin {
        name: "ocp",
        path: "profiles/ocp.yaml",
        text: include_str!("../../profiles/ocp.yaml"),
    },
    Builtin {
        name: "production",
        path: "profiles/production.yaml",
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
