//! Where a render's approval gates go (`--gate-after`, [`crate::gate`]):
//! in place of an earlier render's gate of the same name (so rendering is
//! idempotent), else after the cluster's last document, before its
//! revisions ConfigMap. A gate of that name express-waves did not write is
//! refused, never replaced; an earlier render's gate this render does not
//! write is dropped (its wave would now be a node's).
//!
//! Which gates a cluster gets: `--gate-after`'s keys when given, else
//! those of the gates an earlier render wrote into the input, so that a
//! render of a render (and `plan`, `status --render`, `approve --render`
//! of one) keeps them.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::gate::Gate;

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
            if g.ours {
                p.ours
                    .entry((g.namespace.clone(), g.cluster.clone()))
                    .or_default()
                    .push((i, g.name.clone(), g.after.clone()));
            } else {
                p.others.insert((g.namespace.clone(), g.name.clone()), i);
            }
        }
        p
    }

    /// The keys the input's own gates for `cluster` follow.
    pub fn recorded(&self, namespace: &str, cluster: &str) -> Vec<String> {
        self.ours
            .get(&(namespace.to_string(), cluster.to_string()))
            .map(|v| v.iter().map(|(_, _, after)| after.clone()).collect())
            .unwrap_or_default()
    }

    /// Places `gates` of one cluster; drops the input's other gates of it.
    pub fn place(
        &mut self,
        docs: &mut [Doc<'_>],
        namespace: &str,
        cluster: &str,
        last_doc: usize,
        gates: Vec<Gate>,
    ) -> Result<()> {
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
            return Err(Error::doc(
                &docs[*i].at(),
                format!(
                    "this gate (written by express-waves) guards cluster {}, but the stream holds no node of it: remove the gate, or render it with its cluster",
                    g.cluster
                ),
            ));
        }
        Ok(())
    }
}
