//! The revisions ConfigMap of a cluster (`<cluster>-deployment-revisions`):
//! the revision label and the hashed input of every node, in the wave after
//! the last node, so that Argo CD waits for the last node too (it does not
//! wait on a sync's final wave).

use crate::error::{Error, Result};
use crate::json;
use crate::model;
use crate::order;
use crate::stored;
use crate::value::Value;

use std::collections::HashMap;

use super::cluster::NodeInfo;
use super::read::{Doc, What};

/// Where the new revisions ConfigMaps go: in place of an earlier render's
/// map of the same name (so rendering is idempotent), else after the
/// cluster's last document. A map of that name the chart wrote itself is
/// refused, never replaced: its data would be lost without a word.
pub(super) struct Placement {
    /// ConfigMaps by `(namespace, name)`: their document, and whether
    /// express-waves wrote them.
    existing: HashMap<(String, String), (usize, bool)>,
    /// New maps, by the index of the document they follow.
    pub inserts: HashMap<usize, Value>,
}

impl Placement {
    pub fn new(docs: &[Doc<'_>]) -> Placement {
        let existing = docs
            .iter()
            .enumerate()
            .filter_map(|(i, d)| match &d.what {
                What::ConfigMap {
                    namespace,
                    name,
                    ours,
                    ..
                } => Some(((namespace.clone(), name.clone()), (i, *ours))),
                _ => None,
            })
            .collect();
        Placement {
            existing,
            inserts: HashMap::new(),
        }
    }

    /// What the input's own revisions ConfigMap for `cluster` (an earlier
    /// render's) records as computed, by node key; nothing when there is
    /// none, or it is not express-waves'.
    pub fn recorded(
        &self,
        docs: &[Doc<'_>],
        namespace: &str,
        cluster: &str,
    ) -> Vec<(String, String)> {
        let name = format!("{cluster}{}", crate::stored::SUFFIX);
        match self.existing.get(&(namespace.to_string(), name)) {
            Some(&(i, true)) => match &docs[i].what {
                What::ConfigMap { computed, .. } => computed.clone(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    pub fn place(
        &mut self,
        docs: &mut [Doc<'_>],
        namespace: &str,
        cluster: &str,
        last_doc: usize,
        map: Value,
        writing: bool,
    ) -> Result<()> {
        let name = format!("{cluster}{}", crate::stored::SUFFIX);
        match self.existing.get(&(namespace.to_string(), name)) {
            Some(&(i, true)) => docs[i].what = What::Replaced(map),
            // A report over such a stream (what `render
            // --no-revision-configmap` kept) reads it as it is.
            Some(&(_, false)) if !writing => {}
            Some(&(i, false)) => {
                return Err(Error::doc(
                    &docs[i].at,
                    "this ConfigMap has the name of the revisions ConfigMap express-waves writes for the cluster, but express-waves did not write it (no app.kubernetes.io/created-by: express-waves label, or labels, annotations or data express-waves does not write), so replacing it would drop them: remove it from the chart, or render with --no-revision-configmap to keep it",
                ));
            }
            None => {
                self.inserts.insert(last_doc, map);
            }
        }
        Ok(())
    }
}

pub(super) fn revisions_configmap(
    namespace: &str,
    cluster: &str,
    infos: &[NodeInfo],
    wave: i64,
    helm4_file: Option<String>,
) -> Value {
    let mut sorted: Vec<&NodeInfo> = infos.iter().collect();
    sorted.sort_by(|a, b| order::natural_cmp(&a.key, &b.key));
    let mut nodes = String::from("{\n");
    let mut revisions = String::from("{\n");
    for (i, info) in sorted.iter().enumerate() {
        let sep = if i + 1 < sorted.len() { ",\n" } else { "\n" };
        nodes.push_str("  ");
        json::string(&info.key, &mut nodes);
        nodes.push_str(": ");
        nodes.push_str(&info.revision.input);
        nodes.push_str(sep);
        revisions.push_str("  ");
        json::string(&info.key, &mut revisions);
        revisions.push_str(": ");
        json::string(&info.label, &mut revisions);
        revisions.push_str(sep);
    }
    nodes.push_str("}\n");
    revisions.push_str("}\n");
    let chart: Vec<&str> = sorted
        .iter()
        .filter(|i| i.from_chart)
        .map(|i| i.key.as_str())
        .collect();
    let mut meta = vec![(
        "name".to_string(),
        Value::Str(format!("{cluster}{}", crate::stored::SUFFIX)),
    )];
    if !namespace.is_empty() {
        meta.push(("namespace".into(), Value::Str(namespace.into())));
    }
    meta.push((
        "labels".into(),
        Value::Map(vec![
            (
                model::LABEL_CREATED_BY.into(),
                Value::Str("express-waves".into()),
            ),
            (model::LABEL_CLUSTER.into(), Value::Str(cluster.into())),
        ]),
    ));
    let mut annotations = vec![(
        model::ANN_SYNC_WAVE.to_string(),
        Value::Str(wave.to_string()),
    )];
    if let Some(f) = helm4_file {
        annotations.push((model::ANN_HELM4_FILENAME.into(), Value::Str(f)));
    }
    meta.push(("annotations".into(), Value::Map(annotations)));
    Value::Map(vec![
        ("apiVersion".into(), Value::Str("v1".into())),
        ("kind".into(), Value::Str("ConfigMap".into())),
        ("metadata".into(), Value::Map(meta)),
        ("data".into(), Value::Map(data(nodes, revisions, &chart))),
    ])
}

/// The map's data: `nodes.json`, `revisions.json`, and, when the chart set
/// some revisions itself, `chart-revisions.json` listing those nodes (their
/// stored revision is the chart's, not a hash of the stored input).
fn data(nodes: String, revisions: String, chart: &[&str]) -> Vec<(String, Value)> {
    let mut data = vec![
        ("nodes.json".into(), Value::Str(nodes)),
        ("revisions.json".into(), Value::Str(revisions)),
    ];
    if !chart.is_empty() {
        let mut list = String::from("[");
        for (i, k) in chart.iter().enumerate() {
            if i > 0 {
                list.push_str(", ");
            }
            json::string(k, &mut list);
        }
        list.push_str("]\n");
        data.push((stored::CHART_REVISIONS.into(), Value::Str(list)));
    }
    data
}
