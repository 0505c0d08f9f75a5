//! Grouping: the Express documents of a stream by cluster (namespace and
//! `spec.clusterConfig.clusterName`), refusing a second Cluster CR or a
//! duplicate node.

use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, Result};
use crate::model::{ANN_CLUSTERS, ANN_FRONTENDS_BEFORE_BACKEND, ANN_WAVE_START, ExpressKind};

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

/// The options that shape a stream's waves, as asked or recorded.
pub(super) struct StreamOptions {
    pub(super) wave_start: i64,
    /// `None`: neither asked for nor recorded.
    pub(super) in_sequence: Option<bool>,
    pub(super) frontends_before_backend: usize,
}

/// The stream's first wave, whether its clusters roll in sequence and how
/// many frontends go before the backend: each as asked (`opts`; its
/// records are then not read), else as an earlier render recorded it (on
/// each cluster's Cluster CR, else on its nodes; every record the same),
/// else 1, `None` and 2.
pub(super) fn stream_options(
    docs: &[Doc<'_>],
    clusters: &BTreeMap<(String, String), ClusterDocs>,
    opts: &super::Options,
) -> Result<StreamOptions> {
    let recorders = clusters.values().flat_map(|cd| match cd.cluster_doc {
        Some(ci) => vec![ci],
        None => cd.nodes.clone(),
    });
    // The first record of each, with its document.
    let mut start: Option<(i64, usize)> = None;
    let mut order: Option<(&str, usize)> = None;
    let mut fbb: Option<(usize, usize)> = None;
    for i in recorders {
        let What::Express(e) = &docs[i].what else {
            continue;
        };
        let Some(r) = &e.facts.recorded else {
            continue;
        };
        if opts.wave_start.is_none() {
            agree(
                docs,
                i,
                ANN_WAVE_START,
                &mut start,
                r.wave_start,
                "--wave-start",
            )?;
            if let Some(w) = r.wave_start {
                super::wave_start_in_range(w).map_err(|range| {
                    Error::doc(&docs[i].at(), format!("{ANN_WAVE_START} is `{w}`: {range}"))
                })?;
            }
        }
        if opts.clusters_in_sequence.is_none() {
            let s = r
                .in_sequence
                .map(|s| if s { "in-sequence" } else { "parallel" });
            agree(docs, i, ANN_CLUSTERS, &mut order, s, "--clusters")?;
        }
        if opts.frontends_before_backend.is_none() {
            let n = r.frontends_before_backend;
            let flag = "--frontends-before-backend";
            agree(docs, i, ANN_FRONTENDS_BEFORE_BACKEND, &mut fbb, n, flag)?;
        }
    }
    Ok(StreamOptions {
        wave_start: opts.wave_start.or(start.map(|s| s.0)).unwrap_or(1),
        in_sequence: opts
            .clusters_in_sequence
            .or(order.map(|(o, _)| o == "in-sequence")),
        frontends_before_backend: opts
            .frontends_before_backend
            .or(fbb.map(|f| f.0))
            .unwrap_or(2),
    })
}

/// Refuses a record of `key` at document `i` other than the first one
/// seen (`first`, with its document).
fn agree<T: PartialEq + std::fmt::Display + Copy>(
    docs: &[Doc<'_>],
    i: usize,
    key: &str,
    first: &mut Option<(T, usize)>,
    value: Option<T>,
    flag: &str,
) -> Result<()> {
    let Some(v) = value else { return Ok(()) };
    match *first {
        None => *first = Some((v, i)),
        Some((f, at)) if f != v => {
            return Err(Error::doc(
                &docs[i].at(),
                format!(
                    "{key} is `{v}` here but `{f}` on document {}: one stream has one; render with {flag} to choose",
                    docs[at].at().index
                ),
            ));
        }
        Some(_) => {}
    }
    Ok(())
}
