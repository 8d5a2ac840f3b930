//! Signals to a container's processes on a live cluster, sent from a container of the same
//! pod (`kubectl exec`), and checked to have taken. With `shareProcessNamespace: true` every
//! container's processes are ordinary members of the pod's PID namespace (PID 1 is the
//! pause), so a SIGSTOP or SIGKILL from a sibling reaches them. A container's processes are
//! those whose `/proc/PID/cgroup` names its runtime ID (the cgroup the runtime made for it,
//! `…/<id>` or `…/cri-containerd-<id>.scope` under cgroup v1 and v2 alike); the process name
//! would not tell `redis-server` from a Sentinel started as `redis-server --sentinel`.

use anyhow::bail;

/// What a signal is expected to leave behind, checked in the pod for up to 2 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGSTOP: every process in state `T`.
    Stop,
    /// SIGCONT: no process in state `T`.
    Cont,
    /// SIGKILL: every process gone (or a zombie awaiting its reaper).
    Kill,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Stop => "STOP",
            Signal::Cont => "CONT",
            Signal::Kill => "KILL",
        }
    }

    /// Whether a process in `state` (`/proc/PID/status`'s letter, or `gone`) shows the
    /// signal took. A process that exited meanwhile (a `kubectl exec` session ending) is no
    /// evidence against a SIGSTOP or SIGCONT.
    fn took(self, state: &str) -> bool {
        match self {
            Signal::Stop => matches!(state, "T" | "t" | "gone"),
            Signal::Cont => !matches!(state, "T" | "t"),
            Signal::Kill => matches!(state, "gone" | "Z" | "X"),
        }
    }
}

/// The script `sh -c SCRIPT drill-signal SIGNAL ID…` runs in the signalling container: it
/// signals every process (but itself) whose cgroup names one of the IDs, waits up to 2 s for
/// them all to reach the state the signal means, and prints `PID STATE` per process (`none`
/// when no process matched). Needs `sh`, `cat`, `sed`, `kill` and `sleep` (BusyBox has them).
pub const SCRIPT: &str = r#"sig=$1; shift
pids=
for id in "$@"; do
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [ "$p" = "$$" ] && continue
    case $(cat "$d/cgroup" 2>/dev/null) in *"$id"*) pids="$pids $p" ;; esac
  done
done
[ -n "$pids" ] || { echo none; exit 0; }
# shellcheck disable=SC2086 # one argument per PID
kill -"$sig" $pids 2>/dev/null
i=0
while :; do
  out=; ok=yes
  for p in $pids; do
    s=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$p/status" 2>/dev/null)
    [ -n "$s" ] || s=gone
    case "$sig:$s" in STOP:[Tt]|STOP:gone|CONT:[!Tt]*|CONT:gone|KILL:gone|KILL:[ZX]) ;; *) ok=no ;; esac
    out="$out$p $s
"
  done
  if [ "$ok" = yes ] || [ "$i" -ge 20 ]; then break; fi
  i=$((i + 1)); sleep 0.1
done
printf '%s' "$out""#;

/// `kubectl exec` arguments (after the namespace) that send `signal` to the processes of the
/// containers `ids` from container `from` of `pod`.
pub fn argv(pod: &str, from: &str, signal: Signal, ids: &[&str]) -> Vec<String> {
    let mut argv: Vec<String> = [
        "exec",
        pod,
        "-c",
        from,
        "--",
        "sh",
        "-c",
        SCRIPT,
        "drill-signal",
        signal.name(),
    ]
    .map(str::to_string)
    .to_vec();
    argv.extend(ids.iter().map(|id| (*id).to_string()));
    argv
}

/// Check what the script printed: at least one process, each in the state the signal means.
pub fn verify(what: &str, signal: Signal, output: &str) -> anyhow::Result<usize> {
    let lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() || lines == ["none"] {
        bail!(
            "SIG{} {what}: no process found (none of the pod's processes is in the container's \
             cgroup): the fault did nothing",
            signal.name()
        );
    }
    let mut wrong = Vec::new();
    let mut stopped = 0;
    for line in &lines {
        let (pid, state) = line.split_once(' ').unwrap_or((line, "?"));
        if !signal.took(state) {
            wrong.push(format!("{pid} in state {state}"));
        }
        stopped += usize::from(matches!(state, "T" | "t"));
    }
    if signal == Signal::Stop && stopped == 0 {
        wrong.push("no process stopped".into());
    }
    if !wrong.is_empty() {
        bail!(
            "SIG{} {what} did not take within 2 s ({}): the signalling container may lack the \
             permission (the same user, or CAP_KILL)",
            signal.name(),
            wrong.join(", ")
        );
    }
    Ok(lines.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_counts_only_when_every_process_shows_it() {
        assert_eq!(verify("x", Signal::Stop, "12 T\n13 t\n").unwrap(), 2);
        assert!(verify("x", Signal::Stop, "12 T\n14 gone\n").is_ok());
        let err = verify("redis of redis-0", Signal::Stop, "12 S\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("12 in state S"), "{err}");
        assert!(verify("x", Signal::Stop, "14 gone\n").is_err());
        assert!(verify("x", Signal::Stop, "none\n").is_err());
        assert!(verify("x", Signal::Stop, "").is_err());
        assert!(verify("x", Signal::Cont, "12 S\n13 R\n").is_ok());
        assert!(verify("x", Signal::Cont, "12 T\n").is_err());
        assert!(verify("x", Signal::Kill, "12 gone\n13 Z\n").is_ok());
        assert!(verify("x", Signal::Kill, "12 S\n").is_err());
    }

    #[test]
    fn the_script_signals_only_the_named_cgroups_and_reports_states() {
        // Run it here against a process of our own: its cgroup line names no such ID.
        let out = std::process::Command::new("sh")
            .args(["-c", SCRIPT, "drill-signal", "STOP", "no-such-container-id"])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "none\n");
        let argv = argv("redis-0", "sentinel", Signal::Kill, &["abc"]);
        assert_eq!(argv[..5], ["exec", "redis-0", "-c", "sentinel", "--"]);
        assert_eq!(argv[8..], ["drill-signal", "KILL", "abc"]);
    }
}
