//! `verify`: the safety check before applying and the audit after.
//!
//! Discrepancies (exit 1):
//! - `label`: a live node's revision label that differs from the revision
//!   its spec hashes to: the operator would restart, or fail to restart,
//!   the wrong nodes. A live spec that
//!   differs from the input recorded at its label (by the render, or the
//!   live revisions ConfigMap) only by fields the input does not set
//!   carries API-server defaults and passes;
//! - `configmap`: a revisions ConfigMap whose `revisions.json` does not match
//!   a recomputation from its own `nodes.json` (tampered, or written by
//!   another algorithm; a revision listed in `chart-revisions.json` is the
//!   chart's and is not recomputed), or that does not record the nodes beside it (in a
//!   render: the rendered labels and specs; live: the live labels and
//!   specs, API-server defaults aside), so a record edited consistently in
//!   both files still fails;
//! - `rolling-out`: a live node whose `status.deploymentRevision` is not its
//!   label yet: a rollout is still in progress;
//! - `deadlock`: a node waits for a prerequisite that is in a later wave and
//!   not already met live (see `compare::deadlocks`): the sync would never
//!   finish;
//! - `early-prune`: a removed node whose live object lacks `PruneLast=true`
//!   would be deleted in the same wave as another node's change;
//! - `degraded`: an Express CR Degraded live: a sync fails at its wave;
//! - `wave`: a render whose waves order a cluster's nodes otherwise than
//!   their dependencies (edited after rendering).
//!
//! Reported, not discrepancies: `restart` (the live label differs from the
//! rendered revision: applying restarts the node), `new`, `stop` / `start`
//! (taken down, brought back up), `removed` (pruned last), and
//! `chart-revision` (a revision the chart set itself, kept, marked
//! `express.medallia.com/revision-source: chart` and recorded as such: the
//! chart decides when such a node restarts).

mod labels;
mod records;
mod sync;

use labels::{live_nodes, render_labels};
use sync::render_against_live;

use serde::Serialize;

use crate::live::Live;
use crate::render::Analysis;
use crate::report::{self, Colour, Table};
use crate::value::Value;

/// What a finding is about (module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Label,
    Configmap,
    RollingOut,
    Deadlock,
    Wave,
    EarlyPrune,
    Degraded,
    Restart,
    New,
    Stop,
    Start,
    Removed,
    ChartRevision,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Label => "label",
            Kind::Configmap => "configmap",
            Kind::RollingOut => "rolling-out",
            Kind::Deadlock => "deadlock",
            Kind::Wave => "wave",
            Kind::EarlyPrune => "early-prune",
            Kind::Degraded => "degraded",
            Kind::Restart => "restart",
            Kind::New => "new",
            Kind::Stop => "stop",
            Kind::Start => "start",
            Kind::Removed => "removed",
            Kind::ChartRevision => "chart-revision",
        }
    }

    /// Whether it fails the check (exit 1); `restart` and `new` are what
    /// any change does (so are `stop`, `start`, `removed`),
    /// `chart-revision` what the chart chose.
    pub fn discrepancy(self) -> bool {
        !matches!(
            self,
            Kind::Restart
                | Kind::New
                | Kind::Stop
                | Kind::Start
                | Kind::Removed
                | Kind::ChartRevision
        )
    }
}

/// Where a finding was read: the render (its nodes), a revisions
/// ConfigMap in the files given (rendered, or saved from a cluster), or
/// the live objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Render,
    File,
    Live,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Render => "render",
            Source::File => "file",
            Source::Live => "live",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub finding: Kind,
    pub source: Source,
    /// `namespace/name` of the cluster or ConfigMap.
    pub object: String,
    pub node: String,
    pub detail: String,
    /// The hashed input, for `-v`.
    pub input: Option<String>,
}

impl Finding {
    fn new(finding: Kind, source: Source, object: String, node: String, detail: String) -> Finding {
        Finding {
            finding,
            source,
            object,
            node,
            detail,
            input: None,
        }
    }

    /// A finding about the render of cluster `c`.
    fn rendered(
        finding: Kind,
        c: &crate::render::ClusterRollout,
        node: String,
        detail: String,
    ) -> Finding {
        let object = crate::model::qualified(&c.namespace, &c.name);
        Finding::new(finding, Source::Render, object, node, detail)
    }

    /// A finding about live node `l`.
    fn live(finding: Kind, l: &crate::live::LiveNode<'_>, detail: String) -> Finding {
        Finding::new(
            finding,
            Source::Live,
            l.qualified_cluster(),
            l.key.clone(),
            detail,
        )
    }

    fn with_input(self, input: Option<String>) -> Finding {
        Finding { input, ..self }
    }

    pub fn discrepancy(&self) -> bool {
        self.finding.discrepancy()
    }
}

/// A finding as JSON: with `discrepancy`, and `input` when verbose.
#[derive(Serialize)]
struct FindingJson<'a> {
    finding: Kind,
    source: Source,
    object: &'a str,
    node: &'a str,
    detail: &'a str,
    discrepancy: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    input: Option<&'a str>,
}

/// Checks a render (with the objects of its input) and/or live objects.
pub fn verify(render: Option<(&Analysis, &[Value])>, live: Option<&Live>) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some((r, input)) = render {
        render_labels(r, &mut out);
        labels::render_waves(r, &mut out);
        records::rendered(r, input, &mut out);
    }
    if let Some(live) = live {
        let maps = records::parsed_maps(&live.objects);
        live_nodes(live, render.map(|(r, _)| r), &maps, &mut out);
        records::live(live, &maps, &mut out);
        if let Some((r, _)) = render {
            render_against_live(r, live, &mut out);
        }
    }
    out
}

fn summary(findings: &[Finding]) -> String {
    let d = findings.iter().filter(|f| f.discrepancy()).count();
    let r = findings
        .iter()
        .filter(|f| f.finding == Kind::Restart)
        .count();
    let discrepancies = if d == 1 {
        "discrepancy"
    } else {
        "discrepancies"
    };
    let nodes = if r == 1 { "node" } else { "nodes" };
    format!("{d} {discrepancies}; {r} {nodes} will restart\n")
}

/// The table format; `verbose` adds the hashed input of mismatching nodes.
pub fn table(findings: &[Finding], verbose: bool, colour: bool) -> String {
    let mut out = String::new();
    if !findings.is_empty() {
        let mut t = Table::new(&["FINDING", "SOURCE", "OBJECT", "NODE", "DETAIL"]);
        for f in findings {
            let c = if f.discrepancy() {
                Colour::Red
            } else {
                Colour::Yellow
            };
            t.row(vec![
                (f.finding.name().to_string(), c),
                (f.source.name().to_string(), Colour::None),
                (f.object.clone(), Colour::None),
                (f.node.clone(), Colour::None),
                (f.detail.clone(), Colour::None),
            ]);
        }
        t.write(colour, &mut out);
    }
    if verbose {
        for f in findings.iter().filter(|f| f.discrepancy()) {
            if let Some(i) = &f.input {
                out.push_str(&format!("input of {} {}: {i}\n", f.object, f.node));
            }
        }
    }
    out.push_str(&summary(findings));
    out
}

/// The JSON format.
pub fn json(findings: &[Finding], verbose: bool) -> String {
    let list: Vec<FindingJson<'_>> = findings
        .iter()
        .map(|f| FindingJson {
            finding: f.finding,
            source: f.source,
            object: &f.object,
            node: &f.node,
            detail: &f.detail,
            discrepancy: f.discrepancy(),
            input: f.input.as_deref().filter(|_| verbose),
        })
        .collect();
    #[derive(Serialize)]
    struct Json<'a> {
        discrepancies: usize,
        findings: Vec<FindingJson<'a>>,
    }
    report::json(&Json {
        discrepancies: findings.iter().filter(|f| f.discrepancy()).count(),
        findings: list,
    })
}
