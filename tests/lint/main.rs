//! The linter: the rule fixtures, `lint`/`rules`/`explain` through the binary, folders and
//! Kustomize layouts, real-world manifest sets, the strict schema, the parser, the report
//! formats, and property tests over parse and check. One test binary; each file is a module.

#[path = "../common/mod.rs"]
mod common;

mod builtin_findings;
mod check_fuzz;
mod hostile_findings;
mod lint_cli;
mod lint_kustomize;
mod lint_realworld;
mod manifest;
mod parse_fuzz;
mod report_formats;
mod rules;
mod schema;
