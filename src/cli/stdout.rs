//! Writing results to stdout. A reader that stops early (`redis-ha-gen … | head -1`) closes
//! the pipe; that is the reader's choice, not an error: the command ends quietly with the
//! exit code its result has, never with `error: Broken pipe` or a panic (`print!` panics).

use anyhow::Context;
use std::io::Write;

/// Write `text` to stdout and flush it; a closed pipe is not an error.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    quiet(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}

/// The result of writing to stdout, with a closed pipe counted as success.
pub fn quiet(result: std::io::Result<()>) -> anyhow::Result<()> {
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write to stdout")
        }
        _ => Ok(()),
    }
}

/// Whether an error is, at bottom, a closed stdout pipe (a write that went through `?`
/// rather than [`print`]).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_quiet_and_other_errors_are_not() {
        let pipe = || std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert!(quiet(Err(pipe())).is_ok());
        let full = quiet(Err(std::io::Error::other("disk full"))).expect_err("an error");
        assert!(!is_broken_pipe(&full));
        let wrapped = anyhow::Error::from(pipe()).context("writing the man page");
        assert!(is_broken_pipe(&wrapped));
    }
}
