//! Objects defined more than once in one input. Kubernetes knows an object by its API group,
//! kind, namespace and name; `kubectl apply` of the whole input keeps the definition applied
//! last, and for a folder that is the last file in name order. The model reads exactly that
//! one, so its verdict does not depend on the order in which files were given.

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

/// Every document but the last of each group: definitions the model does not read.
pub fn overridden(groups: &[Vec<usize>]) -> Vec<bool> {
    let mut skip = Vec::new();
    for group in groups {
        for &i in &group[..group.len() - 1] {
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
        assert_eq!(overridden(&groups), vec![false, true, false, true]);
    }
}
