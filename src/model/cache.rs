//! Texts parsed once per model, by content: a start script or a configuration file in a
//! ConfigMap is read by several containers, workloads and rules, and an input with many
//! releases of one chart carries the same texts in every namespace. Parsing them is most of
//! the model's cost, so each distinct text is parsed once; its lines stay relative to the
//! text and are mapped to the string holding it where it is used.

use super::Loc;
use super::bootstrap::static_master_line;
use super::shell::{Command, commands};
use crate::redis_conf::{self, ConfText, Directive, SyntaxError};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// A script text read once, however many containers run or source it.
#[derive(Debug)]
pub struct ParsedScript {
    pub commands: Vec<Command>,
    /// Line of a condition making a fixed pod the master without asking Sentinel.
    pub static_master: Option<usize>,
}

/// A configuration text read once: its directives, shared by every server that loads it,
/// and the lines Redis would refuse; lines are counted from the text's first.
#[derive(Debug, Default)]
pub struct ParsedConf {
    pub directives: Vec<Rc<Directive>>,
    pub errors: Vec<SyntaxError>,
    /// The text reads as a Redis or Sentinel configuration (`redis_conf::looks_like_conf`).
    pub is_conf: bool,
}

impl From<ConfText> for ParsedConf {
    fn from(text: ConfText) -> Self {
        ParsedConf {
            is_conf: redis_conf::looks_like_conf(&text),
            directives: text.directives.into_iter().map(Rc::new).collect(),
            errors: text.errors,
        }
    }
}

/// Parsed texts by their content, and by where they were met: hashing a whole text costs
/// more than hashing its location, and the same location is read again and again (a script
/// every container sources, a configuration several scripts copy).
///
/// Texts read from the documents (`'d`) are keys as they are, not copies.
#[derive(Default)]
pub struct TextCache<'d> {
    scripts: Texts<'d, ParsedScript>,
    confs: Texts<'d, ParsedConf>,
}

struct Texts<'d, T> {
    by_text: RefCell<HashMap<Cow<'d, str>, Rc<T>>>,
    by_loc: RefCell<HashMap<Loc, Rc<T>>>,
}

impl<T> Default for Texts<'_, T> {
    fn default() -> Self {
        Texts {
            by_text: RefCell::default(),
            by_loc: RefCell::default(),
        }
    }
}

impl<'d, T> Texts<'d, T> {
    /// The parsed `text` met at `at`, parsed with `parse` the first time the text is met.
    fn get(&self, at: &Loc, text: Cow<'d, str>, parse: impl FnOnce(&str) -> T) -> Rc<T> {
        if let Some(parsed) = self.by_loc.borrow().get(at) {
            return parsed.clone();
        }
        let known = self.by_text.borrow().get(&*text).cloned();
        let parsed = known.unwrap_or_else(|| {
            let parsed = Rc::new(parse(&text));
            self.by_text.borrow_mut().insert(text, parsed.clone());
            parsed
        });
        self.by_loc.borrow_mut().insert(at.clone(), parsed.clone());
        parsed
    }
}

impl<'d> TextCache<'d> {
    /// The script `text` that starts at `at`, its lines counted from its first.
    pub fn script(&self, at: &Loc, text: Cow<'d, str>) -> Rc<ParsedScript> {
        self.scripts.get(at, text, |text| {
            let commands = commands(text);
            ParsedScript {
                static_master: static_master_line(&commands),
                commands,
            }
        })
    }

    /// The configuration `text` that starts at `at` (a string, or the line of a
    /// here-document in a script), its lines counted from its first.
    pub fn conf(&self, at: &Loc, text: Cow<'d, str>) -> Rc<ParsedConf> {
        self.confs
            .get(at, text, |text| redis_conf::parse(text, 0).into())
    }
}
