//! Errors that mean "the command could not run as asked" (exit code 2).
//!
//! Library code returns `anyhow::Result`; `main` maps every error to exit 2 and findings at
//! error level to exit 1. Messages name the file, line or field and say what to do.

/// Exit codes (docs/contracts.md).
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
/// `status`, beyond the common ones: the verdict (docs/contracts.md, "Exit codes").
pub const EXIT_DEGRADED: u8 = 1;
pub const EXIT_NO_MASTER: u8 = 3;
pub const EXIT_SPLIT_BRAIN: u8 = 4;
/// `drill` stopped by Ctrl-C or SIGTERM after removing what it made: 128 + SIGINT, as a
/// shell reports an interrupted command.
pub const EXIT_INTERRUPTED: i32 = 130;
