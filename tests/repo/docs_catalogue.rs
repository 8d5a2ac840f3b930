//! The repository's own documentation is a contract too: docs/rules.md is generated from the
//! rule registry, docs/scenarios.md lists exactly the drill's scenarios, and every relative
//! link of the README and docs/ lands on a file and heading that exist.
//!
//! After adding or changing a rule: `REDIS_HA_GEN_BLESS_DOCS=1 cargo test --test repo
//! docs_catalogue::` (or `redis-ha-gen rules --format markdown > docs/rules.md`).

use crate::common;

use crate::markdown;

use redis_ha_gen::drill::scenarios::SCENARIOS;
use std::path::{Path, PathBuf};

#[test]
fn docs_rules_md_is_the_registry_rendered() {
    let output = common::binary()
        .args(["rules", "--format", "markdown"])
        .output()
        .expect("run redis-ha-gen");
    assert!(output.status.success(), "{output:?}");
    let generated = String::from_utf8(output.stdout).expect("UTF-8");
    let path = Path::new("docs/rules.md");
    // Blessed only when it differs, and through a rename: the link test beside this one reads
    // every doc at the same time, and a file truncated for rewriting has no headings (it
    // failed once so while blessing an unchanged docs/rules.md).
    if std::env::var_os("REDIS_HA_GEN_BLESS_DOCS").is_some()
        && std::fs::read_to_string(path).ok().as_deref() != Some(generated.as_str())
    {
        let fresh = path.with_extension("md.new");
        std::fs::write(&fresh, &generated).expect("write docs/rules.md.new");
        std::fs::rename(&fresh, path).expect("rename it to docs/rules.md");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rules.md is stale: regenerate it with `REDIS_HA_GEN_BLESS_DOCS=1 cargo test \
         --test repo docs_catalogue::` (or `redis-ha-gen rules --format markdown > docs/rules.md`)"
    );
}

/// The scenario names of docs/scenarios.md's table, in order.
fn documented_scenarios() -> Vec<String> {
    let text = std::fs::read_to_string("docs/scenarios.md").expect("docs/scenarios.md");
    text.lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`'))
        .map(|(name, _)| name.to_owned())
        .collect()
}

#[test]
fn docs_scenarios_md_lists_exactly_the_drills_scenarios() {
    let documented = documented_scenarios();
    let running: Vec<String> = SCENARIOS.iter().map(|s| s.name.to_owned()).collect();
    let undocumented: Vec<&String> = running.iter().filter(|n| !documented.contains(n)).collect();
    let stale: Vec<&String> = documented.iter().filter(|n| !running.contains(n)).collect();
    assert!(
        undocumented.is_empty() && stale.is_empty(),
        "docs/scenarios.md: scenarios without a row {undocumented:?}; rows of no scenario {stale:?}"
    );
}

/// README.md and every docs/*.md.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![PathBuf::from("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir("docs")
        .expect("docs/")
        .map(|entry| entry.expect("docs entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

#[test]
fn every_relative_link_lands_on_a_file_and_heading_that_exist() {
    let mut broken = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).expect("read page");
        for link in markdown::links(&text) {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            let (file, fragment) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() {
                page.clone()
            } else {
                page.parent().expect("parent").join(file)
            };
            if !target.exists() {
                broken.push(format!(
                    "{}: {link}: no file {}",
                    page.display(),
                    target.display()
                ));
                continue;
            }
            let is_markdown = target.extension().is_some_and(|ext| ext == "md");
            if fragment.is_empty() || !is_markdown {
                continue;
            }
            let target_text = std::fs::read_to_string(&target).expect("read target");
            let anchors = markdown::headings(&target_text);
            if !anchors.iter().any(|(_, slug)| slug == fragment) {
                broken.push(format!(
                    "{}: {link}: no heading #{fragment}",
                    page.display()
                ));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// Every file under `dir`, recursively, in name order.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| entry.expect("entry").path())
        .collect();
    entries.sort();
    entries
        .into_iter()
        .flat_map(|path| {
            if path.is_dir() {
                files_under(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

#[test]
fn code_and_docs_cite_only_files_the_repository_has() {
    // Design notes that lived outside the repository: users never see them, so neither code
    // comments, `explain` texts, templates nor docs may send them there.
    // Built from parts, so this test is not itself such a citation.
    let foreign: Vec<String> = ["product", "ha-behaviour", "anchors", "style"]
        .iter()
        .map(|stem| format!("{stem}.md"))
        .chain([format!("/work/{}", "shared")])
        .collect();
    let mut citations = Vec::new();
    let mut files = pages();
    files.extend(files_under(Path::new("src")));
    files.extend(files_under(Path::new("templates")));
    for page in files {
        let Ok(text) = std::fs::read_to_string(&page) else {
            continue;
        };
        for (number, line) in text.lines().enumerate() {
            if foreign.iter().any(|name| line.contains(name)) {
                citations.push(format!("{}:{}: {line}", page.display(), number + 1));
            }
        }
    }
    assert!(citations.is_empty(), "{}", citations.join("\n"));
}
