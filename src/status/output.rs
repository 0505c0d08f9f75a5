//! What `status` prints: the table (a block per cluster: its summary, where
//! it stands against the render, then its nodes and gates in wave order)
//! and the JSON (module doc of `status`; README, "Preview and verify").

use serde::Serialize;

use crate::report::{self, Colour, Table};

use super::{ClusterStatus, Operation, State, gates};

fn colour(state: State) -> Colour {
    match state {
        State::Done | State::Down => Colour::Green,
        State::RollingOut => Colour::Yellow,
        State::Degraded => Colour::Red,
        State::Waiting => Colour::Dim,
        State::Ignored => Colour::Yellow,
    }
}

pub fn table(clusters: &[ClusterStatus], op: Option<&Operation>, use_colour: bool) -> String {
    let mut out = String::new();
    if let Some(op) = op {
        out.push_str(&format!(
            "APPLICATION {}: {}\n\n",
            op.application,
            op.line()
        ));
    }
    for (i, c) in clusters.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let name = crate::model::qualified(&c.namespace, &c.name);
        out.push_str(&format!("CLUSTER {name}: {}\n", c.summary));
        if let Some(s) = &c.standing {
            let list = |keys: &[String]| match keys.is_empty() {
                true => "none".to_string(),
                false => keys.join(", "),
            };
            out.push_str(&format!(
                "  at their rendered revision: {}; not yet: {}\n  next sync: {}\n",
                list(&s.updated),
                list(&s.behind),
                s.next
            ));
        }
        let mut t = Table::new(&[
            "WAVE", "NODE", "KIND", "STATE", "HEALTH", "DESIRED", "RUNNING", "MESSAGE",
        ]);
        let mut gates = c.gates.iter().peekable();
        for n in &c.nodes {
            while let Some(g) =
                gates.next_if(|g| n.wave.is_none_or(|w| g.wave.is_some_and(|gw| gw < w)))
            {
                t.row(gates::row(g));
            }
            t.row(vec![
                (
                    n.wave.map(|w| w.to_string()).unwrap_or_else(|| "-".into()),
                    Colour::None,
                ),
                (n.node.key.clone(), Colour::None),
                (n.node.kind.name().into(), Colour::None),
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
        for g in gates {
            t.row(gates::row(g));
        }
        t.write(use_colour, &mut out);
    }
    out
}

/// The JSON of `status` (and of each `--watch` line, with its lines for
/// clusters): the Application's last sync, when read, and the clusters.
#[derive(Serialize)]
pub(super) struct Json<'a, C> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) application: Option<&'a Operation>,
    pub(super) clusters: &'a [C],
}

pub fn json(clusters: &[ClusterStatus], op: Option<&Operation>) -> String {
    report::json(&Json {
        application: op,
        clusters,
    })
}
