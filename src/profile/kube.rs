//! Kubernetes scheduling types a profile passes through to the pod spec: `Toleration` and
//! `NodeAffinity` (core/v1), with the field names and enum values of the Kubernetes API so a
//! snippet from a cluster's documentation pastes in unchanged. `checks.rs` holds them to the
//! rules the API server applies (`ValidateTolerations`, `ValidateNodeSelectorRequirement`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A Kubernetes `Toleration`: the pods may run on nodes with a matching taint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Toleration {
    /// The taint key (a label key); empty with `operator: Exists` tolerates every taint.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
    /// `Equal` (the default: key and value must match) or `Exists` (any value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<TolerationOperator>,
    /// The taint value (a label value); empty with `operator: Exists`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// The taint effect to tolerate; unset: every effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<TaintEffect>,
    /// With `effect: NoExecute` only: how long the pod stays on a node after the taint
    /// appears (unset: forever).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

/// `Toleration.operator`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TolerationOperator {
    Equal,
    Exists,
}

/// A taint effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

/// A Kubernetes `NodeAffinity`: which nodes the pods must (required) or should (preferred)
/// run on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeAffinity {
    /// Nodes that do not match are never chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_during_scheduling_ignored_during_execution: Option<NodeSelector>,
    /// Nodes that match are preferred, by the sum of the matching terms' weights.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preferred_during_scheduling_ignored_during_execution: Vec<PreferredSchedulingTerm>,
}

/// A node matches when it matches any of the terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSelector {
    /// At least one term.
    pub node_selector_terms: Vec<NodeSelectorTerm>,
}

/// A weighted preference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreferredSchedulingTerm {
    /// 1 to 100.
    #[schemars(range(min = 1, max = 100))]
    pub weight: i32,
    pub preference: NodeSelectorTerm,
}

/// A node matches a term when it matches every requirement of the term.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSelectorTerm {
    /// Requirements on node labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<NodeSelectorRequirement>,
    /// Requirements on node fields (only `metadata.name`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_fields: Vec<NodeSelectorRequirement>,
}

/// `key operator values`: `In`/`NotIn` take one or more values, `Exists`/`DoesNotExist`
/// none, `Gt`/`Lt` exactly one integer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSelectorRequirement {
    /// A label key (in `matchFields`: `metadata.name`).
    pub key: String,
    pub operator: NodeSelectorOperator,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// `NodeSelectorRequirement.operator`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum NodeSelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}

impl NodeAffinity {
    /// Every term of the affinity, required and preferred.
    pub fn terms(&self) -> impl Iterator<Item = &NodeSelectorTerm> {
        self.required_during_scheduling_ignored_during_execution
            .iter()
            .flat_map(|s| s.node_selector_terms.iter())
            .chain(
                self.preferred_during_scheduling_ignored_during_execution
                    .iter()
                    .map(|p| &p.preference),
            )
    }
}
