//! What `approve` shows: the gate it approves (or would, `--dry-run`),
//! with the nodes before and after it, or the gates already approved, as
//! text or JSON.

use std::fmt::Write as _;

use serde::Serialize;

use crate::gate;

use super::{LiveGate, short};

/// What `approve` did, as text or JSON (`-o json`: `{"namespace",
/// "cluster","result":"approved"|"dry-run"|"nothing-waits","gate"?:{"name",
/// "after","rollout","before":[{"node","revision"}],"heldUntilApproved":[…],
/// "approvedBy"?},"alreadyApproved":[{"name","after","rollout",
/// "approvedBy"}],"alsoHeldBy"?:["…"]}`).
#[derive(Serialize)]
pub(super) struct Report<'a> {
    pub(super) namespace: &'a str,
    pub(super) cluster: &'a str,
    pub(super) result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) gate: Option<GateReport<'a>>,
    #[serde(rename = "alreadyApproved")]
    pub(super) already: Vec<Approved<'a>>,
    /// Gates that hold the rollout too but are not ones express-waves
    /// wrote for this cluster.
    #[serde(rename = "alsoHeldBy", skip_serializing_if = "Vec::is_empty")]
    pub(super) others: Vec<String>,
}

/// Which gate: its name, the node it follows and the rollout it guards.
#[derive(Serialize)]
struct GateId<'a> {
    name: &'a str,
    after: &'a str,
    rollout: &'a str,
}

#[derive(Serialize)]
pub(super) struct GateReport<'a> {
    #[serde(flatten)]
    id: GateId<'a>,
    before: Vec<NodeRevision<'a>>,
    #[serde(rename = "heldUntilApproved")]
    held: Vec<NodeRevision<'a>>,
    #[serde(rename = "approvedBy", skip_serializing_if = "Option::is_none")]
    by: Option<&'a str>,
}

#[derive(Serialize)]
struct NodeRevision<'a> {
    node: &'a str,
    revision: &'a str,
}

#[derive(Serialize)]
pub(super) struct Approved<'a> {
    #[serde(flatten)]
    id: GateId<'a>,
    #[serde(rename = "approvedBy")]
    by: &'a str,
}

impl<'a> GateId<'a> {
    fn of(l: &'a LiveGate) -> GateId<'a> {
        GateId {
            name: &l.name,
            after: &l.gate.after,
            rollout: &l.gate.rollout,
        }
    }
}

impl<'a> GateReport<'a> {
    pub(super) fn of(l: &'a LiveGate, by: Option<&'a str>) -> GateReport<'a> {
        let (before, held) = l.gate.split();
        let list = |ns: &'a [gate::NodeRevision]| {
            ns.iter()
                .map(|(node, revision)| NodeRevision { node, revision })
                .collect()
        };
        GateReport {
            id: GateId::of(l),
            before: list(before),
            held: list(held),
            by,
        }
    }
}

impl<'a> Approved<'a> {
    pub(super) fn of(l: &'a LiveGate) -> Approved<'a> {
        Approved {
            id: GateId::of(l),
            by: l.approved_by.as_deref().unwrap_or(""),
        }
    }
}

impl Report<'_> {
    pub(super) fn print(&self, json: bool) -> Vec<u8> {
        if json {
            return crate::report::json(self).into_bytes();
        }
        let mut out = String::new();
        match (&self.gate, self.result) {
            (None, _) => {
                for a in &self.already {
                    writeln!(out, "{}", approved_line(self.namespace, self.cluster, a)).unwrap();
                }
            }
            (Some(g), result) => {
                out.push_str(&describe(self.namespace, self.cluster, g));
                if result == "dry-run" {
                    out.push_str("not approved (--dry-run)\n");
                } else {
                    writeln!(
                        out,
                        "approved by {}",
                        g.by.unwrap_or("(nobody named: --by)")
                    )
                    .unwrap();
                }
            }
        }
        for o in &self.others {
            writeln!(
                out,
                "{}: also held by {o}",
                crate::model::qualified(self.namespace, self.cluster)
            )
            .unwrap();
        }
        out.into_bytes()
    }
}

fn approved_line(namespace: &str, cluster: &str, a: &Approved<'_>) -> String {
    format!(
        "{}: the gate after {} is already approved for its rollout {}{}",
        crate::model::qualified(namespace, cluster),
        a.id.after,
        short(a.id.rollout),
        match a.by {
            "" => String::new(),
            by => format!(" (by {by})"),
        }
    )
}

/// What is approved: the nodes before the gate (rolled) and after it (to
/// roll once approved), with their revisions.
fn describe(namespace: &str, cluster: &str, g: &GateReport<'_>) -> String {
    let width = g
        .before
        .iter()
        .chain(&g.held)
        .map(|n| n.node.len())
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "{}: the gate after {} (rollout {})\n  before the gate:\n",
        crate::model::qualified(namespace, cluster),
        g.id.after,
        g.id.rollout
    );
    for n in &g.before {
        writeln!(out, "    {:width$}  {}", n.node, n.revision).unwrap();
    }
    out.push_str("  after the gate (held until approved):\n");
    for n in &g.held {
        writeln!(out, "    {:width$}  {}", n.node, n.revision).unwrap();
    }
    out
}
