//! `plan`: what a sync of this render will do, per cluster, in wave order,
//! and, against live objects, which nodes restart.
//!
//! The JSON shape (stable; other tools read it):
//! `{"clusters":[{"namespace","name","mode","nodes":[{"key","name","kind",
//! "wave","up","expressVersion","revision","dependencies",
//! "provisioningAfter":[keys],"upgradeAfter":[keys],"change"?}]}],
//! "warnings":[lines]}` (`warnings`, also printed on stderr: every node
//! whose health check on-call ignores, every cluster of a rendered stream
//! whose nodes' waves are not the ones planned (rendered with options the
//! stream does not record), and, with live objects, the deadlocks and
//! early deletions).
//! `dependencies` says whether render wrote the node's prerequisites:
//! `injected`, or off and why: `off-flag` (`--no-dependencies`),
//! `off-cluster-annotation`, `off-node-annotation` (the chart's
//! `express.medallia.com/dependencies: disabled`); null for a removed node.
//! `change` is present only with live
//! objects: `stop` / `start` (taken down / brought back up), `restart` (the
//! revision changes), `update` (the spec changes but
//! not the revision, e.g. only dependencies; fields only the live object has,
//! such as API-server defaults, do not count), `unchanged`, `new`, or
//! `removed` (live, no longer rendered; its `wave` is null).
//! `healthIgnoredBy` is present only on a node whose health check on-call
//! ignores (`express.medallia.com/health: ignore`): who asked, and why.
//! Each cluster also has `"gates":[{"after","name","wave","rollout"}]`:
//! its approval gates (`--gate-after`), where Argo CD waits until
//! `express-waves approve`.

use serde::Serialize;

use crate::compare::{Change, change, removed};
use crate::live::Live;
use crate::model::{self, NodeId};
use crate::order::Mode;
use crate::render::{Analysis, Injection};
use crate::report::{self, Colour, Format, Table};
use crate::value::Value;

/// The built-in Markdown format, a handlebars template over the JSON data.
pub const MARKDOWN_TEMPLATE: &str = include_str!("../assets/plan.md.hbs");
/// The built-in Mermaid format (a `graph` of the rollout order).
pub const MERMAID_TEMPLATE: &str = include_str!("../assets/plan.mermaid.hbs");

fn change_colour(c: Change) -> Colour {
    match c {
        Change::Restart | Change::Stop | Change::Start => Colour::Yellow,
        Change::New => Colour::Green,
        Change::Removed => Colour::Red,
        Change::Update | Change::Unchanged => Colour::Dim,
    }
}

/// The plan: what a sync will do, per cluster, in wave order. Its JSON is
/// the `-o json` output and the templates' input.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub clusters: Vec<PlanCluster>,
    /// Every node whose health check is ignored, and, against live
    /// objects, what would go wrong in the sync (deadlocks, early
    /// deletions), one line each; also printed on stderr.
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PlanCluster {
    pub namespace: String,
    pub name: String,
    pub mode: Mode,
    pub nodes: Vec<PlanNode>,
    pub gates: Vec<PlanGate>,
}

/// An approval gate: Argo CD waits in its wave until it is approved.
#[derive(Clone, Debug, Serialize)]
pub struct PlanGate {
    /// The node key it follows.
    pub after: String,
    pub name: String,
    pub wave: Option<i64>,
    /// The rollout an approval must name.
    pub rollout: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanNode {
    #[serde(flatten)]
    pub node: NodeId,
    /// `None` for a removed node.
    pub wave: Option<i64>,
    pub up: bool,
    pub express_version: Option<String>,
    pub revision: Option<String>,
    /// Whether render injected its dependencies, and if not, why; `None`
    /// for a removed node.
    pub dependencies: Option<Injection>,
    pub provisioning_after: Vec<String>,
    pub upgrade_after: Vec<String>,
    /// Only against live objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
    /// Who asked to ignore its health check; only when someone did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_ignored_by: Option<String>,
}

/// The plan of a render, against live objects if given.
pub fn plan(r: &Analysis, live: Option<&Live>) -> Plan {
    let clusters = r
        .clusters
        .iter()
        .map(|c| {
            let mut nodes: Vec<PlanNode> = c
                .nodes
                .iter()
                .map(|n| PlanNode {
                    node: n.id(),
                    wave: Some(n.wave),
                    up: n.up,
                    express_version: n.express_version.clone(),
                    revision: Some(n.revision.clone()),
                    dependencies: Some(n.injection),
                    provisioning_after: n.provisioning_after.clone(),
                    upgrade_after: n.upgrade_after.clone(),
                    change: live.map(|live| change(c, n, live)),
                    health_ignored_by: n.health_ignored_by.clone(),
                })
                .collect();
            for l in live.map(|live| removed(c, live)).unwrap_or_default() {
                nodes.push(PlanNode {
                    node: l.id(),
                    wave: None,
                    up: false,
                    express_version: l
                        .obj
                        .at(&["spec", "expressVersion"])
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    revision: l.label().map(str::to_string),
                    dependencies: None,
                    provisioning_after: Vec::new(),
                    upgrade_after: Vec::new(),
                    change: Some(Change::Removed),
                    health_ignored_by: None,
                });
            }
            PlanCluster {
                namespace: c.namespace.clone(),
                name: c.name.clone(),
                mode: c.mode,
                nodes,
                gates: c
                    .gates
                    .iter()
                    .map(|g| PlanGate {
                        after: g.after.clone(),
                        name: g.name(),
                        wave: g.wave,
                        rollout: g.rollout.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    let warnings = warnings(r, live);
    Plan { clusters, warnings }
}

/// What a sync of `r` should be warned about, one line each: every node
/// whose health check is ignored, and, against live objects, the
/// deadlocks and early deletions.
pub fn warnings(r: &Analysis, live: Option<&Live>) -> Vec<String> {
    let shifted = r.clusters.iter().filter_map(shifted_waves);
    let mut warnings: Vec<String> = r
        .clusters
        .iter()
        .flat_map(|c| c.nodes.iter().map(move |n| (c, n)))
        .filter_map(|(c, n)| {
            let by = n.health_ignored_by.as_deref()?;
            Some(format!(
                "{}: health check ignored, asked by {by} ({}: ignore): Argo CD does not wait for it to be healthy and no node waits for it; remove the annotation once it is fixed",
                model::qualified(&c.namespace, &n.name),
                model::ANN_HEALTH
            ))
        })
        .chain(shifted)
        .collect();
    if let Some(live) = live {
        warnings.extend(
            crate::compare::deadlocks(r, live)
                .iter()
                .chain(&crate::compare::early_prunes(r, live))
                .map(ToString::to_string),
        );
    }
    warnings
}

/// A rendered stream whose nodes' sync waves are not the ones planned: it
/// was rendered with another `--frontends-before-backend`, `--wave-start`
/// or `--clusters` by a version that did not record them, or edited
/// since. Argo CD follows the file's.
fn shifted_waves(c: &crate::render::ClusterRollout) -> Option<String> {
    let file: Vec<i64> = c
        .nodes
        .iter()
        .map(|n| n.rendered_wave)
        .collect::<Option<_>>()?;
    let planned: Vec<i64> = c.nodes.iter().map(|n| n.wave).collect();
    if file == planned {
        return None;
    }
    // Both hold a wave per node, and differ: there is a node.
    let span = |w: &[i64]| match (w.iter().min(), w.iter().max()) {
        (Some(lo), Some(hi)) if lo != hi => format!("{lo} to {hi}"),
        (lo, _) => lo.map(i64::to_string).unwrap_or_default(),
    };
    let (file, planned) = (span(&file), span(&planned));
    let cluster = model::qualified(&c.namespace, &c.name);
    Some(if file == planned {
        format!(
            "{cluster}: the file's sync waves order its nodes otherwise than planned: it was rendered with another --frontends-before-backend by an express-waves that did not record it (or edited since), and Argo CD follows the file's; plan it with the options it was rendered with"
        )
    } else {
        format!(
            "{cluster}: the file's sync waves for its nodes ({file}) are not the ones planned ({planned}): it was rendered with another --wave-start or --clusters by an express-waves that did not record them (or edited since), and Argo CD follows the file's; plan it with the options it was rendered with"
        )
    })
}

fn cell(s: impl Into<String>) -> (String, Colour) {
    (s.into(), Colour::None)
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items.join(",")
    }
}

/// The table format.
pub fn table(plan: &Plan, colour: bool) -> String {
    let mut out = String::new();
    for (i, c) in plan.clusters.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!(
            "CLUSTER {} ({})\n",
            model::qualified(&c.namespace, &c.name),
            c.mode.name()
        ));
        let with_change = c.nodes.iter().any(|n| n.change.is_some());
        let mut header = vec![
            "WAVE",
            "NODE",
            "KIND",
            "VERSION",
            "REVISION",
            "UP",
            "DEPS",
            "AFTER(UPGRADE)",
            "AFTER(PROVISIONING)",
        ];
        if with_change {
            header.push("CHANGE");
        }
        let mut t = Table::new(&header);
        for n in &c.nodes {
            let mut row = vec![
                cell(n.wave.map_or_else(|| "-".into(), |w| w.to_string())),
                cell(n.node.key.clone()),
                cell(n.node.kind.name()),
                cell(n.express_version.as_deref().unwrap_or("-")),
                cell(n.revision.as_deref().unwrap_or("-")),
                match (&n.health_ignored_by, n.up) {
                    (Some(_), true) => ("yes, health ignored".into(), Colour::Yellow),
                    (_, true) => cell("yes"),
                    (_, false) => ("down".into(), Colour::Dim),
                },
                cell(n.dependencies.map_or("-", Injection::describe)),
                cell(list(&n.upgrade_after)),
                cell(list(&n.provisioning_after)),
            ];
            if with_change {
                row.push(match n.change {
                    Some(ch) => (ch.name().to_string(), change_colour(ch)),
                    None => cell(""),
                });
            }
            t.row(row);
            for g in c.gates.iter().filter(|g| g.after == n.node.key) {
                t.row(gate_row(g, with_change));
            }
        }
        t.write(colour, &mut out);
        for g in &c.gates {
            out.push_str(&format!(
                "approval gate after {}: Argo CD waits here until `express-waves approve {}/{}` (rollout {})\n",
                g.after,
                // A render may leave the namespace to `kubectl apply -n`.
                if c.namespace.is_empty() { "NAMESPACE" } else { &c.namespace },
                c.name,
                &g.rollout[..g.rollout.len().min(12)]
            ));
        }
    }
    out
}

/// A gate's row, in its wave after the node it follows.
fn gate_row(g: &PlanGate, with_change: bool) -> Vec<(String, Colour)> {
    let mut row = vec![
        cell(g.wave.map_or_else(|| "-".into(), |w| w.to_string())),
        ("gate".into(), Colour::Yellow),
        cell(crate::gate::KIND),
        cell("-"),
        cell("-"),
        cell("-"),
        cell("-"),
        cell(g.after.clone()),
        cell(g.after.clone()),
    ];
    if with_change {
        row.push(("approve".into(), Colour::Yellow));
    }
    row
}

/// Formats the plan.
pub fn format(plan: &Plan, format: Format, colour: bool) -> crate::Result<String> {
    let data = || serde_json::to_value(plan).expect("a plan serialises");
    match format {
        Format::Table => Ok(table(plan, colour)),
        Format::Json => Ok(report::json(plan)),
        // The tables, then the graph in a fence that GitHub, GitLab and
        // Obsidian draw: one paste into a pull request.
        Format::Markdown => {
            let data = data();
            let mut out = report::template("markdown", MARKDOWN_TEMPLATE, &data)?;
            out.push_str("```mermaid\n");
            out.push_str(&report::template("mermaid", MERMAID_TEMPLATE, &data)?);
            out.push_str("```\n");
            Ok(out)
        }
        Format::Mermaid => report::template("mermaid", MERMAID_TEMPLATE, &data()),
    }
}
