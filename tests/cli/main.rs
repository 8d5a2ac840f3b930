//! The command line as a whole: closed pipes, error wording, hostile input, completions and
//! man page, `drill`'s arguments (without running a drill). One test binary; each file is a
//! module.

#[path = "../common/mod.rs"]
mod common;

mod broken_pipe;
mod completion_profiles;
mod drill_cli;
mod error_wording;
mod hostile_input;
mod meta_cli;
