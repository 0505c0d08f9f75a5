//! Grouping: the Express documents of a stream by cluster (namespace and
//! `spec.clusterConfig.clusterName`), refusing a second Cluster CR or a
//! duplicate node.

use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, Result};
use crate::model::ExpressKind;

use super::read::{Doc, What};

/// A cluster of the stream: its namespace, its name and its documents.
#[derive(Clone, Copy)]
pub(super) struct Cluster<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub docs: &'a ClusterDocs,
}

#[derive(Default)]
pub(super) struct ClusterDocs {
    pub cluster_doc: Option<usize>,
    pub nodes: Vec<usize>,
    pub last_doc: usize,
}

impl ClusterDocs {
    /// The document that names the cluster in a message: its Cluster CR,
    /// else its first node.
    pub fn named_by(&self) -> usize {
        self.cluster_doc
            .or(self.nodes.first().copied())
            .unwrap_or(self.last_doc)
    }
}

pub(super) fn clusters(docs: &[Doc<'_>]) -> Result<BTreeMap<(String, String), ClusterDocs>> {
    let mut clusters: BTreeMap<(String, String), ClusterDocs> = BTreeMap::new();
    let mut names: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, d) in docs.iter().enumerate() {
        let What::Express(e) = &d.what else { continue };
        let c = clusters
            .entry((e.namespace.to_string(), e.cluster.to_string()))
            .or_default();
        c.last_doc = i;
        if e.kind == ExpressKind::Cluster {
            if let Some(prev) = c.cluster_doc {
                return Err(Error::doc(
                    &d.at(),
                    format!(
                        "a second Cluster CR for cluster `{}` (the first is document {})",
                        e.cluster,
                        docs[prev].at().index
                    ),
                ));
            }
            c.cluster_doc = Some(i);
        } else {
            if let Some(&prev) = names.get(&(&*e.namespace, e.name.as_str())) {
                return Err(Error::doc(
                    &d.at(),
                    format!(
                        "duplicate node `{}` (also document {})",
                        e.name,
                        docs[prev].at().index
                    ),
                ));
            }
            names.insert((&*e.namespace, &e.name), i);
            c.nodes.push(i);
        }
    }
    Ok(clusters)
}
