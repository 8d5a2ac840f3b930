//! Reading the files a container sees: ConfigMap/Secret volumes, and files its start
//! scripts (of init containers and its own) write with `cp`, `cat > … <<EOF` or `echo >>`.

use super::cache::{ParsedConf, TextCache};
use super::conf::{Conf, Origin, Setting};
use super::script::Script;
use super::shell::DESCRIPTOR;
use super::source_kind::SourceKind;
use super::vars::{self, Vars};
use super::workload::{VolumeSource, Workload, data_pointer};
use super::{Loc, SourceObjects};
use crate::manifest::Document;
use crate::redis_conf::{self, ConfText};
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Deepest chain of `include`s and copies followed (Redis itself has no limit; loops exist).
const MAX_DEPTH: u8 = 4;

/// A file read from a ConfigMap/Secret volume.
pub struct MountedFile<'a> {
    /// Borrowed from the document, decoded for a Secret's base64 `data`.
    pub text: Cow<'a, str>,
    /// The data key holding the text.
    pub loc: Loc,
    pub kind: SourceKind,
    /// The volumeMount through which it is read.
    pub mount: Loc,
}

/// The files of one workload; `'d` is the documents' lifetime, which texts read from them keep.
pub struct Files<'a, 'd> {
    pub docs: &'d [Document],
    pub sources: &'a SourceObjects,
    pub workload: &'a Workload,
    pub scripts: &'a [Script],
    pub cache: &'a TextCache<'d>,
    /// Variables each container's scripts assign (same index as `workload.containers`),
    /// worked out on first use: finding the scripts, and init containers, need none.
    vars: Vec<OnceCell<Vars>>,
}

impl<'a, 'd> Files<'a, 'd> {
    /// The file at `path` in container `c`, if a ConfigMap/Secret volume provides it.
    pub fn mounted(&self, c: usize, path: &str) -> Option<MountedFile<'d>> {
        let container = self.workload.containers.get(c)?;
        let (mount, rel) = self.workload.mount_for(container, path)?;
        let volume = self.workload.volume(&mount.volume)?;
        let VolumeSource::Object {
            kind, name, items, ..
        } = &volume.source
        else {
            return None;
        };
        let file = match (&mount.sub_path, rel.is_empty()) {
            (Some(sub), true) => sub.clone(),
            (None, false) => rel,
            _ => return None,
        };
        let key = if items.is_empty() {
            file
        } else {
            items.iter().find(|(_, p)| *p == file)?.0.clone()
        };
        let ns = self.workload.namespace.clone();
        let doc = *self.sources.get(&(ns, *kind, name.clone()))?;
        let (text, field) = data_text(&self.docs[doc].value, *kind, &key)?;
        Some(MountedFile {
            text,
            loc: Loc::new(doc, data_pointer(field, &key)),
            kind: *kind,
            mount: self.workload.loc(mount.pointer.clone()),
        })
    }

    /// The configuration at `path` as container `c` loads it, `include`s expanded;
    /// `None` when its content cannot be followed.
    pub fn conf(&self, c: usize, path: &str, depth: u8) -> Option<Conf> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut conf = self.written(c, path).or_else(|| {
            let file = self.mounted(c, path)?;
            let (settings, errors) = located(&self.cache.conf(&file.loc, file.text), &file.loc, 0);
            Some(Conf {
                path: Some(path.to_string()),
                origin: Origin::Mounted {
                    kind: file.kind,
                    mount: file.mount,
                },
                settings,
                errors,
                sentinel_index: Default::default(),
            })
        })?;
        conf.settings = self.expand_includes(c, std::mem::take(&mut conf.settings), depth);
        Some(conf)
    }

    /// `settings` with each `include` replaced by the directives of the file it names (kept
    /// as written when that file cannot be followed).
    pub fn expand_includes(&self, c: usize, settings: Vec<Setting>, depth: u8) -> Vec<Setting> {
        if !settings.iter().any(|s| s.directive.name == "include") {
            return settings;
        }
        let mut expanded = Vec::with_capacity(settings.len());
        for s in settings {
            match s.arg(0).filter(|_| s.directive.name == "include") {
                Some(inc) => match self.conf(c, inc, depth + 1) {
                    Some(included) => expanded.extend(included.settings),
                    None => expanded.push(s),
                },
                None => expanded.push(s),
            }
        }
        expanded
    }

    /// Scripts that run before container `c`'s server starts: init containers' and its own.
    fn scripts_before(&self, c: usize) -> impl Iterator<Item = &Script> {
        self.scripts.iter().filter(move |s| {
            s.container == c
                || self
                    .workload
                    .containers
                    .get(s.container)
                    .is_some_and(|x| x.init)
        })
    }

    /// Reading files of `workload` once its start scripts are known.
    pub fn new(
        docs: &'d [Document],
        sources: &'a SourceObjects,
        workload: &'a Workload,
        scripts: &'a [Script],
        cache: &'a TextCache<'d>,
    ) -> Files<'a, 'd> {
        Files {
            docs,
            sources,
            workload,
            scripts,
            cache,
            vars: workload
                .containers
                .iter()
                .map(|_| OnceCell::new())
                .collect(),
        }
    }

    /// The variables set when container `c`'s server starts.
    pub fn vars(&self, c: usize) -> Option<&Vars> {
        Some(self.vars.get(c)?.get_or_init(|| self.assigned(c)))
    }

    /// The variables the scripts before container `c`'s server assign.
    fn assigned(&self, c: usize) -> Vars {
        let mut vars: Vars = self
            .workload
            .containers
            .get(c)
            .map(|x| x.env.iter().cloned().collect())
            .unwrap_or_default();
        for script in self.scripts_before(c) {
            vars::assign(&script.parsed.commands, &mut vars);
        }
        vars
    }

    /// The file at `path` as the start scripts leave it, reading them in order: `cp`/`mv`,
    /// and `cat`/`sed`/`grep`/`echo`/`printf`/here-documents redirected into a file.
    fn written(&self, c: usize, path: &str) -> Option<Conf> {
        let vars = self.vars(c)?;
        let mut files: HashMap<String, Written> = HashMap::new();
        for script in self.scripts_before(c) {
            for cmd in &script.parsed.commands {
                // Output to another descriptor (`echo … >&2`, the usual log line) writes no file.
                let output = cmd.output.as_deref().filter(|o| *o != DESCRIPTOR);
                let writes = output.is_some()
                    || matches!(cmd.words.first().map(String::as_str), Some("cp" | "mv"));
                if !writes {
                    continue;
                }
                // Only a copy, a here-document or a command passing text on gives the file a
                // content: the words of any other (`redis-cli … >/dev/null`) need no expanding.
                let verb = cmd.words.first().map(|w| vars::expand(w, vars));
                let copy = matches!(verb.as_deref(), Some("cp" | "mv"));
                let passes_text = cmd.heredoc.is_some()
                    || matches!(
                        verb.as_deref(),
                        Some("echo" | "printf" | "cat" | "sed" | "grep")
                    );
                let gives_content = copy || (output.is_some() && passes_text);
                if !gives_content {
                    continue;
                }
                let words: Vec<String> = verb
                    .map(Cow::into_owned)
                    .into_iter()
                    .chain(
                        cmd.words
                            .iter()
                            .skip(1)
                            .map(|w| vars::expand(w, vars).into_owned()),
                    )
                    .collect();
                let at = script.at(cmd.line);
                let first = words.first().map(String::as_str);
                if let Some(verb @ ("cp" | "mv")) = first {
                    for (src, dst) in copies(&words) {
                        let content = match files.get(src) {
                            Some(w) => Some(w.clone()),
                            None => self.mounted_conf(script.container, src),
                        };
                        if let Some(content) = content {
                            files.insert(
                                dst,
                                Written {
                                    at: at.clone(),
                                    ..content
                                },
                            );
                        }
                        if verb == "mv" {
                            files.remove(src);
                        }
                    }
                    continue;
                }
                let Some(out) = output else {
                    continue;
                };
                let out = vars::expand(out, vars).into_owned();
                let content = match (&cmd.heredoc, first) {
                    (Some((body, line)), _) => Some(Written {
                        parts: vec![Part {
                            text: self.cache.conf(&script.at(*line), Cow::Owned(body.clone())),
                            base: script.loc.clone(),
                            offset: *line,
                        }],
                        at: at.clone(),
                    }),
                    (None, Some("echo" | "printf")) => {
                        // Quoting inside the echoed text is the shell's, not Redis's: a
                        // line like `requirepass $(quote "$X")` is whole at run time.
                        let text = ConfText {
                            errors: Vec::new(),
                            ..redis_conf::parse(&echoed(&words), 0)
                        };
                        Some(Written {
                            parts: vec![Part {
                                text: Rc::new(ParsedConf::from(text)),
                                base: script.loc.clone(),
                                offset: cmd.line,
                            }],
                            at: at.clone(),
                        })
                    }
                    (None, Some("cat" | "sed" | "grep")) => {
                        let mut acc: Option<Written> = None;
                        for src in read_operands(&words) {
                            let part = files
                                .get(src)
                                .cloned()
                                .or_else(|| self.mounted_conf(script.container, src));
                            match (&mut acc, part) {
                                (Some(a), Some(part)) => a.extend(part),
                                (None, part) => acc = part,
                                _ => {}
                            }
                        }
                        acc
                    }
                    _ => None,
                };
                let Some(content) = content else { continue };
                match files.get_mut(&out) {
                    Some(existing) if cmd.append => existing.extend(content),
                    _ => {
                        files.insert(out, Written { at, ..content });
                    }
                }
            }
        }
        let w = files.remove(path)?;
        let mut settings = Vec::new();
        let mut errors = Vec::new();
        for part in &w.parts {
            let (s, e) = located(&part.text, &part.base, part.offset);
            settings.extend(s);
            errors.extend(e);
        }
        Some(Conf {
            path: Some(path.to_string()),
            origin: Origin::Written {
                storage: self.workload.storage(c, path),
                at: w.at,
            },
            settings,
            errors,
            sentinel_index: Default::default(),
        })
    }

    /// A configuration file from a ConfigMap/Secret volume, as file content.
    fn mounted_conf(&self, c: usize, path: &str) -> Option<Written> {
        let file = self.mounted(c, path)?;
        Some(Written {
            parts: vec![Part {
                text: self.cache.conf(&file.loc, file.text),
                base: file.loc.clone(),
                offset: 0,
            }],
            at: file.loc,
        })
    }
}

/// Configuration text parsed once, and where it is written: the string at `base`, its
/// lines starting at `offset` there (a here-document starts inside its script).
#[derive(Clone)]
struct Part {
    text: Rc<ParsedConf>,
    base: Loc,
    offset: usize,
}

/// A file's content while reading start scripts: the texts it is made of, in order
/// (shared, so copying or appending a file copies no directives).
#[derive(Clone)]
struct Written {
    parts: Vec<Part>,
    /// The command that wrote it.
    at: Loc,
}

impl Written {
    fn extend(&mut self, more: Written) {
        self.parts.extend(more.parts);
    }
}

/// The files `cat`, `sed SCRIPT` or `grep PATTERN` read (their operands that are paths).
fn read_operands(words: &[String]) -> Vec<&str> {
    let operands: Vec<&str> = words[1..]
        .iter()
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    match words[0].as_str() {
        "cat" => operands,
        _ => operands
            .last()
            .filter(|w| w.starts_with('/'))
            .into_iter()
            .copied()
            .collect(),
    }
}

/// `cp|mv [flags] SRC… DST`: each source and the path it lands at (DST, or DST/basename
/// when DST is a directory: written with a trailing `/`, or several sources, or a
/// dot-less name receiving a dotted one).
fn copies(words: &[String]) -> Vec<(&str, String)> {
    let operands: Vec<&str> = words[1..]
        .iter()
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    let Some((dst, srcs)) = operands.split_last() else {
        return Vec::new();
    };
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    srcs.iter()
        .map(|src| {
            let into_dir = dst.ends_with('/')
                || srcs.len() > 1
                || (!base(dst).contains('.') && base(src).contains('.'));
            let to = if into_dir {
                format!("{}/{}", dst.trim_end_matches('/'), base(src))
            } else {
                dst.to_string()
            };
            (*src, to)
        })
        .collect()
}

/// The text `echo [-e|-n] WORDS…` or `printf FORMAT` writes.
fn echoed(words: &[String]) -> String {
    let args: Vec<&str> = words[1..]
        .iter()
        .map(String::as_str)
        .skip_while(|w| w.starts_with('-'))
        .collect();
    if words[0] == "printf" {
        let Some((format, values)) = args.split_first() else {
            return String::new();
        };
        printf(format, values).replace("\\n", "\n")
    } else {
        args.join(" ")
    }
}

/// `printf FORMAT VALUES…` with `%s`/`%d` taking the values in order (once through the
/// format, which is how start scripts use it) and `%%` a percent sign.
fn printf(format: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(format.len());
    let mut values = values.iter();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s' | 'd') => out.push_str(values.next().copied().unwrap_or("")),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// Directives and errors of configuration text written in the string at `base`, the
/// text's lines starting at line `offset` of that string.
pub fn located(
    parsed: &ParsedConf,
    base: &Loc,
    offset: usize,
) -> (Vec<Setting>, Vec<(Loc, String)>) {
    let at = |line| Loc {
        line: Some(line + offset),
        ..base.clone()
    };
    let settings = parsed
        .directives
        .iter()
        .map(|d| Setting {
            loc: at(d.line),
            directive: match offset {
                0 => d.clone(),
                _ => Rc::new(redis_conf::Directive {
                    line: d.line + offset,
                    ..(**d).clone()
                }),
            },
        })
        .collect();
    let errors = parsed
        .errors
        .iter()
        .map(|e| (at(e.line), e.message.clone()))
        .collect();
    (settings, errors)
}

/// The text of `key` in a ConfigMap (`data`) or Secret (`stringData`, or base64 `data`),
/// and the field it was found in.
pub fn data_text<'v>(
    v: &'v serde_json::Value,
    kind: SourceKind,
    key: &str,
) -> Option<(Cow<'v, str>, &'static str)> {
    let get = |field: &str| v.get(field)?.get(key)?.as_str();
    match kind {
        SourceKind::ConfigMap => get("data").map(|t| (Cow::Borrowed(t), "data")),
        SourceKind::Secret => get("stringData")
            .map(|t| (Cow::Borrowed(t), "stringData"))
            .or_else(|| {
                let decoded = String::from_utf8(base64(get("data")?)?).ok()?;
                Some((Cow::Owned(decoded), "data"))
            }),
    }
}

fn base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printf_fills_its_format() {
        let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            echoed(&w(&[
                "printf",
                "\\nsentinel auth-pass %s %s",
                "mymaster",
                "$P"
            ])),
            "\nsentinel auth-pass mymaster $P"
        );
        assert_eq!(echoed(&w(&["printf", "100%% %s"])), "100% ");
    }

    #[test]
    fn decodes_base64() {
        assert_eq!(
            base64("cmVxdWlyZXBhc3MgeA==").as_deref(),
            Some(&b"requirepass x"[..])
        );
        assert_eq!(base64("!!"), None);
    }

    #[test]
    fn copy_destinations() {
        let w = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        let to = |s: &str| {
            copies(&w(s))
                .into_iter()
                .map(|(a, b)| (a.to_string(), b))
                .collect::<Vec<_>>()
        };
        let pair = |a: &str, b: &str| vec![(a.to_string(), b.to_string())];
        assert_eq!(
            to("cp /cm/s.conf /data/s.conf"),
            pair("/cm/s.conf", "/data/s.conf")
        );
        assert_eq!(
            to("cp -f /cm/s.conf /data/"),
            pair("/cm/s.conf", "/data/s.conf")
        );
        assert_eq!(
            to("cp /cm/s.conf /data"),
            pair("/cm/s.conf", "/data/s.conf")
        );
        assert_eq!(
            to("mv /d/s.conf.new /d/s.conf"),
            pair("/d/s.conf.new", "/d/s.conf")
        );
    }
}
