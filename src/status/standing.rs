//! Where a rollout stands against the render being rolled out (`status
//! --render`), when it is not done: which nodes already run their rendered
//! revision and which do not yet, the node it is at, and what the next sync
//! does, by Argo CD's behaviour as the README's "Stopping a rollout" has it:
//! a sync goes through the waves from the first; a node already at its
//! revision is Healthy at once, so the rollout goes on from where it
//! stopped; a Degraded node fails the sync in its wave, and no later node
//! is applied until it is Healthy; an approval gate not approved for this
//! rollout holds every later node (Suspended keeps its task running).

use serde::Serialize;

use super::{GateState, GateStatus, NodeStatus, State};
use crate::health::Status;

/// Where a rollout stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Standing {
    /// Nodes running their rendered revision, in wave order.
    pub updated: Vec<String>,
    /// Nodes not running it yet (not applied, rolling out, not created),
    /// in wave order.
    pub behind: Vec<String>,
    /// The node the rollout is at: the first one not done (none when only
    /// pruning is left).
    pub at: Option<String>,
    /// The node whose approval gate the rollout stands at (waiting for
    /// approval, applied next, or Degraded), when it does.
    #[serde(rename = "atGate", skip_serializing_if = "Option::is_none")]
    pub gate: Option<String>,
    /// What the next sync does, in one sentence.
    pub next: String,
}

/// Where the rollout of `nodes` (in wave order, their states set) stands;
/// `None` when every node is done, down or ignored and nothing is left to
/// prune.
pub fn standing(nodes: &[NodeStatus], gates: &[GateStatus], cluster: &str) -> Option<Standing> {
    let rendered: Vec<&NodeStatus> = nodes
        .iter()
        .filter(|n| n.wave.is_some() && n.state != State::Down)
        .collect();
    let (updated, behind): (Vec<&NodeStatus>, Vec<&NodeStatus>) =
        rendered.iter().partition(|n| at_revision(n));
    let rolling = rendered
        .iter()
        .position(|n| matches!(n.state, State::RollingOut | State::Degraded));
    let held = gates.iter().find(|g| g.state.holds());
    let (at, gate, next) = match (rolling, held) {
        (Some(i), _) => (
            Some(rendered[i].node.key.clone()),
            None,
            from_node(&rendered, i, gates, cluster),
        ),
        (None, Some(g)) => (None, Some(g.after.clone()), at_gate(&rendered, g, cluster)),
        (None, None) => (None, None, pruning_only(nodes)?),
    };
    Some(Standing {
        updated: keys(&updated),
        behind: keys(&behind),
        at,
        gate,
        next,
    })
}

fn keys(nodes: &[&NodeStatus]) -> Vec<String> {
    nodes.iter().map(|n| n.node.key.clone()).collect()
}

/// "X passes at once" / "X, Y pass at once".
fn pass(keys: &[String]) -> String {
    match keys.len() {
        1 => format!("{} passes at once", keys[0]),
        _ => format!("{} pass at once", keys.join(", ")),
    }
}

fn approve(g: &GateStatus, cluster: &str) -> String {
    format!(
        "Argo CD waits at the gate after {} until `express-waves approve {cluster}` approves this rollout",
        g.after
    )
}

/// Every rendered node before the gate is done, and the gate holds.
fn at_gate(rendered: &[&NodeStatus], g: &GateStatus, cluster: &str) -> String {
    let (before, after): (Vec<&NodeStatus>, Vec<&NodeStatus>) =
        rendered.iter().partition(|n| n.wave < g.wave);
    let mut next = String::from("from the first wave, ");
    if !before.is_empty() {
        next.push_str(&format!("{}, then ", pass(&keys(&before))));
    }
    if g.state == GateState::Degraded {
        next.push_str(&format!(
            "the gate after {} fails the sync (Degraded: {}; render it again)",
            g.after, g.health.message
        ));
        if !after.is_empty() {
            next.push_str(&format!(
                "; {} only in a sync after it is fixed",
                keys(&after).join(", ")
            ));
        }
        return next;
    }
    next.push_str(&approve(g, cluster));
    if !after.is_empty() {
        next.push_str(&format!(
            "; then, in wave order: {}",
            keys(&after).join(", ")
        ));
    }
    next
}

/// Every rendered node is done: what is left is pruning the nodes the
/// render no longer has, after every other node (PruneLast); `None` when
/// nothing is.
fn pruning_only(nodes: &[NodeStatus]) -> Option<String> {
    let pruned: Vec<String> = nodes
        .iter()
        .filter(|n| n.wave.is_none())
        .map(|n| n.node.key.clone())
        .collect();
    (!pruned.is_empty()).then(|| {
        format!(
            "every rendered node passes at once, then {} (no longer rendered) {} deleted, after every other node",
            pruned.join(", "),
            if pruned.len() == 1 { "is" } else { "are" }
        )
    })
}

/// The rollout is at `rendered[i]` (rolling out, or Degraded).
fn from_node(rendered: &[&NodeStatus], i: usize, gates: &[GateStatus], cluster: &str) -> String {
    let (at, before, after) = (rendered[i], &rendered[..i], &rendered[i + 1..]);
    let key = &at.node.key;
    let mut next = String::from("from the first wave, ");
    if !before.is_empty() {
        next.push_str(&format!("{}, then ", pass(&keys(before))));
    }
    if at.state == State::Degraded {
        next.push_str(&format!(
            "{key} is applied and the sync fails there while it is Degraded (fix it, or have the chart render express.medallia.com/health: ignore on it)"
        ));
        if !after.is_empty() {
            next.push_str(&format!(
                "; {} only in a sync after it is Healthy",
                keys(after).join(", ")
            ));
        }
        return next;
    }
    next.push_str(&format!(
        "{key} is applied and waited for until Healthy at its revision"
    ));
    let steps = later_steps(after, at.wave, gates, cluster);
    if !steps.is_empty() {
        next.push_str(&format!("; then, in wave order: {}", steps.join(", ")));
    }
    next
}

/// After the node in wave `from`: each later node (and gate) in wave
/// order, until one fails the sync or a gate holds it.
fn later_steps(
    after: &[&NodeStatus],
    from: Option<i64>,
    gates: &[GateStatus],
    cluster: &str,
) -> Vec<String> {
    // The gates between the node in wave `from` (exclusive) and `to`.
    let between = |from: Option<i64>, to: Option<i64>| {
        gates
            .iter()
            .filter(move |g| g.wave > from && (to.is_none() || g.wave < to))
    };
    let mut steps = Vec::new();
    let mut last = from;
    for n in after {
        let k = &n.node.key;
        for g in between(last, n.wave).filter(|g| g.state == GateState::Approved) {
            steps.push(format!("the gate after {} passes (approved)", g.after));
        }
        if let Some(g) = between(last, n.wave).find(|g| g.state != GateState::Approved) {
            steps.push(approve(g, cluster));
            break;
        }
        last = n.wave;
        if n.state == State::Ignored {
            steps.push(format!("{k} passes (health ignored)"));
        } else if n.health.status == Status::Degraded {
            steps.push(format!("{k} fails the sync (Degraded)"));
            break;
        } else if at_revision(n) && n.health.status == Status::Healthy {
            steps.push(format!("{k} passes at once"));
        } else if at_revision(n) {
            steps.push(format!("{k} is waited for"));
        } else {
            steps.push(format!("{k} rolls"));
        }
    }
    steps
}

/// Whether the node runs its rendered revision.
fn at_revision(n: &NodeStatus) -> bool {
    n.running.is_some() && n.running == n.desired
}
