//! `--output yaml|json`: the documents in the chosen encoding, for stdout and for
//! `--output-dir`.

use super::args::Encoding;
use crate::manifest::{self, Document};

/// The documents in the chosen encoding: multi-document YAML, or one JSON `List`.
pub(super) fn encode(documents: &[Document], encoding: Encoding) -> anyhow::Result<String> {
    match encoding {
        Encoding::Yaml => manifest::to_yaml(documents),
        Encoding::Json => manifest::to_json(documents),
    }
}
