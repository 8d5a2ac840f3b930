//! The man pages: clap_mangen's sections (name, synopsis, options, subcommands) from the
//! same definition the binary parses with, plus the sections a man page is expected to
//! have and clap cannot derive: EXIT STATUS (each command's own, from its help), EXAMPLES,
//! FILES and ENVIRONMENT where they apply.

use clap::Command;
use clap_mangen::Man;

/// Examples per command (by its name as typed after `redis-ha-gen`; "" is the top level).
const EXAMPLES: &[(&str, &[(&str, &str)])] = &[
    (
        "",
        &[
            (
                "Render the production profile into a directory for kubectl apply -k:",
                "redis-ha-gen --profile production --output-dir deploy/redis-ha",
            ),
            (
                "Lint that directory in CI, as GitHub annotations:",
                "redis-ha-gen lint deploy/redis-ha/ --format github",
            ),
            (
                "Check the running set:",
                "redis-ha-gen status --target kubectl --namespace kubernaut-system",
            ),
        ],
    ),
    (
        "render",
        &[
            (
                "One file per concern, with a kustomization.yaml:",
                "redis-ha-gen render --profile production --output-dir deploy/redis-ha",
            ),
            (
                "A profile of your own, one field overridden, straight to kubectl:",
                "redis-ha-gen render --profile my-profile.yaml --set sentinel.quorum=2 | kubectl apply -f -",
            ),
        ],
    ),
    (
        "validate",
        &[(
            "The findings of a profile as JSON:",
            "redis-ha-gen validate --profile my-profile.yaml --format json",
        )],
    ),
    (
        "profiles",
        &[("The built-in profiles:", "redis-ha-gen profiles")],
    ),
    (
        "show-profile",
        &[(
            "Every field of a profile with its overrides, resolved:",
            "redis-ha-gen show-profile production -f overrides.yaml -o json",
        )],
    ),
    (
        "schema",
        &[(
            "A JSON Schema for editor completion:",
            "redis-ha-gen schema profile > redis-ha-profile.schema.json",
        )],
    ),
    (
        "lint",
        &[
            (
                "A folder, recursively:",
                "redis-ha-gen lint deploy/redis-ha/",
            ),
            (
                "A chart's output, named for the annotations:",
                "helm template my-redis bitnami/redis | redis-ha-gen lint - --stdin-filename my-redis.yaml",
            ),
            (
                "SARIF for GitHub code scanning:",
                "redis-ha-gen lint deploy/ --format sarif > results.sarif",
            ),
            (
                "A JUnit report for GitLab or Jenkins:",
                "redis-ha-gen lint deploy/ --format junit > lint-report.xml",
            ),
            (
                "Record today's findings, then report only new ones:",
                "redis-ha-gen lint deploy/ --write-baseline lint-baseline.json && redis-ha-gen lint deploy/ --baseline lint-baseline.json",
            ),
        ],
    ),
    (
        "rules",
        &[(
            "The catalogue as Markdown:",
            "redis-ha-gen rules --format markdown > rule-catalogue.md",
        )],
    ),
    (
        "explain",
        &[(
            "Why a rule fires and how to fix it:",
            "redis-ha-gen explain sentinel-config-read-only",
        )],
    ),
    (
        "drill",
        &[
            (
                "Every scenario on the production profile:",
                "sudo redis-ha-gen drill --profile production",
            ),
            (
                "Two scenarios, as JSON:",
                "sudo redis-ha-gen drill --profile kind --scenario master-down,master-freeze --format json",
            ),
            (
                "The production profile with your values file merged on (as for render):",
                "sudo redis-ha-gen drill --profile production -f values.yaml",
            ),
            (
                "Manifests rendered earlier or written by hand (`-`: stdin):",
                "sudo redis-ha-gen drill --manifests redis-ha.yaml",
            ),
        ],
    ),
    (
        "status",
        &[
            (
                "A set deployed in a cluster:",
                "redis-ha-gen status --target kubectl --namespace kubernaut-system",
            ),
            (
                "Direct addresses, with the password from the environment:",
                "REDISCLI_AUTH=secret redis-ha-gen status 10.0.0.5:6379 10.0.0.5:26379",
            ),
        ],
    ),
    (
        "completions",
        &[(
            "Bash completion for every user:",
            "redis-ha-gen completions bash > /etc/bash_completion.d/redis-ha-gen",
        )],
    ),
    (
        "man",
        &[(
            "Every page:",
            "redis-ha-gen man --output-dir /usr/local/share/man/man1",
        )],
    ),
];

/// Commands that read `.redis-ha-gen.yaml`.
const READS_CONFIG: &[&str] = &["", "render", "validate", "lint"];

/// Environment variables per command.
const ENVIRONMENT: &[(&str, &[&str])] = &[
    ("NO_COLOR", &["", "render", "validate", "lint"]),
    ("REDISCLI_AUTH", &["", "status"]),
    ("KUBECONFIG", &["", "status", "drill"]),
];

fn environment_text(variable: &str) -> &'static str {
    match variable {
        "NO_COLOR" => {
            "When set (to anything), text output has no colour; colour is used only on a terminal anyway."
        }
        "REDISCLI_AUTH" => {
            "The password status sends to Redis and Sentinel at direct addresses, as redis-cli reads it; it never appears on a command line."
        }
        _ => "Read by kubectl, which status --target kubectl and drill --target kubectl run.",
    }
}

/// The page of `command` (built), named `short` after `redis-ha-gen` ("" for the top).
pub fn page(command: &Command, short: &str) -> std::io::Result<Vec<u8>> {
    let man = Man::new(command.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    if command.get_arguments().any(|arg| !arg.is_hide_set()) {
        man.render_options_section(&mut out)?;
    }
    if command.has_subcommands() {
        man.render_subcommands_section(&mut out)?;
    }
    let after = command
        .get_after_help()
        .map(ToString::to_string)
        .unwrap_or_default();
    let (exit, notes) = exit_status(&after);
    if !exit.is_empty() {
        section(&mut out, "EXIT STATUS", &paragraph(&exit));
    }
    if !notes.is_empty() {
        section(&mut out, "NOTES", &paragraph(&notes));
    }
    if let Some((_, examples)) = EXAMPLES.iter().find(|(name, _)| *name == short) {
        let mut body = String::new();
        for (what, example) in *examples {
            body.push_str(&paragraph(what));
            body.push_str(&format!(".RS 4\n.nf\n{}\n.fi\n.RE\n", escape(example)));
        }
        section(&mut out, "EXAMPLES", &body);
    }
    if READS_CONFIG.contains(&short) {
        section(
            &mut out,
            "FILES",
            &format!(
                ".TP\n{}\n{}",
                escape(".redis-ha-gen.yaml"),
                paragraph_text(
                    "In the working directory, or the file --config names: rule severities, \
                     paths to ignore, the Kubernetes version."
                )
            ),
        );
    }
    let variables: Vec<&str> = ENVIRONMENT
        .iter()
        .filter(|(_, commands)| commands.contains(&short))
        .map(|(variable, _)| *variable)
        .collect();
    if !variables.is_empty() {
        let mut body = String::new();
        for variable in variables {
            body.push_str(&format!(
                ".TP\n{}\n{}",
                escape(variable),
                paragraph_text(environment_text(variable))
            ));
        }
        section(&mut out, "ENVIRONMENT", &body);
    }
    if command.get_version().is_some() {
        man.render_version_section(&mut out)?;
    }
    Ok(out)
}

/// A command's help epilogue split into the sentence that states its exit status
/// ("Exit status: …" or "Exit codes: …") and the rest.
fn exit_status(after: &str) -> (String, String) {
    let marker = ["Exit status: ", "Exit codes: "]
        .iter()
        .find_map(|marker| after.find(marker).map(|at| (at, marker.len())));
    let Some((at, len)) = marker else {
        return (String::new(), after.trim().to_owned());
    };
    let sentence = &after[at + len..];
    let end = [". ", ".\n"]
        .iter()
        .filter_map(|stop| sentence.find(stop))
        .min()
        .map_or(sentence.len(), |end| end + 1);
    let exit = sentence[..end].trim().to_owned();
    let notes = format!("{}\n{}", after[..at].trim(), sentence[end..].trim());
    (exit, notes.trim().to_owned())
}

fn section(out: &mut Vec<u8>, title: &str, body: &str) {
    out.extend_from_slice(format!(".SH \"{title}\"\n{body}").as_bytes());
}

fn paragraph(text: &str) -> String {
    format!(".PP\n{}", paragraph_text(text))
}

/// Text lines, each escaped; a blank line of the source starts a new paragraph.
fn paragraph_text(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            out.push_str(".PP\n");
        } else {
            out.push_str(&escape(line.trim()));
            out.push('\n');
        }
    }
    out
}

/// Roff-safe text: backslashes and hyphens escaped, no line starting as a request.
fn escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roff_escapes_requests_backslashes_and_hyphens() {
        assert_eq!(escape(".redis-ha-gen.yaml"), "\\&.redis\\-ha\\-gen.yaml");
        assert_eq!(escape("a\\b"), "a\\eb");
    }

    #[test]
    fn the_exit_sentence_is_split_from_the_notes() {
        let (exit, notes) =
            exit_status("Scenarios: a, b.\nExit status: 0 done, 2 could not run (bad flag). More.");
        assert_eq!(exit, "0 done, 2 could not run (bad flag).");
        assert_eq!(notes, "Scenarios: a, b.\nMore.");
        let (exit, notes) = exit_status("Exit codes: 0 healthy, 2 could not run.");
        assert_eq!(
            (exit.as_str(), notes.as_str()),
            ("0 healthy, 2 could not run.", "")
        );
    }

    #[test]
    fn every_command_has_examples() {
        let mut command = super::super::help::command().disable_help_subcommand(true);
        command.build();
        for sub in command.get_subcommands() {
            let name = sub.get_name();
            assert!(
                EXAMPLES.iter().any(|(n, _)| *n == name),
                "no examples for `{name}`"
            );
        }
    }
}
