//! `kubectl exec POD -c CONTAINER -- redis-cli …`: the one layer `status --target kubectl`
//! and the drill's kubectl target share to ask a Redis or a Sentinel in a pod — the `kubectl`
//! command line, and how what came back is read: a failure to ask, an error reply, or a reply.
//!
//! `redis-cli` prints plain text when its output is not a terminal: a reply on stdout, one
//! line per element, an error reply as its one line (`ERR …`, `NOAUTH …`); a connection
//! failure on stderr, with nothing on stdout. `kubectl` adds its own failures (pod gone,
//! container not running) on stderr. The caller knows the reply's [`Shape`]; the text does not.

use crate::resp::Reply;
use std::ffi::OsStr;
use std::process::Command;

/// The generated manifests' Redis container.
pub const REDIS_CONTAINER: &str = "redis";
/// The generated manifests' Sentinel container.
pub const SENTINEL_CONTAINER: &str = "sentinel";

/// How a reply is shaped: `redis-cli`'s plain output needs it to be read back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// One string (`INFO`).
    Text,
    /// An array of strings, or nil: an empty output is nil (`status`'s queries).
    List,
    /// An array of strings, one per line of the output, never nil: the drill's reading of
    /// every command it knows no other shape for. The two readings of an empty output
    /// differ and are kept apart: the drill reads an empty output of a command it has no
    /// shape for as no items, `status` as nil.
    Lines,
    /// The values of `MGET`, one per line: `redis-cli` prints a nil (a missing key) as an
    /// empty line, read back as nil (the drill never writes an empty value).
    Values,
    /// `+OK …` or an error (`SENTINEL CKQUORUM`): anything but `OK…` is an error.
    Status,
    /// A simple-string reply (`+OK` to `SET`, `+PONG`).
    Line,
    /// An integer reply (`WAIT`, `EXISTS`).
    Int,
}

impl Shape {
    /// The shape of the reply to `command` (its first word), for the commands the drill sends.
    pub fn of_command(command: &str) -> Shape {
        match command.to_ascii_uppercase().as_str() {
            "WAIT" | "EXISTS" => Shape::Int,
            "SET" | "AUTH" | "PING" => Shape::Line,
            "INFO" => Shape::Text,
            "MGET" => Shape::Values,
            _ => Shape::Lines,
        }
    }
}

/// `kubectl` with its global `--namespace`.
pub fn kubectl(program: &OsStr, namespace: &str) -> Command {
    let mut command = Command::new(program);
    command.arg("--namespace").arg(namespace);
    command
}

/// The `kubectl` arguments that run `redis-cli -p PORT [--tls --cacert CA] ARGS` in
/// `container` of `pod`; under `sh -c WRAPPER` when given, which is passed `redis-cli` as its
/// `$0` and the rest as `"$@"` (it sets up the password inside the pod, where no host's `ps`
/// sees it, then runs `"$0" "$@"`).
pub fn redis_cli_argv<S: AsRef<str>>(
    pod: &str,
    container: &str,
    wrapper: Option<&str>,
    port: u16,
    tls_ca: Option<&str>,
    args: &[S],
) -> Vec<String> {
    let mut argv: Vec<String> = ["exec", pod, "-c", container, "--"]
        .map(str::to_string)
        .to_vec();
    if let Some(script) = wrapper {
        argv.extend(["sh".into(), "-c".into(), script.to_string()]);
    }
    argv.extend(["redis-cli".into(), "-p".into(), port.to_string()]);
    if let Some(ca) = tls_ca {
        argv.extend(["--tls".into(), "--cacert".into(), ca.to_string()]);
    }
    argv.extend(args.iter().map(|a| a.as_ref().to_string()));
    argv
}

/// Read a finished `kubectl exec … redis-cli` (whether it exited 0, what it printed). `Err` (stderr's words): it could not ask —
/// the command failed and printed nothing on stdout (kubectl could not reach the pod,
/// redis-cli could not connect). A failed command that printed something is an error
/// reply, its first line (the drill's reading: status used to call it a failure to ask, but
/// what `redis-cli` printed on stdout is the server's answer, and a failed command is never
/// read as a success either way).
pub fn read_output(
    success: bool,
    stdout: &[u8],
    stderr: &[u8],
    shape: Shape,
) -> Result<Reply, String> {
    let stdout = String::from_utf8_lossy(stdout);
    if !success {
        if stdout.trim().is_empty() {
            return Err(String::from_utf8_lossy(stderr).trim().to_owned());
        }
        let first = stdout.lines().next().unwrap_or_default();
        return Ok(Reply::Error(first.to_owned()));
    }
    Ok(read_plain(&stdout, shape))
}

/// Read `redis-cli`'s non-terminal output back into a reply of the expected shape.
pub fn read_plain(stdout: &str, shape: Shape) -> Reply {
    // redis-cli ends its output with a newline (status's wrapper adds one too).
    let body = stdout.strip_suffix('\n').unwrap_or(stdout);
    let first = body.lines().next().unwrap_or_default();
    if shape == Shape::Status {
        return if first.starts_with("OK") {
            Reply::Status(first.to_owned())
        } else {
            Reply::Error(first.to_owned())
        };
    }
    if let Some(line) = error_reply(body) {
        return Reply::Error(line.to_owned());
    }
    match shape {
        Shape::Text => Reply::Bulk(Some(body.to_owned())),
        Shape::Line => Reply::Status(first.to_owned()),
        Shape::Int => Reply::Int(first.trim().parse().unwrap_or(0)),
        Shape::Lines => Reply::Array(Some(
            stdout
                .lines()
                .map(|l| Reply::Bulk(Some(l.to_owned())))
                .collect(),
        )),
        Shape::Values => Reply::Array(Some(
            stdout
                .lines()
                .map(|l| Reply::Bulk((!l.is_empty()).then(|| l.to_owned())))
                .collect(),
        )),
        _ if body.trim().is_empty() => Reply::Array(None),
        _ => Reply::Array(Some(
            body.lines()
                .map(|l| Reply::Bulk(Some(l.to_owned())))
                .collect(),
        )),
    }
}

/// The error reply `body` is, if it is one: one line starting with an error code — a word of
/// two or more capitals, then a space (`ERR …`, `NOAUTH …`, `READONLY …`). Status's rule,
/// the stricter one: the drill knew only eight codes (ERR, NOREPLICAS, READONLY, NOAUTH,
/// WRONGPASS, LOADING, MASTERDOWN, NOMASTERLINK) and read any other (`OOM`, `MISCONF`,
/// `BUSY`, `NOQUORUM`, …) as a reply; and an error reply is one line, never the first of
/// several.
fn error_reply(body: &str) -> Option<&str> {
    let mut lines = body.lines();
    let (Some(line), None) = (lines.next(), lines.next()) else {
        return None;
    };
    let code = line.split(' ').next().unwrap_or_default();
    (line.contains(' ') && code.len() > 1 && code.bytes().all(|b| b.is_ascii_uppercase()))
        .then_some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_redis_cli_plain_output_by_shape() {
        let text = "# Replication\r\nrole:master\r\n";
        assert_eq!(
            read_plain(&format!("{text}\n"), Shape::Text),
            Reply::Bulk(Some(text.into()))
        );
        assert_eq!(read_plain("\n", Shape::List), Reply::Array(None));
        let addr = read_plain("10.0.0.1\n6379\n", Shape::List);
        let addr: Vec<&str> = addr.items().iter().filter_map(Reply::text).collect();
        assert_eq!(addr, ["10.0.0.1", "6379"]);
        assert_eq!(
            read_plain("ERR No such master with that name\n", Shape::List),
            Reply::Error("ERR No such master with that name".into())
        );
        assert_eq!(
            read_plain("NOAUTH Authentication required.\n", Shape::Text),
            Reply::Error("NOAUTH Authentication required.".into())
        );
        assert_eq!(
            read_plain("OK 3 usable Sentinels.\n", Shape::Status),
            Reply::Status("OK 3 usable Sentinels.".into())
        );
        assert_eq!(
            read_plain("NOQUORUM 1 usable Sentinels.\n", Shape::Status),
            Reply::Error("NOQUORUM 1 usable Sentinels.".into())
        );
        assert_eq!(read_plain("OK\n", Shape::Line), Reply::Status("OK".into()));
        assert_eq!(read_plain("2\n", Shape::Int), Reply::Int(2));
        // Any error code, not only those the drill once listed.
        assert_eq!(
            read_plain("OOM command not allowed\n", Shape::Line),
            Reply::Error("OOM command not allowed".into())
        );
    }

    #[test]
    fn the_drills_commands_have_their_shapes() {
        assert_eq!(Shape::of_command("wait"), Shape::Int);
        assert_eq!(Shape::of_command("EXISTS"), Shape::Int);
        assert_eq!(Shape::of_command("SET"), Shape::Line);
        assert_eq!(Shape::of_command("INFO"), Shape::Text);
        assert_eq!(Shape::of_command("ROLE"), Shape::Lines);
        assert_eq!(read_plain("", Shape::Lines), Reply::Array(Some(Vec::new())));
        // A missing key of MGET is an empty line (redis-cli 7.0.15: `1\n\n1\n`).
        assert_eq!(Shape::of_command("mget"), Shape::Values);
        let values = read_plain("1\n\n1\n", Shape::Values);
        let present: Vec<bool> = values.items().iter().map(|v| v.text().is_some()).collect();
        assert_eq!(present, [true, false, true]);
    }

    #[test]
    fn a_failure_is_a_failure_to_ask_or_an_error_reply() {
        // Nothing on stdout (status's wrapper prints an empty line): could not ask.
        assert_eq!(
            read_output(false, b"\n", b"Could not connect\n", Shape::Text),
            Err("Could not connect".into())
        );
        // Something on stdout: the server answered, with an error.
        assert_eq!(
            read_output(false, b"LOADING busy\n", b"", Shape::Text),
            Ok(Reply::Error("LOADING busy".into()))
        );
        assert_eq!(
            read_output(true, b"PONG\n", b"", Shape::Line),
            Ok(Reply::Status("PONG".into()))
        );
    }

    #[test]
    fn the_command_line_runs_redis_cli_in_the_container() {
        assert_eq!(
            redis_cli_argv(
                "redis-0",
                SENTINEL_CONTAINER,
                Some("exec \"$0\" \"$@\""),
                26379,
                Some("/tls/ca.crt"),
                &["PING"],
            ),
            [
                "exec",
                "redis-0",
                "-c",
                "sentinel",
                "--",
                "sh",
                "-c",
                "exec \"$0\" \"$@\"",
                "redis-cli",
                "-p",
                "26379",
                "--tls",
                "--cacert",
                "/tls/ca.crt",
                "PING"
            ]
        );
        assert_eq!(
            redis_cli_argv("redis-1", REDIS_CONTAINER, None, 6379, None, &["ROLE"]).join(" "),
            "exec redis-1 -c redis -- redis-cli -p 6379 ROLE"
        );
    }
}
