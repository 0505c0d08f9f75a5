//! `status`: rollout progress from live objects, with the same health rules
//! as the Argo CD Lua checks (`health.rs`): per cluster, in wave order,
//! which nodes are done, which one is rolling out, which wait, which are
//! Degraded.

use std::collections::BTreeMap;

use serde_json::json;

use crate::health::{self, Health, Status};
use crate::live::Live;
use crate::model::ExpressKind;
use crate::report::{self, Colour, Table};

#[derive(Clone, Debug)]
pub struct NodeStatus {
    pub key: String,
    pub name: String,
    pub kind: ExpressKind,
    pub wave: Option<i64>,
    pub health: Health,
    pub desired: Option<String>,
    pub running: Option<String>,
    /// `done`, `rolling-out`, `degraded` or `waiting`.
    pub state: &'static str,
}

#[derive(Clone, Debug)]
pub struct ClusterStatus {
    pub namespace: String,
    pub name: String,
    pub nodes: Vec<NodeStatus>,
}

impl ClusterStatus {
    /// One line: where the rollout is.
    pub fn summary(&self) -> String {
        let total = self.nodes.len();
        let done = self.nodes.iter().filter(|n| n.state == "done").count();
        match self.nodes.iter().find(|n| n.state != "done") {
            None => format!("all {total} nodes healthy"),
            Some(n) => format!(
                "{done} of {total} nodes done; {} {} (wave {})",
                n.key,
                n.state,
                n.wave.map(|w| w.to_string()).unwrap_or_else(|| "-".into())
            ),
        }
    }
}

/// The rollout state of every cluster among the live objects.
pub fn status(live: &Live) -> Vec<ClusterStatus> {
    let mut clusters: BTreeMap<(String, String), Vec<NodeStatus>> = BTreeMap::new();
    for l in live.nodes() {
        let entry = clusters
            .entry((l.namespace.clone(), l.cluster.clone()))
            .or_default();
        entry.push(NodeStatus {
            wave: l.wave(),
            health: health::assess(l.kind, l.obj),
            desired: l.label().map(str::to_string),
            running: l.running().map(str::to_string),
            state: "waiting",
            key: l.key,
            name: l.name,
            kind: l.kind,
        });
    }
    clusters
        .into_iter()
        .map(|((namespace, name), mut nodes)| {
            nodes.sort_by(|a, b| {
                a.wave
                    .cmp(&b.wave)
                    .then_with(|| crate::order::natural_cmp(&a.key, &b.key))
            });
            let mut blocked = false;
            for n in &mut nodes {
                n.state = match (n.health.status, blocked) {
                    (Status::Degraded, _) => "degraded",
                    (Status::Healthy, false) => "done",
                    (_, false) => "rolling-out",
                    (_, true) => "waiting",
                };
                if n.state != "done" {
                    blocked = true;
                }
            }
            ClusterStatus {
                namespace,
                name,
                nodes,
            }
        })
        .collect()
}

fn colour(state: &str) -> Colour {
    match state {
        "done" => Colour::Green,
        "rolling-out" => Colour::Yellow,
        "degraded" => Colour::Red,
        _ => Colour::Dim,
    }
}

pub fn table(clusters: &[ClusterStatus], use_colour: bool) -> String {
    let mut out = String::new();
    for (i, c) in clusters.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let name = crate::model::qualified(&c.namespace, &c.name);
        out.push_str(&format!("CLUSTER {name}: {}\n", c.summary()));
        let mut t = Table::new(&[
            "WAVE", "NODE", "KIND", "STATE", "HEALTH", "DESIRED", "RUNNING", "MESSAGE",
        ]);
        for n in &c.nodes {
            t.row(vec![
                (
                    n.wave.map(|w| w.to_string()).unwrap_or_else(|| "-".into()),
                    Colour::None,
                ),
                (n.key.clone(), Colour::None),
                (n.kind.name().into(), Colour::None),
                (n.state.into(), colour(n.state)),
                (n.health.status.name().into(), Colour::None),
                (
                    n.desired.clone().unwrap_or_else(|| "-".into()),
                    Colour::None,
                ),
                (
                    n.running.clone().unwrap_or_else(|| "-".into()),
                    Colour::None,
                ),
                (n.health.message.clone(), Colour::None),
            ]);
        }
        t.write(use_colour, &mut out);
    }
    out
}

pub fn json(clusters: &[ClusterStatus]) -> String {
    let list: Vec<_> = clusters
        .iter()
        .map(|c| {
            json!({
                "namespace": c.namespace,
                "name": c.name,
                "summary": c.summary(),
                "nodes": c.nodes.iter().map(|n| json!({
                    "key": n.key,
                    "name": n.name,
                    "kind": n.kind.name(),
                    "wave": n.wave,
                    "state": n.state,
                    "health": n.health.status.name(),
                    "message": n.health.message,
                    "desiredRevision": n.desired,
                    "runningRevision": n.running,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    report::json(&json!({ "clusters": list }))
}
