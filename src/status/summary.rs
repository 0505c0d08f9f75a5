//! A cluster's rollout in one line: how many nodes are done, and where it
//! stands (the node rolling, the gate waiting for approval, the Cluster
//! CR's health when it is not Healthy).

use crate::health::{Health, Status};
use crate::report;

use super::{GateState, GateStatus, NodeStatus, State};

/// Of `nodes`, how many are done, of the nodes to roll (neither down nor
/// with their health check ignored).
pub(super) fn progress(nodes: &[NodeStatus]) -> (usize, usize) {
    let rolled = nodes
        .iter()
        .filter(|n| !matches!(n.state, State::Down | State::Ignored));
    (
        rolled.clone().filter(|n| n.state == State::Done).count(),
        rolled.count(),
    )
}

/// One line: where the rollout of `nodes` is, after the Cluster CR's
/// health when it is not Healthy.
pub(super) fn summary(
    namespace: &str,
    name: &str,
    cluster: Option<&Health>,
    nodes: &[NodeStatus],
    gates: &[GateStatus],
) -> String {
    let count = |s: State| nodes.iter().filter(|n| n.state == s).count();
    let down = count(State::Down);
    let (done, up) = progress(nodes);
    let down = match down {
        0 => String::new(),
        d => format!(", {d} down"),
    };
    let nodes_line = match nodes
        .iter()
        .find(|n| !matches!(n.state, State::Done | State::Down | State::Ignored))
    {
        _ if let Some(g) = held_gate(nodes, gates) => {
            let wave = g.wave.map(|w| w.to_string()).unwrap_or_else(|| "-".into());
            let who = crate::model::qualified(namespace, name);
            let nodes = report::count(up, "node", "nodes");
            let after = &g.after;
            match g.state {
                GateState::Next => format!(
                    "{done} of {nodes} done{down}; next: the approval gate after {after} (wave {wave}), not applied yet, then waiting for `express-waves approve {who}`"
                ),
                GateState::Degraded => format!(
                    "{done} of {nodes} done{down}; the gate after {after} (wave {wave}) is Degraded and fails the sync there: {}",
                    g.health.message
                ),
                _ => format!(
                    "{done} of {nodes} done{down}; waiting for approval after {after} (wave {wave}): express-waves approve {who}"
                ),
            }
        }
        None if nodes.is_empty() => "no nodes".to_string(),
        None if up == 0 && count(State::Ignored) == 0 => {
            format!("all {} down", report::count(nodes.len(), "node", "nodes"))
        }
        None if up == 0 => format!("no node waited for{down}"),
        None => format!("all {} healthy{down}", report::count(up, "node", "nodes")),
        Some(n) => format!(
            "{done} of {} done{down}; {} {} (wave {})",
            report::count(up, "node", "nodes"),
            n.node.key,
            n.state.name(),
            n.wave.map(|w| w.to_string()).unwrap_or_else(|| "-".into())
        ),
    };
    let ignored: Vec<String> = nodes
        .iter()
        .filter(|n| n.state == State::Ignored)
        .map(|n| {
            format!(
                "{} (asked by {})",
                n.node.key,
                n.health_ignored_by.as_deref().unwrap_or_default()
            )
        })
        .collect();
    let nodes_line = match ignored.is_empty() {
        true => nodes_line,
        false => format!(
            "{nodes_line}; health check ignored on {}",
            ignored.join(", ")
        ),
    };
    match cluster {
        Some(h) if h.status != Status::Healthy => format!(
            "Cluster CR {} ({}); {nodes_line}",
            h.status.name(),
            h.message
        ),
        _ => nodes_line,
    }
}

/// The gate the rollout stands at: the first gate that holds (waiting for
/// approval, applied next, or Degraded) in a wave before every node not
/// done.
pub(super) fn held_gate<'g>(
    nodes: &[NodeStatus],
    gates: &'g [GateStatus],
) -> Option<&'g GateStatus> {
    let g = gates.iter().find(|g| g.state.holds())?;
    let first_pending = nodes
        .iter()
        .find(|n| !matches!(n.state, State::Done | State::Down | State::Ignored));
    match first_pending {
        Some(n) if n.wave.is_some_and(|w| g.wave.is_none_or(|gw| w < gw)) => None,
        _ => Some(g),
    }
}
