//! A start script one container runs (inline `sh -c`, or a script file from a volume),
//! parsed once per text.

use super::Loc;
use super::cache::{ParsedScript, TextCache};
use std::borrow::Cow;
use std::rc::Rc;

/// A start script one container runs.
#[derive(Clone, Debug)]
pub struct Script {
    pub container: usize,
    /// The string holding the script text (line `None`).
    pub loc: Loc,
    pub parsed: Rc<ParsedScript>,
}

impl Script {
    pub fn at(&self, line: usize) -> Loc {
        Loc {
            line: Some(line),
            ..self.loc.clone()
        }
    }

    pub(super) fn new<'d>(
        cache: &TextCache<'d>,
        container: usize,
        loc: Loc,
        text: Cow<'d, str>,
    ) -> Script {
        Script {
            container,
            parsed: cache.script(&loc, text),
            loc,
        }
    }
}
