//! `status`: rollout progress from live objects, with the same health rules
//! as the Argo CD Lua checks (`health.rs`): per cluster, in wave order,
//! which nodes are done, which one is rolling out, which wait, which are
//! Degraded.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::health::{self, Health, Status};
use crate::live::Live;
use crate::model::ExpressKind;
use crate::report::{self, Colour, Table};

/// Where a node is in its cluster's rollout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Healthy, and so is every node before it.
    Done,
    /// The first node not done: rolling out now.
    RollingOut,
    Degraded,
    /// Behind a node that is not done.
    Waiting,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Done => "done",
            State::RollingOut => "rolling-out",
            State::Degraded => "degraded",
            State::Waiting => "waiting",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    pub key: String,
    pub name: String,
    pub kind: ExpressKind,
    pub wave: Option<i64>,
    pub state: State,
    /// As `health` (the status) and `message`.
    #[serde(flatten)]
    pub health: Health,
    #[serde(rename = "desiredRevision")]
    pub desired: Option<String>,
    #[serde(rename = "runningRevision")]
    pub running: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ClusterStatus {
    pub namespace: String,
    pub name: String,
    /// One line: where the rollout is.
    pub summary: String,
    pub nodes: Vec<NodeStatus>,
}

/// One line: where the rollout of `nodes` is.
fn summary(nodes: &[NodeStatus]) -> String {
    let total = nodes.len();
    let done = nodes.iter().filter(|n| n.state == State::Done).count();
    match nodes.iter().find(|n| n.state != State::Done) {
        None => format!("all {total} nodes healthy"),
        Some(n) => format!(
            "{done} of {total} nodes done; {} {} (wave {})",
            n.key,
            n.state.name(),
            n.wave.map(|w| w.to_string()).unwrap_or_else(|| "-".into())
        ),
    }
}

/// The rollout state of every cluster among the live objects.
pub fn status(live: &Live) -> Vec<ClusterStatus> {
    let mut clusters: BTreeMap<(String, String), Vec<NodeStatus>> = BTreeMap::new();
    for l in live.nodes() {
        let entry = clusters
            .entry((l.namespace.clone(), l.cluster.clone()))
            .or_default();
        let health = health::assess(l.kind, l.obj);
        entry.push(NodeStatus {
            wave: l.wave(),
            health,
            desired: l.label().map(str::to_string),
            running: l.running().map(str::to_string),
            state: State::Waiting,
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
                    (Status::Degraded, _) => State::Degraded,
                    (Status::Healthy, false) => State::Done,
                    (_, false) => State::RollingOut,
                    (_, true) => State::Waiting,
                };
                if n.state != State::Done {
                    blocked = true;
                }
            }
            ClusterStatus {
                namespace,
                name,
                summary: summary(&nodes),
                nodes,
            }
        })
        .collect()
}

fn colour(state: State) -> Colour {
    match state {
        State::Done => Colour::Green,
        State::RollingOut => Colour::Yellow,
        State::Degraded => Colour::Red,
        State::Waiting => Colour::Dim,
    }
}

pub fn table(clusters: &[ClusterStatus], use_colour: bool) -> String {
    let mut out = String::new();
    for (i, c) in clusters.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let name = crate::model::qualified(&c.namespace, &c.name);
        out.push_str(&format!("CLUSTER {name}: {}\n", c.summary));
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
                (n.state.name().into(), colour(n.state)),
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
    #[derive(Serialize)]
    struct Json<'a> {
        clusters: &'a [ClusterStatus],
    }
    report::json(&Json { clusters })
}
