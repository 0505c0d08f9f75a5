//! Where a render's approval gates go (`--gate-after`, [`crate::gate`]):
//! in place of an earlier render's gate of the same name (so rendering is
//! idempotent), else after the cluster's last document, before its
//! revisions ConfigMap. A gate of that name express-waves did not write is
//! refused, never replaced; an earlier render's gate this render does not
//! write is dropped (its wave would now be a node's).
//!
//! Which gates a cluster gets ([`Gates`]): `--gate-after`'s keys when
//! given, none with `--no-gates`, else those of the gates an earlier render
//! wrote into the input, so that a render of a render (and `plan`, `status
//! --render`, `approve --render` of one) keeps them. A gate holds every
//! later wave of the Application (gitops-engine `pkg/sync/sync_context.go`,
//! `Sync`: it takes the tasks of the lowest phase and wave across the whole
//! Application, and goes on only when they are all healthy), so with several clusters side by side
//! one cluster's gate would hold the others' nodes: refused (clusters in
//! sequence each roll after the one before, so that is what they expect).

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::gate::{Gate, Guarded};

use super::Gates;
use super::cluster::NodeInfo;
use super::group::{Cluster, ClusterDocs};
use super::read::{Doc, What};

/// A gate an earlier render wrote: its document, name, and the node it
/// follows.
type Earlier = (usize, String, String);

pub(super) struct Placement {
    /// Gates express-waves wrote, by `(namespace, cluster)`.
    ours: HashMap<(String, String), Vec<Earlier>>,
    /// Other Gates, by `(namespace, name)`.
    others: HashMap<(String, String), usize>,
    /// New gates, by the index of the document they follow.
    pub inserts: HashMap<usize, Vec<Gate>>,
}

impl Placement {
    pub fn new(docs: &[Doc<'_>]) -> Placement {
        let mut p = Placement {
            ours: HashMap::new(),
            others: HashMap::new(),
            inserts: HashMap::new(),
        };
        for (i, d) in docs.iter().enumerate() {
            let What::Gate(g) = &d.what else { continue };
            match &g.written {
                Some((cluster, after)) => p
                    .ours
                    .entry((g.namespace.clone(), cluster.clone()))
                    .or_default()
                    .push((i, g.name.clone(), after.clone())),
                None => {
                    p.others.insert((g.namespace.clone(), g.name.clone()), i);
                }
            }
        }
        p
    }

    /// Whether the input is a render of several clusters in sequence: only
    /// such a render writes gates for several clusters, so a render of it
    /// (and a report on it: `plan`, `status --render`, `approve --render`)
    /// keeps them in sequence without being told again.
    pub fn written_in_sequence(&self, asked: &Gates, clusters: usize) -> bool {
        *asked == Gates::Written && clusters > 1 && !self.ours.is_empty()
    }

    /// The nodes `cluster`'s gates are to follow (module doc).
    pub fn wanted(&self, asked: &Gates, namespace: &str, cluster: &str) -> Vec<GateAfter> {
        match asked {
            Gates::After(keys) => keys
                .iter()
                .map(|k| GateAfter {
                    key: k.clone(),
                    written_in: None,
                })
                .collect(),
            Gates::None => Vec::new(),
            Gates::Written => self
                .ours
                .get(&(namespace.to_string(), cluster.to_string()))
                .map(|v| {
                    v.iter()
                        .map(|(doc, _, after)| GateAfter {
                            key: after.clone(),
                            written_in: Some(*doc),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Places `gates` of one cluster; drops the input's other gates of it.
    pub fn place(
        &mut self,
        gates: Vec<Gate>,
        cluster: Cluster<'_>,
        docs: &mut [Doc<'_>],
    ) -> Result<()> {
        let (namespace, last_doc) = (cluster.namespace, cluster.docs.last_doc);
        let cluster = cluster.name;
        let mut earlier = self
            .ours
            .remove(&(namespace.to_string(), cluster.to_string()))
            .unwrap_or_default();
        for gate in gates {
            let name = gate.name();
            if let Some(&i) = self.others.get(&(namespace.to_string(), name.clone())) {
                return Err(Error::doc(
                    &docs[i].at(),
                    format!(
                        "this Gate has the name of the gate express-waves writes after {} of cluster {cluster}, but express-waves did not write it (no app.kubernetes.io/created-by: express-waves label): remove it from the chart",
                        gate.after
                    ),
                ));
            }
            match earlier.iter().position(|(_, n, _)| *n == name) {
                Some(at) => {
                    let (i, _, _) = earlier.swap_remove(at);
                    docs[i].what = What::GateReplaced(Box::new(gate));
                }
                None => self.inserts.entry(last_doc).or_default().push(gate),
            }
        }
        for (i, _, _) in earlier {
            docs[i].what = What::Dropped;
        }
        Ok(())
    }

    /// Gates an earlier render wrote for a cluster the stream does not
    /// hold: refused, since nothing could decide their waves.
    pub fn check_orphans(&self, docs: &[Doc<'_>]) -> Result<()> {
        if let Some((i, _, _)) = self.ours.values().flatten().min_by_key(|(i, _, _)| *i) {
            let What::Gate(g) = &docs[*i].what else {
                unreachable!("ours are gates")
            };
            let cluster = g.written.as_ref().map_or("", |(c, _)| c.as_str());
            return Err(Error::doc(
                &docs[*i].at(),
                format!(
                    "this gate (written by express-waves) guards cluster {} in namespace `{}`, which the stream does not hold: remove the gate, or render it with its cluster",
                    cluster, g.namespace
                ),
            ));
        }
        Ok(())
    }
}

/// The error for gates in a stream of several clusters side by side,
/// named by the cluster's Cluster CR (else its first node).
pub(super) fn side_by_side(docs: &[Doc<'_>], cd: &ClusterDocs, cluster: &str) -> Error {
    Error::doc(
        &docs[cd.named_by()].at(),
        format!(
            "cluster {cluster} gets an approval gate, but the stream holds several clusters side by side: Argo CD's waves are the Application's, so one cluster's gate would hold every other cluster's later nodes too; render with --clusters in-sequence (each cluster rolls after the one before, behind its gates), or gate none (--no-gates)"
        ),
    )
}

/// A node an approval gate is to follow: asked for with `--gate-after`,
/// or kept from the gate an earlier render wrote (its document).
pub(super) struct GateAfter {
    pub(super) key: String,
    pub(super) written_in: Option<usize>,
}

/// A gate asked for that cannot be: which, and why.
pub(super) struct Refused<'k> {
    gate: &'k GateAfter,
    why: String,
}

impl Refused<'_> {
    /// The error, named by the earlier render's gate, else by the cluster
    /// (its Cluster CR, else its first node).
    pub(super) fn at(self, docs: &[Doc<'_>], cd: &ClusterDocs) -> Error {
        let m = self.why;
        match self.gate.written_in {
            Some(doc) => Error::doc(
                &docs[doc].at(),
                format!(
                    "this gate, written by an earlier render, {m}: render from the chart again, or give --gate-after or --no-gates"
                ),
            ),
            None => Error::doc(
                &docs[cd.named_by()].at(),
                format!("--gate-after {}: a gate {m}", self.gate.key),
            ),
        }
    }
}

/// The positions in wave order (`in_order`: the cluster's nodes so) of
/// the nodes the gates follow, each once, in order: a key that is no node
/// of the cluster, or is its last node (a gate there would hold nothing
/// back), is refused.
pub(super) fn positions<'k>(
    in_order: &[&NodeInfo],
    namespace: &str,
    cluster: &str,
    keys: &'k [GateAfter],
) -> std::result::Result<Vec<usize>, Refused<'k>> {
    let named = crate::model::qualified(namespace, cluster);
    let mut positions = Vec::with_capacity(keys.len());
    for gate in keys {
        let key = &gate.key;
        let refused = |why| Refused { gate, why };
        let Some(p) = in_order.iter().position(|n| n.key == *key) else {
            let all: Vec<&str> = in_order.iter().map(|n| n.key.as_str()).collect();
            return Err(refused(format!(
                "follows {key}, but cluster {named} has no node {key} (its nodes, in wave order: {})",
                if all.is_empty() {
                    "none".to_string()
                } else {
                    all.join(", ")
                }
            )));
        };
        if p + 1 == in_order.len() {
            return Err(refused(format!(
                "follows {key}, the last node of cluster {named}, so it would hold nothing back; gate after an earlier node"
            )));
        }
        if !positions.contains(&p) {
            positions.push(p);
        }
    }
    positions.sort_unstable();
    Ok(positions)
}

/// The gates after the nodes at `positions` of `in_order`, each in the
/// wave after its node's (`waves`, by the nodes' index in the cluster, as
/// `in_order` holds them by position), guarding every node.
pub(super) fn decide(
    namespace: &str,
    cluster: &str,
    in_order: &[&NodeInfo],
    positions: &[usize],
    wave_of: impl Fn(usize) -> i64,
    helm4_file: Option<&str>,
) -> Vec<Gate> {
    let guarded: Vec<Guarded<'_>> = in_order
        .iter()
        .map(|info| Guarded {
            key: &info.key,
            label: &info.label,
            sha256: info.digest.sha256(),
        })
        .collect();
    positions
        .iter()
        .map(|&p| {
            let mut g = Gate::new(
                namespace,
                cluster,
                &in_order[p].key,
                wave_of(p) + 1,
                &guarded,
            );
            g.helm4_file = helm4_file.map(str::to_string);
            g
        })
        .collect()
}
