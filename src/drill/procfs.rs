//! The host's process table, read from `/proc`: parent, process group and state of every
//! process, so the drill can tell a container's processes (the descendants of its sandbox)
//! and the zombies among them.

/// One line of the process table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessEntry {
    pub pid: i32,
    pub ppid: i32,
    pub pgid: i32,
    /// `R`, `S`, `D`, `Z`, `T`, …
    pub state: char,
}

/// `/proc/<pid>/stat`: the fields after the command name (which may hold spaces and
/// parentheses, so the last `)` ends it).
pub fn parse_stat(pid: i32, stat: &str) -> Option<ProcessEntry> {
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let mut fields = rest.split(' ');
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgid = fields.next()?.parse().ok()?;
    Some(ProcessEntry {
        pid,
        ppid,
        pgid,
        state,
    })
}

/// Every process on the host (those that exit while it is read are left out).
pub fn table() -> Vec<ProcessEntry> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut table: Vec<ProcessEntry> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            parse_stat(pid, &stat)
        })
        .collect();
    table.sort_by_key(|p| p.pid);
    table
}

/// `root` and every process below it, in pid order.
pub fn descendants(table: &[ProcessEntry], root: i32) -> Vec<ProcessEntry> {
    let mut found: Vec<i32> = vec![root];
    let mut grew = true;
    while grew {
        grew = false;
        for p in table {
            if !found.contains(&p.pid) && found.contains(&p.ppid) {
                found.push(p.pid);
                grew = true;
            }
        }
    }
    table
        .iter()
        .filter(|p| found.contains(&p.pid))
        .copied()
        .collect()
}

/// The children of `parent`.
pub fn children(table: &[ProcessEntry], parent: i32) -> Vec<i32> {
    table
        .iter()
        .filter(|p| p.ppid == parent)
        .map(|p| p.pid)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_a_command_holding_parentheses() {
        let entry = parse_stat(42, "42 (a) b (c)) Z 7 42 42 0 -1").expect("parses");
        assert_eq!(
            entry,
            ProcessEntry {
                pid: 42,
                ppid: 7,
                pgid: 42,
                state: 'Z'
            }
        );
        assert_eq!(parse_stat(1, "garbage"), None);
    }

    #[test]
    fn descendants_follow_parents_transitively() {
        let p = |pid, ppid| ProcessEntry {
            pid,
            ppid,
            pgid: 0,
            state: 'S',
        };
        let table = [p(1, 0), p(10, 1), p(11, 10), p(12, 11), p(20, 1)];
        let pids: Vec<i32> = descendants(&table, 10).iter().map(|p| p.pid).collect();
        assert_eq!(pids, [10, 11, 12]);
        assert_eq!(children(&table, 1), [10, 20]);
    }
}
