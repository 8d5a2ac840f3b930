//! Profiles: the typed input. Built-ins are embedded; user files may `extends:` one;
//! `-f` files deep-merge over it; `--set` overrides one typed field.

pub mod backup;
mod builtin;
mod checks;
mod checks_backup;
mod checks_scheduling;
mod cron;
pub mod engine;
mod engine_image;
pub mod extra_config;
pub mod grammar;
mod known_keys;
mod kube;
mod not_a_manifest;
mod resolve;
mod resources;
pub mod suggest;
mod tree;
mod types;

pub use builtin::BUILTINS;
pub use not_a_manifest::refuse_manifest;
pub use tree::Origin;
pub use types::*;

use std::collections::BTreeMap;

/// A fully resolved profile plus where each value came from (for findings that name the
/// profile key and line that produced a value).
#[derive(Clone, Debug)]
pub struct ResolvedProfile {
    pub profile: Profile,
    /// Display name of the profile (built-in name or file path).
    pub source: String,
    /// The profile's file: a built-in's name (`<built-in profile kind>`) or the
    /// user's file. Findings name it when no source set the key they are about.
    pub file: String,
    /// For every key path that some source wrote (`sentinel.quorum`), where it was written
    /// last. Keys left at their defaults are absent.
    pub provenance: BTreeMap<String, Origin>,
}

impl ResolvedProfile {
    /// Where the value at `path` came from, if any source set it.
    pub fn origin(&self, path: &str) -> Option<&Origin> {
        self.provenance.get(path)
    }
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
    resolve::resolve(request)
}
