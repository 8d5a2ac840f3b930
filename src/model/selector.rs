//! Kubernetes label selectors: `matchLabels` plus `matchExpressions`.

use super::json::{array_at, str_at, string_map};
use serde_json::Value;
use std::collections::BTreeMap;

pub type Labels = BTreeMap<String, String>;

/// Labels from `(key, value)` pairs (tests build them this way).
#[cfg(test)]
pub fn labels_of(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

/// A `LabelSelector`. An empty one selects everything (PDB, NetworkPolicy semantics).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    match_labels: Labels,
    requirements: Vec<Requirement>,
    /// An expression with an unknown operator: Kubernetes rejects it; we select nothing.
    invalid: bool,
}

impl Selector {
    /// A `LabelSelector` object (`matchLabels`, `matchExpressions`).
    pub fn from_label_selector(v: Option<&Value>) -> Selector {
        let Some(v) = v else {
            return Selector::default();
        };
        let mut selector = Selector {
            match_labels: string_map(v.get("matchLabels")),
            ..Selector::default()
        };
        for e in array_at(v, "/matchExpressions") {
            let operator = match str_at(e, "/operator") {
                Some("In") => Operator::In,
                Some("NotIn") => Operator::NotIn,
                Some("Exists") => Operator::Exists,
                Some("DoesNotExist") => Operator::DoesNotExist,
                _ => {
                    selector.invalid = true;
                    continue;
                }
            };
            selector.requirements.push(Requirement {
                key: str_at(e, "/key").unwrap_or_default().to_string(),
                operator,
                values: array_at(e, "/values")
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            });
        }
        selector
    }

    /// A Service's plain `selector` map.
    pub fn from_map(map: Labels) -> Selector {
        Selector {
            match_labels: map,
            ..Selector::default()
        }
    }

    /// The value `matchLabels` (or a Service's selector) requires for `key`.
    pub fn required(&self, key: &str) -> Option<&str> {
        self.match_labels.get(key).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.requirements.is_empty() && !self.invalid
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        !self.invalid
            && self
                .match_labels
                .iter()
                .all(|(k, v)| labels.get(k) == Some(v))
            && self.requirements.iter().all(|r| {
                let value = labels.get(&r.key);
                match r.operator {
                    Operator::In => value.is_some_and(|v| r.values.contains(v)),
                    Operator::NotIn => value.is_none_or(|v| !r.values.contains(v)),
                    Operator::Exists => value.is_some(),
                    Operator::DoesNotExist => value.is_none(),
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use super::labels_of as labels;

    #[test]
    fn match_labels_and_expressions() {
        let s = Selector::from_label_selector(Some(&json!({
            "matchLabels": {"app": "redis"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["db", "cache"]},
                {"key": "canary", "operator": "DoesNotExist"}
            ]
        })));
        assert!(s.matches(&labels(&[("app", "redis"), ("tier", "db")])));
        assert!(!s.matches(&labels(&[("app", "redis"), ("tier", "web")])));
        assert!(!s.matches(&labels(&[
            ("app", "redis"),
            ("tier", "db"),
            ("canary", "1")
        ])));
        assert!(!s.matches(&labels(&[("tier", "db")])));
    }

    #[test]
    fn empty_selects_all_and_bad_operator_selects_nothing() {
        assert!(Selector::from_label_selector(Some(&json!({}))).matches(&Labels::new()));
        let bad = json!({"matchExpressions": [{"key": "a", "operator": "Near"}]});
        assert!(!Selector::from_label_selector(Some(&bad)).matches(&labels(&[("a", "b")])));
    }
}
