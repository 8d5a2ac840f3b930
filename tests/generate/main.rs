//! Generating manifests from profiles: `render`/`validate` through the binary, the rendered
//! objects field by field per profile and option (TLS, metrics, backup, scheduling), profile
//! resolution and its errors. One test binary (one link) for all of them; each file is a module.

#[path = "../common/mod.rs"]
mod common;
#[path = "../docs/markdown.rs"]
mod markdown;

mod backup_fields;
mod cli_render;
mod metrics;
mod namespace_references;
mod profile_errors;
mod profile_fields;
mod profiles;
mod render;
mod tls;
