//! No command substitution inside a pod script's here-document: the substitution's
//! processes inherit the document's pipe, and BusyBox `timeout`'s watchdog keeps it open for
//! up to a second after the command is done, so every such read cost a second (the
//! replicas' detach check ran every 1.5 s instead of 0.5 s; explore seed 45, drill
//! `master-cut-from-sentinels`). templates/scripts/common.sh, above `cli_at`, says why;
//! docs/architecture.md §18, "A check costs milliseconds".

/// Each here-document with expansions (its delimiter unquoted) of `text`: its body's lines,
/// each with its number (1-based).
fn expanding_heredocs(text: &str) -> Vec<Vec<(usize, &str)>> {
    let opener = regex::Regex::new(r#"<<(-?)\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)['"]?"#)
        .expect("the pattern compiles");
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(m) = opener.captures(lines[i]) else {
            i += 1;
            continue;
        };
        let (strip_tabs, quoted, tag) = (&m[1] == "-", !m[2].is_empty(), m[3].to_string());
        let mut body = Vec::new();
        i += 1;
        while i < lines.len() {
            let line = if strip_tabs {
                lines[i].trim_start_matches('\t')
            } else {
                lines[i]
            };
            if line == tag {
                break;
            }
            body.push((i + 1, lines[i]));
            i += 1;
        }
        if !quoted {
            found.push(body);
        }
        i += 1;
    }
    found
}

/// The lines of `text` that run a command inside a here-document.
fn substitutions_in_heredocs(text: &str) -> Vec<usize> {
    expanding_heredocs(text)
        .into_iter()
        .flatten()
        .filter(|(_, line)| line.contains("$(") || line.contains('`'))
        .map(|(n, _)| n)
        .collect()
}

#[test]
fn no_pod_script_runs_a_command_inside_a_here_document() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/scripts");
    let mut offending = Vec::new();
    let mut documents = 0;
    for entry in std::fs::read_dir(dir).expect("templates/scripts") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|x| x != "sh") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a script");
        documents += expanding_heredocs(&text).len();
        for line in substitutions_in_heredocs(&text) {
            offending.push(format!("{}:{line}", path.display()));
        }
    }
    // The scripts read replies through here-documents (the shell's own `read`, no process):
    // a scan that finds none is not looking.
    assert!(documents >= 10, "only {documents} here-documents found");
    assert!(
        offending.is_empty(),
        "a command substitution inside a here-document (read the reply into a variable \
         first):\n{}",
        offending.join("\n")
    );
}

#[test]
fn the_scan_finds_a_substitution_in_a_document_and_none_in_a_quoted_one() {
    let script = "f() {\n    while read -r l; do :; done <<EOF\n$(redis_cmd \"$LOCAL\" ROLE)\nEOF\n}\n\
                  cat <<'EOF'\n$(not run)\nEOF\nwhile read -r l; do :; done <<-EOF\n\t$reply\n\tEOF\n";
    assert_eq!(substitutions_in_heredocs(script), vec![3]);
    assert_eq!(expanding_heredocs(script).len(), 2);
    let fixed =
        "reply=$(redis_cmd \"$LOCAL\" ROLE)\nwhile read -r l; do :; done <<EOF\n$reply\nEOF\n";
    assert!(substitutions_in_heredocs(fixed).is_empty());
}
