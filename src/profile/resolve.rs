//! Resolving a request: profile (and what it `extends:`) ← `-f` files ← `--set` ←
//! `--namespace`, merged on the source tree, then deserialized once into `Profile`.

use super::suggest::did_you_mean;
use super::tree::{self, Emitted, Entry, Origin, ProfileValue, Scalar};
use super::{Profile, ProfileRequest, ResolvedProfile};
use super::{builtin, checks, known_keys};
use anyhow::{Context, anyhow, bail};
use std::path::{Path, PathBuf};

pub fn resolve(request: &ProfileRequest) -> anyhow::Result<ResolvedProfile> {
    let mut chain = Vec::new();
    let (mut root, file) = load_profile(&request.profile, None, &mut chain)?;
    for path in &request.values {
        let source = path.display().to_string();
        let text = read(path, &source)?;
        super::refuse_manifest(&source, &text)?;
        if let Some(mut values) = tree::load(&source, &text)? {
            known_keys::ensure_profile(&values, &source)?;
            if let Some(entry) = values.take("extends") {
                bail!(
                    "{}: `extends` belongs in a profile file, not in a `-f` values file \
                     (pass the profile with --profile)",
                    entry.origin
                );
            }
            root.merge(values);
        }
    }
    for set in &request.sets {
        root.merge(set_overlay(set)?);
    }
    if let Some(namespace) = &request.namespace {
        let origin = Origin::flag(format!("--namespace {namespace}"));
        root.merge(nest(
            &["namespace".to_string()],
            ProfileValue::Scalar(Scalar::from_flag(namespace)),
            &origin,
        ));
    }
    // Defaults go underneath last, so that a null anywhere means "the default" and a partial
    // override (`redis.resources.limits.memory`) keeps its siblings.
    let provenance: std::collections::BTreeMap<String, Origin> =
        root.key_origins().into_iter().collect();
    let mut merged = defaults()?;
    known_keys::check_null_keys(&root)?;
    root.remove_nulls();
    merged.merge(root);
    let emitted = tree::emit(&merged);
    let mut profile: Profile =
        serde_saphyr::from_str(&emitted.text).map_err(|err| explain(&err, &emitted, &file))?;
    super::engine_image::apply_image_default(&mut profile, |key| provenance.contains_key(key));
    checks::check(&profile, &provenance)?;
    Ok(ResolvedProfile {
        profile,
        source: request.profile.clone(),
        file,
        provenance,
    })
}

/// Load a profile and everything it `extends:`, merged. Returns the tree and the file name
/// findings should name. `chain` holds the profiles being loaded, to detect cycles.
fn load_profile(
    spec: &str,
    base: Option<&Path>,
    chain: &mut Vec<String>,
) -> anyhow::Result<(ProfileValue, String)> {
    let (identity, source, text) = match builtin::find(spec) {
        Some(b) => (
            format!("builtin:{}", b.name),
            b.path.to_string(),
            b.text.to_string(),
        ),
        None => {
            let path = base.map_or_else(|| PathBuf::from(spec), |dir| dir.join(spec));
            if !path.is_file() {
                let hint = did_you_mean(spec, builtin::names());
                bail!(
                    "unknown profile `{spec}`: not a built-in ({}) and no file at {}{hint}",
                    builtin::names().join(", "),
                    path.display()
                );
            }
            let source = path.display().to_string();
            let identity = std::fs::canonicalize(&path)
                .map_or_else(|_| source.clone(), |p| p.display().to_string());
            let text = read(&path, &source)?;
            (identity, source, text)
        }
    };
    if chain.contains(&identity) {
        chain.push(identity);
        bail!("`extends` cycle: {}", chain.join(" → "));
    }
    chain.push(identity);
    let mut node = tree::load(&source, &text)?.with_context(|| {
        format!("{source} is empty: a profile is a mapping of fields, e.g. `extends: kind`")
    })?;
    known_keys::ensure_profile(&node, &source)?;
    if let Some(Entry { origin, value, .. }) = node.take("extends") {
        let ProfileValue::Scalar(parent) = value else {
            bail!("{origin}: `extends` must be a built-in profile name or a path");
        };
        // A file's `extends` path is relative to the file; built-ins extend only built-ins.
        let dir = match builtin::find(spec) {
            Some(_) => None,
            None => Path::new(&source).parent(),
        };
        let (mut merged, _) = load_profile(&parent.text, dir, chain)
            .with_context(|| format!("{origin}: in `extends: {}`", parent.text))?;
        merged.merge(node);
        node = merged;
    }
    chain.pop();
    Ok((node, source))
}

/// Where the built-in defaults come from in error messages; never in provenance.
const DEFAULTS: &str = "<defaults>";

fn defaults() -> anyhow::Result<ProfileValue> {
    let text = serde_saphyr::to_string(&Profile::default())?;
    tree::load(DEFAULTS, &text)?.context("the default profile serialized to nothing")
}

fn read(path: &Path, source: &str) -> anyhow::Result<String> {
    let bytes = crate::bounded_read::file(path, source)?;
    tree::decode(source, bytes)
}

/// `--set a.b.c=VALUE` as a tree to merge. A dot inside a key is written `\.`
/// (`--set labels.app\.kubernetes\.io/part-of=gateway`).
fn set_overlay(set: &str) -> anyhow::Result<ProfileValue> {
    let Some((path, value)) = set.split_once('=') else {
        bail!("--set {set}: expected PATH=VALUE, e.g. --set sentinel.quorum=2");
    };
    let keys = split_path(path);
    if keys.iter().any(String::is_empty) || keys.len() > tree::MAX_DEPTH {
        bail!("--set {set}: `{path}` is not a field path (e.g. sentinel.quorum)");
    }
    let origin = Origin::flag(format!("--set {set}"));
    // `[…]`/`{…}` is a YAML flow list or mapping (`--set redis.save=[]` turns RDB off);
    // anything else is one scalar, typed by the field it lands in.
    let value = if value.starts_with(['[', '{']) {
        let mut wrapper = tree::load(&origin.source, &format!("value: {value}"))?
            .context("unreachable: a mapping was written")?;
        let mut node = wrapper
            .take("value")
            .context("unreachable: the key was written")?
            .value;
        node.set_origin(&origin);
        node
    } else {
        ProfileValue::Scalar(Scalar::from_flag(value))
    };
    Ok(nest(&keys, value, &origin))
}

fn split_path(path: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut key = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'.') => {
                chars.next();
                key.push('.');
            }
            '.' => keys.push(std::mem::take(&mut key)),
            c => key.push(c),
        }
    }
    keys.push(key);
    keys
}

fn nest(keys: &[String], value: ProfileValue, origin: &Origin) -> ProfileValue {
    keys.iter().rev().fold(value, |inner, key| {
        ProfileValue::Map(vec![Entry {
            key: key.clone(),
            origin: origin.clone(),
            value: inner,
        }])
    })
}

/// Turn a deserialization error in the merged text into one that names the user's source,
/// line, field, and what would be valid there.
fn explain(err: &serde_saphyr::Error, emitted: &Emitted, file: &str) -> anyhow::Error {
    let at = err
        .location()
        .and_then(|l| usize::try_from(l.line()).ok())
        .and_then(|line| emitted.at_line(line));
    let Some((path, origin)) = at else {
        return anyhow!("{file}: {}", short_message(err));
    };
    match err.without_snippet() {
        serde_saphyr::Error::SerdeUnknownField {
            field, expected, ..
        } => {
            let parent = path.rsplit_once('.').map_or("", |(p, _)| p);
            let level = if parent.is_empty() {
                "the top level".to_string()
            } else {
                format!("`{parent}`")
            };
            let hint = did_you_mean(field, expected.iter().copied());
            anyhow!(
                "unknown field `{field}` at {level} ({origin}){hint}\n  valid fields at {level}: {}",
                expected.join(", ")
            )
        }
        serde_saphyr::Error::SerdeUnknownVariant {
            variant, expected, ..
        } => {
            let hint = did_you_mean(variant, expected.iter().copied());
            anyhow!(
                "`{path}` ({origin}): unknown value `{variant}`, expected one of {}{hint}",
                expected.join(", ")
            )
        }
        _ => anyhow!("`{path}` ({origin}): {}", expectation(&short_message(err))),
    }
}

/// The error's message without the position and snippet (we print our own position).
fn short_message(err: &serde_saphyr::Error) -> String {
    let text = err.to_string();
    let first = text.lines().next().unwrap_or_default();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    match first.strip_prefix("line ").and_then(|r| r.split_once(": ")) {
        Some((_, message)) => message.to_string(),
        None => first.to_string(),
    }
}

/// Say what type the field wants, in the profile's terms: never the parser's own words
/// (`invalid u32`, `expected mapping start`), which name Rust types and YAML events.
fn expectation(message: &str) -> String {
    let wanted = match message {
        "invalid u32" => "a whole number from 0 to 4294967295",
        "invalid u16" => "a whole number from 0 to 65535",
        "invalid bool" | "invalid boolean" => "true or false",
        "expected mapping start" => "a mapping of fields, not a single value or a list",
        "expected sequence start" => "a list (e.g. `[\"900 1\"]`)",
        "expected string scalar" | "expected scalar" => "a single value, not a list or a mapping",
        _ => return crate::plain_errors::plain(message),
    };
    format!("expected {wanted}")
}
