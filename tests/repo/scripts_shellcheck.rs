//! The pods' scripts are clean by shellcheck's own conventions at `-S warning` (security
//! issue, item 10): the shell they run under is declared (`shell=dash`: POSIX sh plus
//! `local`, which BusyBox ash has too), each script names the file it sources, and every
//! exception is a directive with its reason next to the line. Needs `shellcheck` on PATH
//! (`make test-deps` installs Debian's).

use std::process::Command;

#[test]
fn the_pod_scripts_pass_shellcheck_at_warning_level() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/scripts");
    let mut scripts: Vec<String> = std::fs::read_dir(dir)
        .expect("templates/scripts")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sh"))
        .map(|p| p.display().to_string())
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 6, "{scripts:?}");
    let out = Command::new("shellcheck")
        .args([
            "--severity=warning",
            "--external-sources",
            "--source-path=SCRIPTDIR",
        ])
        .args(&scripts)
        .output()
        .expect("shellcheck is not installed: `make test-deps` installs it");
    assert!(
        out.status.success(),
        "shellcheck:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
