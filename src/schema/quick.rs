//! A yes/no answer to "is this document valid against its strict schema?" that needs no
//! jsonschema compilation: the kind's schema is turned once into a small tree of checks
//! ([`Quick`]) that the document is walked against.
//!
//! Compiling a jsonschema validator for a StatefulSet costs several milliseconds, more than a
//! whole render; most documents are valid, and for those this walk is the only schema work.
//! It understands exactly the keywords `tools/schema-gen` and `tools/crd-schema-gen` emit; a
//! schema node with any other keyword answers "cannot tell" (`false`) when a document reaches
//! it, and the caller asks the compiled validator, which also writes the messages for invalid
//! documents. A test holds the two to the same verdict on every fixture and on mutations of
//! each (`tests` below).
//!
//! Why a tree and not the JSON schema itself: a lint run walks every document of a kind
//! against the same schema, and looking fields up in sorted slices of the tree instead of
//! hashing them into the schema's JSON maps (and `$ref`s into `$defs`) halves the stage.

use fancy_regex::Regex;
use serde_json::Value;
use std::collections::HashMap;

type NodeId = usize;

/// One kind's schema as checks, and the node the document itself is checked against.
pub(super) struct Quick {
    nodes: Vec<SchemaNode>,
    root: NodeId,
}

/// A schema: `true`, `false`, or checks that must all pass.
enum SchemaNode {
    Accept,
    /// `false`, and any schema this walk cannot judge.
    Reject,
    Checks(Vec<Check>),
}

enum Check {
    Ref(NodeId),
    Type(Types),
    /// `properties`, `additionalProperties` and `required` of one schema, in one pass over
    /// the document's fields.
    Object {
        /// Sorted by name, for binary search.
        properties: Vec<(String, NodeId)>,
        additional: Option<NodeId>,
        required: Vec<String>,
    },
    Items(NodeId),
    /// String values only: numbers would need the validator's `1 == 1.0`.
    Enum(Vec<String>),
    /// Counted in characters, as JSON Schema counts.
    MinLength(u64),
    /// Unanchored, with the regex engine the validator uses.
    Pattern(Regex),
    /// A keyword or value this walk does not know: never "certainly valid".
    Unknown,
}

/// A set of JSON Schema type names.
#[derive(Clone, Copy, Default)]
struct Types {
    object: bool,
    array: bool,
    string: bool,
    boolean: bool,
    null: bool,
    number: bool,
    integer: bool,
}

impl Quick {
    /// The checks of definition `def` of `defs` (a `$defs` map) and of every definition it
    /// reaches.
    pub(super) fn compile<'a>(defs: &'a Value, def: &'a str) -> Quick {
        let mut compiler = Compiler {
            defs,
            nodes: Vec::new(),
            def_ids: HashMap::new(),
        };
        let root = compiler.def(def);
        Quick {
            nodes: compiler.nodes,
            root,
        }
    }

    /// Whether `instance` is certainly valid; `false` when it is not, or when the walk
    /// cannot tell (ask the compiled validator).
    pub(super) fn is_valid(&self, instance: &Value) -> bool {
        self.node_accepts(self.root, instance)
    }

    /// Whether every check of the tree is one the walk can judge (no [`Check::Unknown`]).
    #[cfg(test)]
    pub(super) fn knows_every_keyword(&self) -> bool {
        self.nodes.iter().all(|node| match node {
            SchemaNode::Checks(checks) => !checks.iter().any(|c| matches!(c, Check::Unknown)),
            SchemaNode::Accept | SchemaNode::Reject => true,
        })
    }

    fn node_accepts(&self, id: NodeId, instance: &Value) -> bool {
        match &self.nodes[id] {
            SchemaNode::Accept => true,
            SchemaNode::Reject => false,
            SchemaNode::Checks(checks) => checks.iter().all(|check| self.passes(check, instance)),
        }
    }

    fn passes(&self, check: &Check, instance: &Value) -> bool {
        match check {
            Check::Ref(id) => self.node_accepts(*id, instance),
            Check::Items(id) => instance
                .as_array()
                .is_none_or(|items| items.iter().all(|item| self.node_accepts(*id, item))),
            Check::Type(types) => types.admit(instance),
            Check::Object {
                properties,
                additional,
                required,
            } => {
                let Some(object) = instance.as_object() else {
                    return true;
                };
                object.iter().all(|(name, field)| {
                    match properties.binary_search_by(|(known, _)| known.as_str().cmp(name)) {
                        Ok(at) => self.node_accepts(properties[at].1, field),
                        Err(_) => additional.is_none_or(|id| self.node_accepts(id, field)),
                    }
                }) && required.iter().all(|name| object.contains_key(name))
            }
            Check::Enum(allowed) => allowed.iter().any(|a| instance.as_str() == Some(a)),
            Check::MinLength(min) => instance
                .as_str()
                .is_none_or(|text| text.chars().count() as u64 >= *min),
            Check::Pattern(regex) => instance
                .as_str()
                .is_none_or(|text| regex.is_match(text).unwrap_or(false)),
            Check::Unknown => false,
        }
    }
}

struct Compiler<'a> {
    defs: &'a Value,
    nodes: Vec<SchemaNode>,
    /// Definitions compiled (or being compiled: a recursive `$ref` points at its own node).
    def_ids: HashMap<&'a str, NodeId>,
}

impl<'a> Compiler<'a> {
    fn def(&mut self, name: &'a str) -> NodeId {
        if let Some(&id) = self.def_ids.get(name) {
            return id;
        }
        let id = self.reserve();
        self.def_ids.insert(name, id);
        let node = match self.defs.get(name) {
            Some(schema) => self.node_of(schema),
            None => SchemaNode::Reject,
        };
        self.nodes[id] = node;
        id
    }

    fn reserve(&mut self) -> NodeId {
        self.nodes.push(SchemaNode::Reject);
        self.nodes.len() - 1
    }

    fn node(&mut self, schema: &'a Value) -> NodeId {
        let id = self.reserve();
        self.nodes[id] = self.node_of(schema);
        id
    }

    fn node_of(&mut self, schema: &'a Value) -> SchemaNode {
        let schema = match schema {
            Value::Bool(true) => return SchemaNode::Accept,
            Value::Object(schema) => schema,
            _ => return SchemaNode::Reject,
        };
        let mut checks = Vec::new();
        let (mut properties, mut additional, mut required) = (None, None, Vec::new());
        for (keyword, value) in schema {
            let check = match keyword.as_str() {
                "$ref" => match value.as_str().and_then(|r| r.strip_prefix("#/$defs/")) {
                    Some(name) => Check::Ref(self.def(name)),
                    None => Check::Unknown,
                },
                "type" => Types::of(value).map_or(Check::Unknown, Check::Type),
                "properties" => {
                    match value.as_object() {
                        Some(fields) => {
                            let mut compiled: Vec<(String, NodeId)> = fields
                                .iter()
                                .map(|(name, sub)| (name.clone(), self.node(sub)))
                                .collect();
                            compiled.sort_by(|a, b| a.0.cmp(&b.0));
                            properties = Some(compiled);
                        }
                        None => checks.push(Check::Unknown),
                    }
                    continue;
                }
                "additionalProperties" => {
                    additional = Some(self.node(value));
                    continue;
                }
                "required" => {
                    match names(value) {
                        Some(names) => required = names,
                        None => checks.push(Check::Unknown),
                    }
                    continue;
                }
                "items" => Check::Items(self.node(value)),
                "enum" => names(value).map_or(Check::Unknown, Check::Enum),
                "minLength" => value.as_u64().map_or(Check::Unknown, Check::MinLength),
                "pattern" => value
                    .as_str()
                    .and_then(|p| Regex::new(p).ok())
                    .map_or(Check::Unknown, Check::Pattern),
                // Annotations: draft 2020-12 does not assert `format` unless asked to.
                "format" | "description" | "title" | "default" | "$schema" | "$comment" => {
                    continue;
                }
                _ => Check::Unknown,
            };
            checks.push(check);
        }
        if properties.is_some() || additional.is_some() || !required.is_empty() {
            checks.push(Check::Object {
                properties: properties.unwrap_or_default(),
                additional,
                required,
            });
        }
        SchemaNode::Checks(checks)
    }
}

/// An array of strings, as `required` and string `enum`s are written.
fn names(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|name| name.as_str().map(str::to_owned))
        .collect()
}

impl Types {
    /// The types `type` names (one name or a list); `None` for a name this walk does not know.
    fn of(value: &Value) -> Option<Types> {
        let mut types = Types::default();
        let names: Vec<&Value> = match value {
            Value::String(_) => vec![value],
            Value::Array(names) => names.iter().collect(),
            _ => return None,
        };
        for name in names {
            match name.as_str()? {
                "object" => types.object = true,
                "array" => types.array = true,
                "string" => types.string = true,
                "boolean" => types.boolean = true,
                "null" => types.null = true,
                "number" => types.number = true,
                "integer" => types.integer = true,
                _ => return None,
            }
        }
        Some(types)
    }

    fn admit(self, instance: &Value) -> bool {
        match instance {
            Value::Object(_) => self.object,
            Value::Array(_) => self.array,
            Value::String(_) => self.string,
            Value::Bool(_) => self.boolean,
            Value::Null => self.null,
            // 2020-12: an integer is any number with a zero fractional part (`1.0` included).
            Value::Number(n) => {
                self.number
                    || (self.integer
                        && (n.is_i64()
                            || n.is_u64()
                            || n.as_f64().is_some_and(|f| f.fract() == 0.0)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{KubeVersion, embedded};
    use crate::manifest;
    use serde_json::{Value, json};

    /// Every document of every YAML fixture under `tests/`, and many mutations of each
    /// (unknown field, wrong-typed value, removed field, extra item), get the same verdict
    /// from the walk as from the compiled validator, on the oldest and the newest version.
    #[test]
    fn agrees_with_the_compiled_validator() {
        let files = crate::test_files::under_tests(&["yaml", "yml"]);
        let (mut checked, mut invalid) = (0, 0);
        // Of those, the custom resources (`tests/schemas/custom-resources.yaml`): enums,
        // patterns and lengths are theirs only.
        let (mut custom_checked, mut custom_invalid) = (0, 0);
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            for document in manifest::parse(&file.display().to_string(), &text).documents {
                for variant in std::iter::once(document.value.clone())
                    .chain(mutations(&document.value).into_iter().take(60))
                {
                    for version in [KubeVersion::V1_31, KubeVersion::V1_37] {
                        let (Some(api), Some(kind)) = (
                            variant.get("apiVersion").and_then(Value::as_str),
                            variant.get("kind").and_then(Value::as_str),
                        ) else {
                            continue;
                        };
                        let Some(schema) = embedded::kind(version, api, kind) else {
                            continue;
                        };
                        let quick = schema.quick_is_valid(&variant);
                        let compiled = schema.validator().is_valid(&variant);
                        assert_eq!(quick, compiled, "{} {kind} {variant}", file.display());
                        checked += 1;
                        invalid += usize::from(!compiled);
                        if api.contains(".coreos.com/") || api.starts_with("cert-manager.io/") {
                            custom_checked += 1;
                            custom_invalid += usize::from(!compiled);
                        }
                    }
                }
            }
        }
        assert!(
            checked > 5_000 && invalid > 1_000,
            "{checked} checked, {invalid} invalid"
        );
        assert!(
            custom_checked > 400 && custom_invalid > 150,
            "custom resources: {custom_checked} checked, {custom_invalid} invalid"
        );
    }

    /// One variant of `value` per node and mutation, in document order.
    fn mutations(value: &Value) -> Vec<Value> {
        let mut pointers = Vec::new();
        walk(value, String::new(), &mut pointers);
        let mut out = Vec::new();
        for pointer in pointers {
            let Some(node) = value.pointer(&pointer) else {
                continue;
            };
            let replacements: Vec<Value> = match node {
                Value::Object(_) => vec![json!(1), json!("x")],
                Value::Array(_) => vec![json!({}), json!(true)],
                _ => vec![
                    json!(true),
                    json!("x"),
                    json!(7),
                    json!(1.5),
                    json!(null),
                    json!({}),
                ],
            };
            for replacement in replacements {
                let mut variant = value.clone();
                if let Some(slot) = variant.pointer_mut(&pointer) {
                    *slot = replacement;
                    out.push(variant);
                }
            }
            let mut variant = value.clone();
            match variant.pointer_mut(&pointer) {
                Some(Value::Object(map)) => {
                    map.insert("zzUnknownField".into(), json!(1));
                    out.push(variant);
                }
                Some(Value::Array(items)) => {
                    items.push(json!("x"));
                    out.push(variant);
                }
                _ => {}
            }
            if let Some((parent, key)) = pointer.rsplit_once('/') {
                let mut variant = value.clone();
                if let Some(Value::Object(map)) = variant.pointer_mut(parent) {
                    map.remove(key);
                    out.push(variant);
                }
            }
        }
        // Spread the sample over the whole document, not only its first nodes.
        let step = (out.len() / 60).max(1);
        out.into_iter().step_by(step).collect()
    }

    fn walk(value: &Value, pointer: String, into: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let escaped = key.replace('~', "~0").replace('/', "~1");
                    walk(child, format!("{pointer}/{escaped}"), into);
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    walk(child, format!("{pointer}/{index}"), into);
                }
            }
            _ => {}
        }
        into.push(pointer);
    }
}
