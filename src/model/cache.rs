//! Texts parsed once per model, by content: a start script or a configuration file in a
//! ConfigMap is read by several containers, workloads and rules, and an input with many
//! releases of one chart carries the same texts in every namespace. Parsing them is most of
//! the model's cost, so each distinct text is parsed once; its lines stay relative to the
//! text and are mapped to the string holding it where it is used.

use super::bootstrap::static_master_line;
use super::shell::{Command, commands};
use crate::redis_conf::{self, ConfText};
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

/// Parsed texts by their content.
#[derive(Default)]
pub struct TextCache {
    scripts: RefCell<HashMap<Box<str>, Rc<ParsedScript>>>,
    confs: RefCell<HashMap<Box<str>, Rc<ConfText>>>,
}

impl TextCache {
    /// The script `text`, its lines counted from its first.
    pub fn script(&self, text: &str) -> Rc<ParsedScript> {
        if let Some(parsed) = self.scripts.borrow().get(text) {
            return parsed.clone();
        }
        let commands = commands(text);
        let parsed = Rc::new(ParsedScript {
            static_master: static_master_line(&commands),
            commands,
        });
        self.scripts
            .borrow_mut()
            .insert(text.into(), parsed.clone());
        parsed
    }

    /// The configuration `text`, its lines counted from its first.
    pub fn conf(&self, text: &str) -> Rc<ConfText> {
        if let Some(parsed) = self.confs.borrow().get(text) {
            return parsed.clone();
        }
        let parsed = Rc::new(redis_conf::parse(text, 0));
        self.confs.borrow_mut().insert(text.into(), parsed.clone());
        parsed
    }
}
