//! `lint`, `rules`, `explain`; and the findings output `validate` shares with `lint`.

use super::args::{CatalogueFormat, CheckArgs, ExplainArgs, FindingsFormat, LintArgs, RulesArgs};
use super::pipe::Stdout;
use super::rule_selection::RuleSelection;
use super::{inputs, kustomize, kustomize_build};
use crate::baseline::Baseline;
use crate::config::Config;
use crate::error::{EXIT_FINDINGS, EXIT_OK};
use crate::finding::{Finding, Summary};
use crate::profile::suggest::did_you_mean;
use crate::report::{self, Format, InputTexts, Report, RuleDoc};
use crate::rules::{self, CheckOptions, Rule};
use crate::schema::KubeVersion;
use crate::{manifest, schema};
use anyhow::Context;
use std::io::Write;

pub fn lint(args: &LintArgs, out: &mut Stdout) -> anyhow::Result<u8> {
    let (config, kube_version) = check_settings(&args.check)?;
    let ids: Vec<&str> = rules::registry().iter().map(|r| r.id).collect();
    let selection = RuleSelection::new(&args.skip, &args.only, &ids)?;
    let baseline = match &args.baseline {
        Some(path) => Some(Baseline::load(path, &ids)?),
        None => None,
    };
    let inputs::Collected {
        mut inputs,
        findings: kustomize_findings,
        builds,
    } = inputs::collect(&args.paths, &config, !args.no_kustomize_build)?;
    if let Some(name) = &args.stdin_filename {
        for input in inputs.iter_mut().filter(|i| i.file == "-") {
            input.file.clone_from(name);
        }
    }
    let files = inputs.len();
    let mut texts = InputTexts::new();
    let mut documents = Vec::new();
    let mut findings = kustomize_findings;
    for input in inputs {
        // Only text is kept for excerpts; bytes that are not UTF-8 become one finding.
        let parsed = match String::from_utf8(input.bytes) {
            Ok(text) => {
                let parsed = manifest::parse(&input.file, &text);
                texts.insert(input.file, text);
                parsed
            }
            Err(e) => manifest::parse_bytes(&input.file, e.as_bytes()),
        };
        let mut parsed_documents = parsed.documents;
        if let Some(namespace) = &input.namespace {
            kustomize::apply_namespace(&mut parsed_documents, namespace);
        }
        documents.extend(parsed_documents);
        findings.extend(parsed.findings);
    }
    kustomize_build::substitute(&mut documents, &builds, &mut findings);
    // Path order, whatever order the files were given in (rules::check).
    rules::sort_in_path_order(&mut documents);
    for document in &documents {
        findings.extend(schema::validate(document, kube_version));
    }
    let options = CheckOptions {
        complete: args.complete,
        ..CheckOptions::default()
    };
    findings.extend(rules::check(&documents, &options));
    let mut findings = selection.apply(config.apply(findings));
    report::sort(&mut findings);
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::of(&findings);
        baseline.write(path)?;
        eprintln!(
            "redis-ha-gen: wrote {} finding(s) to the baseline {}",
            baseline.len(),
            crate::escape::printable(&path.display().to_string())
        );
        return Ok(EXIT_OK);
    }
    if let Some(baseline) = &baseline {
        let applied = baseline.apply(findings);
        findings = applied.findings;
        if applied.stale > 0 {
            eprintln!(
                "redis-ha-gen: {} finding(s) of the baseline no longer occur; rewrite it with --write-baseline",
                applied.stale
            );
        }
    }
    let code = print_findings(
        args.format,
        findings,
        files,
        documents.len(),
        &texts,
        args.check.strict,
        out,
    );
    // The process ends next: freeing thousands of parsed documents node by node would cost
    // a tenth of the run, and the operating system reclaims them at once.
    std::mem::forget(documents);
    std::mem::forget(texts);
    code
}

/// The config (`--config` or `.redis-ha-gen.yaml`) and the Kubernetes version (`--kube-version`
/// wins over the config's `kube-version`; default the newest supported).
pub fn check_settings(check: &CheckArgs) -> anyhow::Result<(Config, KubeVersion)> {
    let ids: Vec<&str> = rules::registry().iter().map(|r| r.id).collect();
    let config = Config::load(check.config.as_deref(), &ids)?;
    let kube_version = match (&check.kube_version, &config.kube_version) {
        (Some(flag), _) => flag.parse().context("--kube-version")?,
        (None, Some(configured)) => configured
            .parse()
            .context("kube-version in the config file")?,
        (None, None) => KubeVersion::default(),
    };
    Ok((config, kube_version))
}

/// Print `findings` on stdout in `format` and return the exit code: 1 if any is an error
/// (or, with `strict`, a warning), else 0. `files`/`objects` go into the summary.
fn print_findings(
    format: FindingsFormat,
    mut findings: Vec<Finding>,
    files: usize,
    objects: usize,
    texts: &InputTexts,
    strict: bool,
    stdout: &mut Stdout,
) -> anyhow::Result<u8> {
    report::sort(&mut findings);
    let summary = Summary::count(&findings, files, objects);
    let terminal = stdout.is_terminal();
    let mut out = std::io::BufWriter::new(stdout);
    write_findings(
        format, &findings, &summary, texts, strict, &mut out, terminal,
    )
    .and_then(|()| out.flush())
    .context("cannot write to stdout")?;
    let failed = summary.errors > 0 || (strict && summary.warnings > 0);
    Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
}

/// Write sorted `findings` to `out` in `format`, with every rule's metadata (for SARIF).
/// Text is coloured only when `out` is a `terminal` and `NO_COLOR` is unset. Shared by
/// `lint` and `validate`/`render`; `strict` (warnings fail) for the formats that show a
/// verdict per finding (JUnit).
pub fn write_findings(
    format: FindingsFormat,
    findings: &[Finding],
    summary: &Summary,
    texts: &InputTexts,
    strict: bool,
    out: &mut dyn Write,
    terminal: bool,
) -> std::io::Result<()> {
    let docs: Vec<RuleDoc> = rules::registry().iter().map(rule_doc).collect();
    let report = Report {
        findings,
        summary,
        texts,
        rules: &docs,
    };
    let format = match format {
        FindingsFormat::Text => Format::Text {
            color: terminal && std::env::var_os("NO_COLOR").is_none(),
        },
        FindingsFormat::Json => Format::Json,
        FindingsFormat::Sarif => Format::Sarif,
        FindingsFormat::Github => Format::Github,
        FindingsFormat::Junit => Format::Junit { strict },
    };
    report::write(format, &report, out)
}

pub fn rules(args: &RulesArgs, out: &mut Stdout) -> anyhow::Result<u8> {
    let registry = rules::registry();
    let written = match args.format {
        CatalogueFormat::Json => {
            let list: Vec<serde_json::Value> = registry
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id, "severity": r.severity, "category": r.category.as_str(), "summary": r.summary,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &list)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        }
        CatalogueFormat::Text => rules_table(registry, out),
        CatalogueFormat::Markdown => out.write_all(super::catalogue::markdown(registry).as_bytes()),
    };
    written.context("cannot write to stdout")?;
    Ok(EXIT_OK)
}

fn rules_table(registry: &[Rule], out: &mut dyn Write) -> std::io::Result<()> {
    let id_width = registry.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let category_width = registry
        .iter()
        .map(|r| r.category.as_str().len())
        .max()
        .unwrap_or(0);
    for r in registry {
        let severity = r.severity.as_str();
        writeln!(
            out,
            "{:id_width$}  {severity:7}  {:category_width$}  {}",
            r.id,
            r.category.as_str(),
            r.summary
        )?;
    }
    Ok(())
}

pub fn explain(args: &ExplainArgs, out: &mut Stdout) -> anyhow::Result<u8> {
    let Some(rule) = rules::find(&args.rule) else {
        let hint = did_you_mean(&args.rule, rules::registry().iter().map(|r| r.id));
        anyhow::bail!(
            "unknown rule `{}`{hint} (`redis-ha-gen rules` lists them)",
            args.rule
        );
    };
    let mut text = format!(
        "{id}\n  category: {category}\n  severity: {severity}\n\n{summary}\n\nWhy\n{rationale}\nHow to fix\n{fix}",
        id = rule.id,
        category = rule.category.as_str(),
        severity = rule.severity,
        summary = rule.summary,
        rationale = wrap(rule.rationale, "  "),
        fix = wrap(rule.fix, "  "),
    );
    if !rule.references.is_empty() {
        text.push_str("\nReferences\n");
        for reference in rule.references {
            text.push_str(&format!("  - {reference}\n"));
        }
    }
    text.push_str(&format!(
        "\nSuppress\n  on one object: annotation `{prefix}{id}: \"<reason>\"`\n  everywhere: `rules: {{{id}: off}}` in .redis-ha-gen.yaml\n",
        prefix = crate::finding::IGNORE_CHECK_PREFIX,
        id = rule.id
    ));
    out.print(&text)?;
    Ok(EXIT_OK)
}

/// Explanation width: readable in an 80-column terminal.
const EXPLAIN_WIDTH: usize = 80;

/// `text` word-wrapped to `EXPLAIN_WIDTH` columns, each line starting with `indent`.
fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for word in text.split_whitespace() {
        if line.len() > indent.len()
            && line.chars().count() + 1 + word.chars().count() > EXPLAIN_WIDTH
        {
            out.push_str(&line);
            out.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

fn rule_doc(rule: &Rule) -> RuleDoc<'_> {
    RuleDoc {
        id: rule.id,
        severity: rule.severity,
        category: rule.category.as_str(),
        summary: rule.summary,
        rationale: rule.rationale,
        fix: rule.fix,
        help_uri: rule
            .references
            .iter()
            .copied()
            .find(|r| r.starts_with("https://")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_whole_within_the_width() {
        let text = "word ".repeat(40);
        let wrapped = wrap(&text, "  ");
        assert!(
            wrapped
                .lines()
                .all(|l| l.len() <= EXPLAIN_WIDTH && l.starts_with("  word"))
        );
        assert_eq!(wrapped.split_whitespace().count(), 40);
        let long = "x".repeat(100);
        assert_eq!(
            wrap(&long, "  "),
            format!("  {long}\n"),
            "an overlong word stays whole"
        );
    }
}
