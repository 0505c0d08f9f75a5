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
use super::express::express_of;
use super::group::Cluster;
use super::hashed;
use super::patch::Label;
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
    pub inserts: HashMap<usize, RevisionsMap>,
}

impl Placement {
    pub fn new(docs: &[Doc<'_>]) -> Placement {
        let existing = docs
            .iter()
            .enumerate()
            .filter_map(|(i, d)| match &d.what {
                What::ConfigMap(m) => Some(((m.namespace.clone(), m.name.clone()), (i, m.ours))),
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
                What::ConfigMap(m) => m.computed.clone(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// Places the revisions ConfigMap `map` of `cluster` (`writing`: a
    /// render that writes it, not one that only reports).
    pub fn place(
        &mut self,
        map: RevisionsMap,
        cluster: Cluster<'_>,
        docs: &mut [Doc<'_>],
        writing: bool,
    ) -> Result<()> {
        let name = format!("{}{}", cluster.name, crate::stored::SUFFIX);
        match self.existing.get(&(cluster.namespace.to_string(), name)) {
            Some(&(i, true)) => docs[i].what = What::Replaced(Box::new(map)),
            // A report over such a stream (what `render
            // --no-revision-configmap` kept) reads it as it is.
            Some(&(_, false)) if !writing => {}
            Some(&(i, false)) => {
                return Err(Error::doc(
                    &docs[i].at(),
                    "this ConfigMap has the name of the revisions ConfigMap express-waves writes for the cluster, but express-waves did not write it (no app.kubernetes.io/created-by: express-waves label, or labels, annotations or data express-waves does not write), so replacing it would drop them: remove it from the chart, or render with --no-revision-configmap to keep it",
                ));
            }
            None => {
                self.inserts.insert(cluster.docs.last_doc, map);
            }
        }
        Ok(())
    }
}

/// A cluster's revisions ConfigMap, as decided: the documents of the nodes
/// it records, built into a document only when it is written (then
/// dropped), from what those documents hold (each node's key, its label
/// and whether that is the chart's, in its patch; its hashed input, in its
/// revision), so that nothing is held twice while a large stream is
/// planned.
#[derive(Debug)]
pub(super) struct RevisionsMap {
    namespace: String,
    cluster: String,
    /// The nodes' documents, in natural order of their keys.
    nodes: Vec<usize>,
    wave: i64,
    helm4_file: Option<String>,
}

/// What the revisions ConfigMap records of a node.
struct Recorded<'d> {
    key: &'d str,
    label: &'d str,
    /// The label is the chart's own revision.
    from_chart: bool,
    /// The hashed input.
    input: &'d str,
}

impl RevisionsMap {
    pub(super) fn new(
        namespace: &str,
        cluster: &str,
        infos: &[NodeInfo],
        wave: i64,
        helm4_file: Option<String>,
    ) -> RevisionsMap {
        let mut sorted: Vec<&NodeInfo> = infos.iter().collect();
        sorted.sort_by(|a, b| order::natural_cmp(&a.key, &b.key));
        let nodes = sorted.iter().map(|i| i.doc).collect();
        RevisionsMap {
            namespace: namespace.to_string(),
            cluster: cluster.to_string(),
            nodes,
            wave,
            helm4_file,
        }
    }

    /// The nodes' hashed inputs, rebuilt, by document.
    fn inputs(&self, docs: &[Doc<'_>]) -> Vec<(usize, String)> {
        let mut read_order = self.nodes.clone();
        read_order.sort_unstable();
        let texts = hashed::rebuild(read_order.iter().map(|&i| {
            express_of(docs, i)
                .facts
                .input
                .as_ref()
                .expect("nodes have a hashed input")
        }));
        read_order.into_iter().zip(texts).collect()
    }

    /// What it records of each node, in order, from the nodes' documents
    /// (patched) and their `inputs`.
    fn recorded<'d>(
        &'d self,
        docs: &'d [Doc<'_>],
        inputs: &'d [(usize, String)],
    ) -> impl Iterator<Item = Recorded<'d>> {
        self.nodes.iter().map(move |&i| {
            let e = express_of(docs, i);
            let at = inputs
                .binary_search_by_key(&i, |(d, _)| *d)
                .expect("every node's input is rebuilt");
            Recorded {
                key: model::node_key(&e.name, &self.cluster).expect("read checked the name"),
                label: e.label().expect("every node is labelled"),
                from_chart: e.patch.label == Some(Label::Chart),
                input: &inputs[at].1,
            }
        })
    }

    /// The ConfigMap document, from `docs` as patched.
    pub(super) fn to_value(&self, docs: &[Doc<'_>]) -> Value {
        let (namespace, cluster) = (self.namespace.as_str(), self.cluster.as_str());
        let inputs = self.inputs(docs);
        let mut nodes = String::from("{\n");
        let mut revisions = String::from("{\n");
        for (
            i,
            Recorded {
                key, label, input, ..
            },
        ) in self.recorded(docs, &inputs).enumerate()
        {
            let sep = if i + 1 < self.nodes.len() {
                ",\n"
            } else {
                "\n"
            };
            nodes.push_str("  ");
            json::string(key, &mut nodes);
            nodes.push_str(": ");
            nodes.push_str(input);
            nodes.push_str(sep);
            revisions.push_str("  ");
            json::string(key, &mut revisions);
            revisions.push_str(": ");
            json::string(label, &mut revisions);
            revisions.push_str(sep);
        }
        nodes.push_str("}\n");
        revisions.push_str("}\n");
        let chart: Vec<&str> = self
            .recorded(docs, &inputs)
            .filter(|n| n.from_chart)
            .map(|n| n.key)
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
                    Value::Str(model::CREATED_BY.into()),
                ),
                (model::LABEL_CLUSTER.into(), Value::Str(cluster.into())),
            ]),
        ));
        let mut annotations = vec![(
            model::ANN_SYNC_WAVE.to_string(),
            Value::Str(self.wave.to_string()),
        )];
        if let Some(f) = &self.helm4_file {
            annotations.push((model::ANN_HELM4_FILENAME.into(), Value::Str(f.clone())));
        }
        meta.push(("annotations".into(), Value::Map(annotations)));
        Value::Map(vec![
            ("apiVersion".into(), Value::Str("v1".into())),
            ("kind".into(), Value::Str("ConfigMap".into())),
            ("metadata".into(), Value::Map(meta)),
            ("data".into(), Value::Map(data(nodes, revisions, &chart))),
        ])
    }
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
