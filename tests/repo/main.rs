//! The repository's own files: generated docs and links, the files other tools read (CI,
//! pre-commit, Docker), the pods' scripts under shellcheck, no module cycles in `src/`. One
//! test binary; each file is a module.

#[path = "../common/mod.rs"]
mod common;
#[path = "../docs/markdown.rs"]
mod markdown;

mod docs_catalogue;
mod drill_rbac;
mod ecosystem_files;
mod module_cycles;
mod scripts_heredocs;
mod scripts_shellcheck;
