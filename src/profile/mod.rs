//! Profiles: the typed input. Built-ins are embedded; user files may `extends:` one;
//! `-f` files deep-merge over it; `--set` overrides one typed field.

mod types;

pub use types::*;

/// A fully resolved profile plus where each value came from (for findings that name the
/// profile key and line that produced a value).
#[derive(Clone, Debug)]
pub struct ResolvedProfile {
    pub profile: Profile,
    /// Display name of the profile (built-in name or file path).
    pub source: String,
}

/// What the user asked for on the command line.
#[derive(Clone, Debug, Default)]
pub struct ProfileRequest {
    /// Built-in name or path.
    pub profile: String,
    /// `-f/--values` files, in order.
    pub values: Vec<std::path::PathBuf>,
    /// `--set a.b=c`, in order.
    pub sets: Vec<String>,
    /// `--namespace`.
    pub namespace: Option<String>,
}

/// Resolve a profile request. Errors name the file, line or field and say what to do.
pub fn resolve(request: &ProfileRequest) -> anyhow::Result<ResolvedProfile> {
    let _ = request;
    anyhow::bail!("profile loading is not implemented yet")
}
