//! `status`: rollout progress from live objects, with the same health rules
//! as the Argo CD Lua checks (`health.rs`): per cluster, the Cluster CR's
//! health, then in wave order which nodes are done, down on purpose,
//! rolling out, waiting or Degraded. With a render (`--render`), each node's
//! target is the render's revision, not the live label: a node not applied
//! yet is not done, a node not created yet is listed, and one the render
//! no longer has is listed until Argo CD prunes it.
//!
//! Approval gates ([`crate::gate`]) stand between the nodes in their wave:
//! a gate not approved for the rollout it guards (with a render: the
//! render's) holds every later node, and the summary says who to ask
//! (`express-waves approve NS/CLUSTER`); a rollout held there is in
//! progress (3).
//!
//! Exit codes, for scripts and alerts (`kubectl rollout status` has the
//! same need): 0 every node done, down on purpose or its health check
//! ignored (named in the summary) and no Cluster CR Degraded; 1 a node or a Cluster CR is Degraded; 3 a rollout is still in
//! progress.

mod gates;
pub mod operation;
mod output;
mod standing;
mod summary;
pub mod watch;

pub use gates::{GateState, GateStatus};
pub use operation::Operation;
pub use output::{json, table};

use summary::{held_gate, progress, summary};

use std::collections::BTreeMap;

use serde::Serialize;

use crate::health::{self, Health, Status};
use crate::live::{Live, LiveNode};
use crate::model::{ExpressKind, NodeId};
use crate::render::Analysis;

/// Where a node is in its cluster's rollout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Healthy, and so is every node before it.
    Done,
    /// Down on purpose (`express.medallia.com/up: "false"`): healthy to Argo
    /// CD, counted apart from the nodes done.
    Down,
    /// The first node not done: rolling out now.
    RollingOut,
    Degraded,
    /// Behind a node that is not done.
    Waiting,
    /// Its health check ignored by on-call (`express.medallia.com/health:
    /// ignore`): Healthy to Argo CD, which goes on past it whatever its
    /// state (in its message); counted apart, and named in the summary.
    Ignored,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Done => "done",
            State::Down => "down",
            State::RollingOut => "rolling-out",
            State::Degraded => "degraded",
            State::Waiting => "waiting",
            State::Ignored => "ignored",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    #[serde(flatten)]
    pub node: NodeId,
    pub wave: Option<i64>,
    pub state: State,
    /// As `health` (the status) and `message`.
    #[serde(flatten)]
    pub health: Health,
    #[serde(rename = "desiredRevision")]
    pub desired: Option<String>,
    #[serde(rename = "runningRevision")]
    pub running: Option<String>,
    /// Who asked to ignore its health check; only when someone did.
    #[serde(rename = "healthIgnoredBy", skip_serializing_if = "Option::is_none")]
    pub health_ignored_by: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ClusterStatus {
    pub namespace: String,
    pub name: String,
    /// The Cluster CR's health; `None` when it is not live.
    pub cluster: Option<Health>,
    /// One line: where the rollout is.
    pub summary: String,
    /// Against a render, when the rollout is not done: which nodes run
    /// their rendered revision, the node it is at, what the next sync does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standing: Option<standing::Standing>,
    pub nodes: Vec<NodeStatus>,
    /// Its approval gates, in wave order; only when it has some.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<GateStatus>,
}

impl ClusterStatus {
    fn degraded(&self) -> bool {
        self.cluster
            .as_ref()
            .is_some_and(|h| h.status == Status::Degraded)
            || self.nodes.iter().any(|n| n.state == State::Degraded)
            || self.gates.iter().any(|g| g.state == GateState::Degraded)
    }

    /// The gate the rollout stands at, if it stands at one (before any
    /// node not done): waiting for approval, applied next, or Degraded.
    pub fn held_gate(&self) -> Option<&GateStatus> {
        held_gate(&self.nodes, &self.gates)
    }

    fn settled(&self) -> bool {
        self.cluster
            .as_ref()
            .is_none_or(|h| h.status == Status::Healthy)
            && self
                .nodes
                .iter()
                .all(|n| matches!(n.state, State::Done | State::Down | State::Ignored))
            && self.held_gate().is_none()
    }
}

/// The exit code for `clusters` (module doc), and the Application's last
/// sync, when read: one that stopped (failed, terminated) is 1 too.
pub fn exit_code(clusters: &[ClusterStatus], op: Option<&Operation>) -> u8 {
    if clusters.iter().any(ClusterStatus::degraded) || op.is_some_and(Operation::stopped) {
        1
    } else if clusters.iter().all(ClusterStatus::settled) && !op.is_some_and(Operation::running) {
        0
    } else {
        3
    }
}

/// One live node's status, against its target revision: the render's when
/// one is given, else its own label.
fn node_status(l: &LiveNode<'_>, target: Option<&crate::render::NodeRollout>) -> NodeStatus {
    let label = l.label();
    let ignored_by = health::ignored_by(l.kind, l.obj);
    let not_applied = match target {
        Some(t) if label != Some(t.revision.as_str()) => Some(Health {
            status: Status::Progressing,
            message: format!(
                "Not applied yet: label {}, target {}",
                label.unwrap_or("(none)"),
                t.revision
            ),
        }),
        Some(t) if t.up != l.up() => Some(Health {
            status: Status::Progressing,
            message: format!(
                "Not applied yet: {} live, {} in the render",
                if l.up() { "up" } else { "down" },
                if t.up { "up" } else { "down" }
            ),
        }),
        _ => None,
    };
    // As Argo CD sees it: the live object's check, ignored or not.
    let health = match (not_applied, &ignored_by) {
        (Some(h), Some(by)) => health::ignoring(by, h),
        (Some(h), None) => h,
        (None, _) => health::assess(l.kind, l.obj),
    };
    NodeStatus {
        wave: target.map(|t| t.wave).or_else(|| l.wave()),
        health,
        desired: target
            .map(|t| t.revision.as_str())
            .or(label)
            .map(str::to_string),
        running: l.running().map(str::to_string),
        state: match (l.up(), &ignored_by) {
            (false, _) => State::Down,
            (true, Some(_)) => State::Ignored,
            (true, None) => State::Waiting,
        },
        node: l.id(),
        health_ignored_by: ignored_by,
    }
}

/// A rendered node not live yet.
fn not_created(n: &crate::render::NodeRollout) -> NodeStatus {
    NodeStatus {
        node: n.id(),
        wave: Some(n.wave),
        state: State::Waiting,
        health: Health {
            status: Status::Progressing,
            message: "Not created yet".into(),
        },
        desired: Some(n.revision.clone()),
        running: None,
        health_ignored_by: None,
    }
}

/// The rollout state of every cluster among the live objects (and in the
/// render, when one is given).
pub fn status(live: &Live, render: Option<&Analysis>) -> Vec<ClusterStatus> {
    let mut clusters: BTreeMap<(String, String), Vec<NodeStatus>> = BTreeMap::new();
    let rendered = |ns: &str, cluster: &str| {
        render.and_then(|r| {
            r.clusters
                .iter()
                .find(|c| crate::model::same_namespace(&c.namespace, ns) && c.name == cluster)
        })
    };
    for l in live.nodes() {
        let target =
            rendered(&l.namespace, &l.cluster).map(|c| c.nodes.iter().find(|n| n.key == l.key));
        let mut n = node_status(&l, target.flatten());
        if matches!(target, Some(None)) {
            n.health = Health {
                status: Status::Progressing,
                message: "Not in the render: Argo CD prunes it after every other node".into(),
            };
            n.wave = None;
        }
        clusters
            .entry((l.namespace.clone(), l.cluster.clone()))
            .or_default()
            .push(n);
    }
    for c in live.express().filter(|c| c.kind == ExpressKind::Cluster) {
        clusters
            .entry((c.namespace.clone(), c.cluster.clone()))
            .or_default();
    }
    for c in render.iter().flat_map(|r| &r.clusters) {
        // The live cluster it is rolled out to (a render may leave the
        // namespace out), else its own.
        let key = clusters
            .keys()
            .find(|(ns, name)| crate::model::same_namespace(&c.namespace, ns) && *name == c.name)
            .cloned()
            .unwrap_or_else(|| (c.namespace.clone(), c.name.clone()));
        let entry = clusters.entry(key).or_default();
        for n in &c.nodes {
            if !entry.iter().any(|e| e.node.key == n.key) {
                entry.push(not_created(n));
            }
        }
    }
    clusters
        .into_iter()
        .map(|((namespace, name), nodes)| {
            let cluster = live
                .express()
                .find(|c| {
                    c.kind == ExpressKind::Cluster && c.namespace == namespace && c.cluster == name
                })
                .map(|c| health::assess(c.kind, c.obj));
            let gates = gates::of_cluster(
                live,
                rendered(&namespace, &name),
                render.is_some(),
                &namespace,
                &name,
            );
            let (nodes, gates) = in_rollout_order(nodes, gates, render.is_some());
            ClusterStatus {
                summary: summary(&namespace, &name, cluster.as_ref(), &nodes, &gates),
                standing: render.and(standing::standing(
                    &nodes,
                    &gates,
                    &crate::model::qualified(&namespace, &name),
                )),
                namespace,
                name,
                cluster,
                nodes,
                gates,
            }
        })
        .collect()
}

/// `nodes` in wave order (with a render, those it no longer has last),
/// each given its state: done while every node before it is; the first
/// node not done is rolling out (or Degraded), the rest wait.
fn in_rollout_order(
    mut nodes: Vec<NodeStatus>,
    mut gates: Vec<GateStatus>,
    rendered: bool,
) -> (Vec<NodeStatus>, Vec<GateStatus>) {
    nodes.sort_by(|a, b| {
        let removed = |n: &NodeStatus| rendered && n.wave.is_none();
        removed(a)
            .cmp(&removed(b))
            .then_with(|| a.wave.cmp(&b.wave))
            .then_with(|| crate::order::natural_cmp(&a.node.key, &b.node.key))
    });
    let mut blocked = false;
    let mut passing = gates::Passing::new(&mut gates);
    for n in &mut nodes {
        let removed = rendered && n.wave.is_none();
        if !removed {
            passing.before(n.wave, &mut blocked);
        }
        n.state = match (n.state, n.health.status, blocked) {
            (_, Status::Degraded, _) => State::Degraded,
            // Pruned after every other node: it waits for them.
            _ if removed => State::Waiting,
            (State::Ignored, _, _) => State::Ignored,
            (State::Down, Status::Healthy, _) => State::Down,
            (_, Status::Healthy, false) => State::Done,
            (_, _, false) => State::RollingOut,
            (_, _, true) => State::Waiting,
        };
        if !matches!(n.state, State::Done | State::Down | State::Ignored) {
            blocked = true;
        }
    }
    passing.before(None, &mut blocked);
    (nodes, gates)
}
