//! redis-ha-gen: typed profiles → validated Redis + Sentinel HA manifests, a Redis-aware
//! linter for any manifests, and a failover drill on real Redis binaries.
//!
//! Data flows one way: `profile` → `render` → `manifest` → (`schema`, `model` → `rules`) →
//! `report`. `generate` wires the first stages together for `render`/`validate`; `drill`
//! consumes manifests like any other user.

pub mod baseline;
pub mod bounded_read;
pub mod cli;
pub mod config;
pub mod deadline_command;
pub mod drill;
pub mod error;
pub mod escape;
pub mod finding;
pub mod generate;
pub mod kube_names;
pub mod kubectl_exec;
pub mod manifest;
pub mod memory_budget;
pub mod model;
pub mod plain_errors;
pub mod profile;
pub mod redis_conf;
pub mod render;
pub mod report;
pub mod resp;
pub mod rules;
pub mod schema;
pub mod status;
#[cfg(test)]
mod test_files;
