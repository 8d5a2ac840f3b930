//! Texts parsed once per model: a start script or a configuration file in a ConfigMap is
//! read by several containers, workloads and rules, and parsing it is most of the model's cost.

use super::Loc;
use super::bootstrap::static_master_line;
use super::conf::Setting;
use super::files::settings_of;
use super::shell::{Command, commands};
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

/// The directives of one configuration text and the lines Redis would refuse, located.
#[derive(Debug, Default)]
pub struct ParsedConf {
    pub settings: Vec<Setting>,
    pub errors: Vec<(Loc, String)>,
}

/// Parsed texts by the string they come from.
#[derive(Default)]
pub struct TextCache {
    scripts: RefCell<HashMap<Loc, Rc<ParsedScript>>>,
    /// By the string and the line of the text inside it (a here-document starts later).
    confs: RefCell<HashMap<(Loc, usize), Rc<ParsedConf>>>,
}

impl TextCache {
    /// The script `text` held by the string at `loc`.
    pub fn script(&self, loc: &Loc, text: &str) -> Rc<ParsedScript> {
        if let Some(parsed) = self.scripts.borrow().get(loc) {
            return parsed.clone();
        }
        let commands = commands(text);
        let parsed = Rc::new(ParsedScript {
            static_master: static_master_line(&commands),
            commands,
        });
        self.scripts
            .borrow_mut()
            .insert(loc.clone(), parsed.clone());
        parsed
    }

    /// The configuration `text` held by the string at `loc`, its lines starting at `offset`.
    pub fn conf(&self, loc: &Loc, text: &str, offset: usize) -> Rc<ParsedConf> {
        let key = (loc.clone(), offset);
        if let Some(parsed) = self.confs.borrow().get(&key) {
            return parsed.clone();
        }
        let (settings, errors) = settings_of(text, loc, offset);
        let parsed = Rc::new(ParsedConf { settings, errors });
        self.confs.borrow_mut().insert(key, parsed.clone());
        parsed
    }
}
