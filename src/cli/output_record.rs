//! The record `--output-dir` keeps of what it wrote: `.redis-ha-gen-output` in DIR, one
//! line per file with a fingerprint of its content. A later run replaces or removes only
//! files the record names and whose content is still what was written, so it never deletes
//! a file someone added to DIR, nor an edit made to one of its files.

use std::collections::BTreeMap;
use std::fmt::Write;

/// The record's file name in DIR. Hidden, so `ls` and kustomize leave it alone.
pub const RECORD: &str = ".redis-ha-gen-output";

const HEADER: &str = "# Written by redis-ha-gen --output-dir: the files it wrote here, each with \
a fingerprint (FNV-1a 64) of its content.\n# A later run replaces only these files, and only \
while they are unchanged. Do not edit.\n";

/// FNV-1a, 64 bits: stable across versions and machines, enough to tell an edited file
/// from the one written (not a defence against someone forging a file on purpose).
fn fingerprint(text: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The record of `files` (name → content), in name order.
pub fn render(files: &BTreeMap<String, String>) -> String {
    let mut out = String::from(HEADER);
    for (name, text) in files {
        let _ = writeln!(out, "{}  {name}", fingerprint(text.as_bytes()));
    }
    out
}

/// Name → fingerprint, from a record's text (comments and malformed lines skipped).
pub fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once("  "))
        .map(|(hash, name)| (name.to_owned(), hash.to_owned()))
        .collect()
}

/// What a run may do with an entry of DIR it finds there.
#[derive(Debug, PartialEq, Eq)]
pub enum Entry {
    /// Written by an earlier run and unchanged since: may be replaced or removed.
    Ours,
    /// Written by an earlier run, then edited.
    Edited,
    /// Not written by redis-ha-gen.
    Foreign,
}

/// Judge the entry `name` (its content `text`, `None` for anything but a regular file).
pub fn judge(record: &BTreeMap<String, String>, name: &str, text: Option<&[u8]>) -> Entry {
    match (record.get(name), text) {
        (Some(hash), Some(text)) if *hash == fingerprint(text) => Entry::Ours,
        (Some(_), Some(_)) => Entry::Edited,
        _ => Entry::Foreign,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_and_judges_what_it_lists() {
        let files = BTreeMap::from([
            (
                "kustomization.yaml".to_owned(),
                "resources: []\n".to_owned(),
            ),
            (
                "redis-pdb.yaml".to_owned(),
                "kind: PodDisruptionBudget\n".to_owned(),
            ),
        ]);
        let record = parse(&render(&files));
        assert_eq!(record.len(), 2);
        let pdb = b"kind: PodDisruptionBudget\n";
        assert_eq!(judge(&record, "redis-pdb.yaml", Some(pdb)), Entry::Ours);
        assert_eq!(
            judge(&record, "redis-pdb.yaml", Some(b"kind: Pod\n")),
            Entry::Edited
        );
        assert_eq!(
            judge(&record, "redis-extra.yaml", Some(pdb)),
            Entry::Foreign
        );
        assert_eq!(judge(&record, "redis-pdb.yaml", None), Entry::Foreign);
    }

    #[test]
    fn the_fingerprint_is_fnv1a_64() {
        // Published test vectors of FNV-1a 64.
        assert_eq!(fingerprint(b""), "cbf29ce484222325");
        assert_eq!(fingerprint(b"a"), "af63dc4c8601ec8c");
    }
}
