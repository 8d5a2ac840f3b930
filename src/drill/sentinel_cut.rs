//! `partition-master-sentinels`: the master's Redis cut off from the other pods' Sentinels
//! only. Every pod's Sentinel shares its pod's address with that pod's Redis, so no rule on
//! addresses can tell a Sentinel's connection to the master from a replica's; the socket's
//! v2 cgroup can (`cgroup::SocketCgroup`: every pod's Sentinel container joins one). In each
//! other pod's network namespace an `inet` table drops, silently, what processes of that
//! cgroup send to the master's Redis port and what comes back to them from it: the
//! Sentinels lose the master while its replicas keep streaming from it and the clients keep
//! writing to it. The master's own Sentinel keeps it: a Sentinel beside its Redis in one pod
//! reaches it on the pod's own address, which no network fault cuts.
//!
//! Each cut checks itself once in place (`verify`): from one other pod, a connection made
//! in the Sentinel containers' cgroup must get no answer within a second, and one made
//! outside it must get one within three (a loaded machine starts a process slowly; a
//! connection on the bridge takes well under a millisecond).

use super::cgroup::SocketCgroup;
use anyhow::{Context, bail};
use std::ffi::CString;
use std::net::Ipv4Addr;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// The table, one per pod namespace (tables are per namespace).
const TABLE: &str = "rhgsentinelcut";

/// Characters a cgroup path may hold inside the script's double quotes: what the drill's
/// own names and a container runtime's cgroup names use. Anything else is refused, not
/// quoted: nft has no escape inside a quoted string.
fn plain(path: &str) -> bool {
    !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@+".contains(c))
}

/// The nft script that drops, both ways, what processes of `cgroup` exchange with port
/// `port` of each address of `targets` (at least one), replacing any such table already there.
pub fn script(cgroup: &SocketCgroup, targets: &[Ipv4Addr], port: u16) -> anyhow::Result<String> {
    if targets.is_empty() {
        bail!("a Sentinels' cut needs at least one address to cut them from");
    }
    if !plain(&cgroup.path) {
        bail!(
            "cannot name cgroup {:?} in an nftables rule (only letters, digits and -_./:@+)",
            cgroup.path
        );
    }
    let sockets = format!("socket cgroupv2 level {} \"{}\"", cgroup.level, cgroup.path);
    let addresses = targets
        .iter()
        .map(Ipv4Addr::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    Ok(format!(
        "add table inet {TABLE}\n\
         delete table inet {TABLE}\n\
         table inet {TABLE} {{\n\
         \tchain out {{\n\
         \t\ttype filter hook output priority 0; policy accept;\n\
         \t\t{sockets} ip daddr {{ {addresses} }} tcp dport {port} drop\n\
         \t}}\n\
         \tchain in {{\n\
         \t\ttype filter hook input priority 0; policy accept;\n\
         \t\t{sockets} ip saddr {{ {addresses} }} tcp sport {port} drop\n\
         \t}}\n\
         }}\n"
    ))
}

/// The script that lifts the cut.
pub fn lift() -> String {
    format!("add table inet {TABLE}\ndelete table inet {TABLE}\n")
}

/// How a connection attempt from a pod's namespace ended.
#[derive(Debug, PartialEq, Eq)]
enum Attempt {
    /// No answer within the time given: dropped.
    TimedOut,
    /// Connected, or refused: the packets went through.
    Answered,
}

/// Try `master`:`port` from namespace `netns` as a process of the v2 cgroup `cgroup_dir`
/// (or of the drill's own cgroup), for `seconds`.
fn attempt(
    netns: &str,
    cgroup_dir: Option<&Path>,
    (master, port): (Ipv4Addr, u16),
    seconds: u32,
) -> anyhow::Result<Attempt> {
    let mut command = Command::new("nsenter");
    command
        .arg(format!("--net=/run/netns/{netns}"))
        .arg("timeout")
        .arg(seconds.to_string())
        .args(["bash", "-c"])
        .arg(format!("exec 3<>/dev/tcp/{master}/{port} || exit 3"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(dir) = cgroup_dir {
        let procs = CString::new(dir.join("cgroup.procs").as_os_str().as_encoded_bytes())
            .context("cgroup path holds a NUL byte")?;
        // SAFETY: between fork and exec only open, write and close, on a path prepared
        // before the fork.
        unsafe {
            command.pre_exec(move || {
                let fd = libc::open(procs.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 || libc::write(fd, b"0".as_ptr().cast(), 1) != 1 {
                    return Err(std::io::Error::last_os_error());
                }
                libc::close(fd);
                Ok(())
            });
        }
    }
    let status = command
        .status()
        .context("cannot run `nsenter … timeout N bash` to check the Sentinels' cut")?;
    // Connected (0) or refused (3, the script's own); `timeout` exits 124 when the command
    // ran out of time; anything else (nsenter's 1, a missing program's 126 or 127) says
    // nothing about the connection.
    match status.code() {
        Some(124) => Ok(Attempt::TimedOut),
        Some(0 | 3) => Ok(Attempt::Answered),
        other => bail!(
            "cannot check the Sentinels' cut in {netns}: `nsenter … timeout N bash -c \
             'exec 3<>/dev/tcp/…'` ended with {other:?} (are coreutils' `timeout` and bash \
             on PATH?)"
        ),
    }
}

/// The cut is in force in `netns`: a Sentinel's connection to the master times out, and one
/// of another process of the pod does not (`sentinels_dir`: a v2 cgroup below the Sentinel
/// containers' one, made for this check and removed after it).
pub fn verify(
    netns: &str,
    sentinels_dir: &Path,
    master: Ipv4Addr,
    port: u16,
) -> anyhow::Result<()> {
    let probe = sentinels_dir.join("cut-check");
    std::fs::create_dir_all(&probe)
        .with_context(|| format!("cannot create {}", probe.display()))?;
    let as_sentinel = attempt(netns, Some(&probe), (master, port), 1);
    let _ = std::fs::remove_dir(&probe);
    let as_sentinel = as_sentinel?;
    let as_other = attempt(netns, None, (master, port), 3)?;
    if as_sentinel != Attempt::TimedOut || as_other != Attempt::Answered {
        bail!(
            "the cut of {master}:{port} from the Sentinels does not hold in {netns}: a \
             connection from the Sentinels' cgroup {:?}, from outside it {:?} (expected \
             TimedOut, Answered)",
            as_sentinel,
            as_other
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_names_the_cgroup_and_drops_both_ways() {
        let cgroup = SocketCgroup {
            path: "unified/process_api/x/redis-ha-gen-drill-1201/sentinel".into(),
            level: 4,
        };
        let text = script(&cgroup, &[Ipv4Addr::new(10, 213, 7, 10)], 6379).expect("script");
        assert!(text.contains(
            "socket cgroupv2 level 4 \"unified/process_api/x/redis-ha-gen-drill-1201/sentinel\" \
             ip daddr { 10.213.7.10 } tcp dport 6379 drop"
        ));
        assert!(text.contains("ip saddr { 10.213.7.10 } tcp sport 6379 drop"));
        let two = [Ipv4Addr::new(10, 213, 7, 10), Ipv4Addr::new(10, 213, 7, 12)];
        let text = script(&cgroup, &two, 6379).expect("script");
        assert!(text.contains("ip daddr { 10.213.7.10, 10.213.7.12 } tcp dport 6379 drop"));
        assert!(script(&cgroup, &[], 6379).is_err());
        assert!(text.starts_with("add table inet rhgsentinelcut\ndelete table"));
        assert_eq!(
            lift(),
            "add table inet rhgsentinelcut\ndelete table inet rhgsentinelcut\n"
        );
        for bad in ["a\"b", "a b", "a\\b", "", "a\nb"] {
            let cgroup = SocketCgroup {
                path: bad.into(),
                level: 1,
            };
            let err = script(&cgroup, &[Ipv4Addr::LOCALHOST], 1).expect_err(bad);
            assert!(err.to_string().contains("cannot name cgroup"), "{err}");
        }
    }
}
