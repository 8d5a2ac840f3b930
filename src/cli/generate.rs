//! `render`, `validate`, `profiles`, `show-profile`, `schema`.

use super::args::{
    CheckArgs, Encoding, FindingsFormat, ProfileArgs, RenderArgs, SchemaArgs, SchemaSubject,
    ShowProfileArgs, ValidateArgs,
};
use super::encode::encode;
use super::output_dir;
use super::pipe::{Pipe, Stdout};
use crate::error::{EXIT_FINDINGS, EXIT_OK};
use crate::finding::{Finding, Severity, Summary};
use crate::generate::{Generated, generate};
use crate::profile::{self, BUILTINS, Profile, ProfileRequest, ResolvedProfile};
use crate::report::{self, InputTexts};
use anyhow::{Context, bail};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};

pub fn render(args: &RenderArgs, out: &mut Stdout) -> anyhow::Result<u8> {
    let (generated, failed) = run(&args.profile, &args.check)?;
    // Warnings that do not fail the run still reach the operator, on stderr.
    if !generated.findings.is_empty() {
        let stderr = std::io::stderr();
        let terminal = stderr.is_terminal();
        print_findings(
            &generated,
            FindingsFormat::Text,
            args.check.strict,
            &mut Pipe::new(stderr.lock()),
            terminal,
        )?;
    }
    if failed {
        return Ok(EXIT_FINDINGS);
    }
    match &args.output_dir {
        Some(dir) => output_dir::write(dir, &generated.documents, args.output)?,
        None => {
            let text = encode(&generated.documents, args.output)?;
            out.print(&text)?;
        }
    }
    Ok(EXIT_OK)
}

pub fn validate(args: &ValidateArgs, out: &mut Stdout) -> anyhow::Result<u8> {
    let (generated, failed) = run(&args.profile, &args.check)?;
    let terminal = out.is_terminal();
    print_findings(&generated, args.format, args.check.strict, out, terminal)?;
    Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
}

pub fn profiles(out: &mut Stdout) -> anyhow::Result<u8> {
    let mut text = String::new();
    for builtin in BUILTINS {
        let resolved = profile::resolve(&ProfileRequest {
            profile: builtin.name.to_string(),
            ..ProfileRequest::default()
        })?;
        text.push_str(&format!(
            "{:<12}{}\n",
            builtin.name, resolved.profile.description
        ));
    }
    out.print(&text)?;
    Ok(EXIT_OK)
}

pub fn show_profile(args: &ShowProfileArgs, out: &mut Stdout) -> anyhow::Result<u8> {
    let resolved = profile::resolve(&ProfileRequest {
        profile: args.profile.clone(),
        values: args.values.clone(),
        sets: args.sets.clone(),
        namespace: args.namespace.clone(),
    })?;
    let text = match args.output {
        Encoding::Yaml => serde_saphyr::to_string(&resolved.profile)?,
        Encoding::Json => serde_json::to_string_pretty(&resolved.profile)? + "\n",
    };
    out.print(&text)?;
    Ok(EXIT_OK)
}

pub fn schema(args: &SchemaArgs, out: &mut Stdout) -> anyhow::Result<u8> {
    let schema = match args.what {
        SchemaSubject::Profile => schemars::schema_for!(Profile),
    };
    let text = serde_json::to_string_pretty(&schema)? + "\n";
    out.print(&text)?;
    Ok(EXIT_OK)
}

/// Resolve, render and validate; also say whether the findings fail the run.
fn run(profile: &ProfileArgs, check: &CheckArgs) -> anyhow::Result<(Generated, bool)> {
    let resolved = resolve(profile)?;
    let (config, version) = super::lint::check_settings(check)?;
    let mut generated = generate(&resolved, version)?;
    generated.findings = config.apply(generated.findings);
    let threshold = if check.strict {
        Severity::Warning
    } else {
        Severity::Error
    };
    let failed = generated.findings.iter().any(|f| f.severity >= threshold);
    Ok((generated, failed))
}

fn resolve(args: &ProfileArgs) -> anyhow::Result<ResolvedProfile> {
    let Some(name) = &args.profile else {
        bail!(
            "no profile given: pass --profile with a built-in ({}) or a profile file",
            BUILTINS
                .iter()
                .map(|b| b.name)
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    profile::resolve(&ProfileRequest {
        profile: name.clone(),
        values: args.values.clone(),
        sets: args.sets.clone(),
        namespace: args.namespace.clone(),
    })
}

/// Findings in `format`, with the profile lines they point at quoted in the text format.
fn print_findings(
    generated: &Generated,
    format: FindingsFormat,
    strict: bool,
    out: &mut dyn Write,
    terminal: bool,
) -> anyhow::Result<()> {
    let mut findings = generated.findings.clone();
    report::sort(&mut findings);
    let summary = Summary::count(&findings, 1, generated.documents.len());
    let texts = profile_texts(&findings);
    super::lint::write_findings(format, &findings, &summary, &texts, strict, out, terminal)
        .context("cannot write to stdout")
}

/// The text of the profile files findings point into: built-ins from the binary, user
/// files from disk (a flag such as `--set a=b` has no text).
fn profile_texts(findings: &[Finding]) -> InputTexts {
    let mut texts = InputTexts::new();
    let files: BTreeSet<&str> = findings.iter().filter_map(|f| f.file.as_deref()).collect();
    for file in files {
        let builtin = BUILTINS.iter().find(|b| b.path == file);
        let text = match builtin {
            Some(b) => Some(b.text.to_string()),
            None => crate::bounded_read::text_file(std::path::Path::new(file), file).ok(),
        };
        if let Some(text) = text {
            texts.insert(file, text);
        }
    }
    texts
}
