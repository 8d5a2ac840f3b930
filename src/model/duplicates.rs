//! Objects defined more than once in one input. Kubernetes knows an object by its API group,
//! kind, namespace and name; `kubectl apply` of the whole input keeps the definition applied
//! last. A folder of alternatives (`standalone.yml`, `replicated.yml`) holds such objects on
//! purpose, so each definition is analysed: the rules run once per alternative, alternative
//! `k` reading the `k`-th definition of every duplicated object in path order (file, then
//! position in the file) and the last alternative the definitions applied last. Path order,
//! not input order, so the verdict does not depend on the order in which files were given.

use crate::manifest::Document;
use serde_json::Value;
use std::collections::HashMap;

/// Documents that define the same object, each group in path order (file, then position in
/// the file): the last one is the definition the model uses. Groups of two or more only,
/// sorted.
pub fn duplicates(docs: &[Document]) -> Vec<Vec<usize>> {
    let mut by_identity: HashMap<(&str, &str, &str, &str), Vec<usize>> = HashMap::new();
    for (i, doc) in docs.iter().enumerate() {
        let (kind, name) = (doc.kind(), doc.name());
        if kind.is_empty() || name.is_empty() {
            continue;
        }
        let api_version = doc
            .value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        // `apps/v1` and `apps/v1beta2` name one object; the core group has no prefix.
        let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
        let namespace = doc.namespace().unwrap_or("");
        by_identity
            .entry((group, kind, namespace, name))
            .or_default()
            .push(i);
    }
    let mut groups: Vec<Vec<usize>> = by_identity
        .into_values()
        .filter(|group| group.len() > 1)
        .collect();
    for group in &mut groups {
        group.sort_by_key(|&i| (&docs[i].file, docs[i].index, i));
    }
    groups.sort_by_key(|group| {
        group
            .iter()
            .map(|&i| (&docs[i].file, docs[i].index))
            .collect::<Vec<_>>()
    });
    groups
}

/// At most this many alternatives are analysed (each is a run of every rule): an input that
/// defines one object 10,000 times must not cost 10,000 runs. An object defined more often
/// has its first `MAX_ALTERNATIVES - 1` definitions and its last analysed.
pub const MAX_ALTERNATIVES: usize = 8;

/// How many alternatives `groups` make: the most definitions of one object, at most
/// [`MAX_ALTERNATIVES`]; 1 without duplicates.
pub fn alternatives(groups: &[Vec<usize>]) -> usize {
    groups
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(1)
        .clamp(1, MAX_ALTERNATIVES)
}

/// Which definition of a group of `len` alternative `k` of `n` reads: the `k`-th in path
/// order, and in the last alternative the last (the definition `kubectl apply` keeps).
fn chosen(len: usize, k: usize, n: usize) -> usize {
    if k + 1 >= n { len - 1 } else { k.min(len - 1) }
}

/// The documents alternative `k` of `n` does not read: every definition of each group but
/// the chosen one.
pub fn overridden(groups: &[Vec<usize>], k: usize, n: usize) -> Vec<bool> {
    let mut skip = Vec::new();
    for group in groups {
        let keep = chosen(group.len(), k, n);
        for (at, &i) in group.iter().enumerate() {
            if at == keep {
                continue;
            }
            if skip.len() <= i {
                skip.resize(i + 1, false);
            }
            skip[i] = true;
        }
    }
    skip
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(file: &str, index: usize, value: Value) -> Document {
        Document::from_value(file, index, value)
    }

    #[test]
    fn same_group_kind_namespace_and_name_is_one_object() {
        let cm = |ns: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": ns}});
        let docs = vec![
            doc("b.yaml", 0, cm("x")),
            doc("a.yaml", 0, cm("x")),
            doc("a.yaml", 1, cm("y")),
            doc(
                "c.yaml",
                0,
                json!({"apiVersion": "apps/v1beta2", "kind": "StatefulSet", "metadata": {"name": "r"}}),
            ),
            doc(
                "c.yaml",
                1,
                json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "r"}}),
            ),
            doc(
                "c.yaml",
                2,
                json!({"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "s"}}),
            ),
            doc(
                "c.yaml",
                3,
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}),
            ),
        ];
        let groups = duplicates(&docs);
        assert_eq!(
            groups,
            vec![vec![1, 0], vec![3, 4]],
            "path order, not input order"
        );
        assert_eq!(alternatives(&groups), 2);
        assert_eq!(
            overridden(&groups, 0, 2),
            vec![true, false, false, false, true]
        );
        assert_eq!(overridden(&groups, 1, 2), vec![false, true, false, true]);
    }

    #[test]
    fn the_last_alternative_reads_the_definitions_applied_last() {
        let groups = vec![(0..20).collect::<Vec<usize>>(), vec![20, 21]];
        let n = alternatives(&groups);
        assert_eq!(n, MAX_ALTERNATIVES);
        let read = |k: usize| {
            let skip = overridden(&groups, k, n);
            (0..22)
                .filter(|&i| !skip.get(i).copied().unwrap_or(false))
                .collect::<Vec<usize>>()
        };
        assert_eq!(read(0), vec![0, 20]);
        assert_eq!(read(1), vec![1, 21]);
        assert_eq!(read(2), vec![2, 21]);
        assert_eq!(read(n - 1), vec![19, 21]);
    }
}
