//! Output whose reader may go away: the stdout every command writes its results to (opened
//! once by `main` and handed to the command), and `render`'s warnings on stderr. A reader
//! that stops early (`redis-ha-gen … | head -1`) closes the pipe; that is the reader's
//! choice, not an error: the rest of the output is dropped and the command ends quietly with
//! the exit code its result has, never with `error: Broken pipe` or a panic (`print!`
//! panics). This file is the only place a closed pipe is handled.

use anyhow::Context;
use std::io::{IsTerminal, Write};

/// A writer with a closed pipe counted as the end of the output. Other write errors (a full
/// disk behind a redirect) stay errors.
pub struct Pipe<W: Write> {
    inner: W,
    closed: bool,
}

/// The process's stdout (locked per write, not for the whole run).
pub type Stdout = Pipe<std::io::Stdout>;

impl Stdout {
    pub fn stdout() -> Self {
        Pipe::new(std::io::stdout())
    }
}

impl<W: Write + IsTerminal> Pipe<W> {
    /// Whether the output is a terminal (text findings are coloured only there).
    pub fn is_terminal(&self) -> bool {
        self.inner.is_terminal()
    }
}

impl<W: Write> Pipe<W> {
    pub fn new(inner: W) -> Self {
        Pipe {
            inner,
            closed: false,
        }
    }

    /// Write `text` and flush it.
    pub fn print(&mut self, text: &str) -> anyhow::Result<()> {
        self.write_all(text.as_bytes())
            .and_then(|()| self.flush())
            .context("cannot write to stdout")
    }

    /// What a write or flush of the inner writer did, with a closed pipe as the end.
    fn quiet<T>(&mut self, result: std::io::Result<T>, nothing: T) -> std::io::Result<T> {
        match result {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(nothing)
            }
            other => other,
        }
    }
}

impl<W: Write> Write for Pipe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let written = self.inner.write(buf);
        self.quiet(written, buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let flushed = self.inner.flush();
        self.quiet(flushed, ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails every call with `kind`, counting the calls.
    struct Failing {
        kind: std::io::ErrorKind,
        calls: usize,
    }

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            self.calls += 1;
            Err(self.kind.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.calls += 1;
            Err(self.kind.into())
        }
    }

    fn failing(kind: std::io::ErrorKind) -> Pipe<Failing> {
        Pipe::new(Failing { kind, calls: 0 })
    }

    #[test]
    fn a_closed_pipe_ends_the_output_quietly() {
        let mut out = failing(std::io::ErrorKind::BrokenPipe);
        out.print("first\n").expect("a closed pipe is no error");
        writeln!(out, "second").expect("nor afterwards");
        out.flush().expect("nor on flush");
        assert_eq!(
            out.inner.calls, 1,
            "nothing is written after the pipe closed"
        );
    }

    #[test]
    fn other_write_errors_stay_errors() {
        let mut out = failing(std::io::ErrorKind::StorageFull);
        let err = out.print("text\n").expect_err("a full disk is an error");
        assert!(
            format!("{err:#}").starts_with("cannot write to stdout: "),
            "{err:#}"
        );
        let cause = err
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind);
        assert_eq!(cause, Some(std::io::ErrorKind::StorageFull));
        assert!(!out.closed);
    }

    #[test]
    fn text_goes_through() {
        let mut out = Pipe::new(Vec::new());
        out.print("a\n").expect("written");
        write!(out, "b").expect("written");
        assert_eq!(out.inner, b"a\nb");
    }
}
