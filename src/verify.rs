//! `verify`: the safety check before applying and the audit after.
//!
//! Discrepancies (exit 1):
//! - `label`: a revision label that differs from the revision its own spec
//!   hashes to (chart-provided in a render, or on a live node): the operator
//!   would restart, or fail to restart, the wrong nodes;
//! - `configmap`: a revisions ConfigMap whose `revisions.json` does not match
//!   a recomputation from its own `nodes.json` (tampered, or written by
//!   another algorithm);
//! - `rolling-out`: a live node whose `status.deploymentRevision` is not its
//!   label yet: a rollout is still in progress;
//! - `deadlock`: a node waits for a prerequisite that is in a later wave and
//!   not already met live (see `compare::deadlocks`): the sync would never
//!   finish.
//!
//! Reported, not discrepancies: `restart` (the live label differs from the
//! rendered revision: applying restarts the node) and `new`.

use serde::Serialize;

use crate::live::{self, Live};
use crate::render::Rendering;
use crate::report::{self, Colour, Table};
use crate::revision;
use crate::stored;
use crate::value::Value;

/// What a finding is about (module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Label,
    Configmap,
    RollingOut,
    Deadlock,
    Restart,
    New,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Label => "label",
            Kind::Configmap => "configmap",
            Kind::RollingOut => "rolling-out",
            Kind::Deadlock => "deadlock",
            Kind::Restart => "restart",
            Kind::New => "new",
        }
    }

    /// Whether it fails the check (exit 1); `restart` and `new` are what
    /// any change does.
    pub fn discrepancy(self) -> bool {
        !matches!(self, Kind::Restart | Kind::New)
    }
}

/// Where a finding was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Render,
    Live,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Render => "render",
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

fn configmap_findings(source: Source, objects: &[Value], out: &mut Vec<Finding>) {
    for o in objects.iter().filter(|o| stored::is_revisions_map(o)) {
        let (ns, name) = live::id(o);
        let map = match stored::parse(o) {
            Ok(m) => m,
            Err(e) => {
                out.push(Finding::new(
                    Kind::Configmap,
                    source,
                    crate::model::qualified(&ns, &name),
                    "-".into(),
                    e,
                ));
                continue;
            }
        };
        for n in stored::check(&map) {
            if !n.matches() {
                out.push(
                    Finding::new(
                        Kind::Configmap,
                        source,
                        crate::model::qualified(&ns, &name),
                        n.key.clone(),
                        format!(
                            "stored {}, nodes.json hashes to {}",
                            n.stored.as_deref().unwrap_or("(none)"),
                            n.recomputed.as_deref().unwrap_or("(no input)")
                        ),
                    )
                    .with_input(n.input),
                );
            }
        }
    }
}

/// Checks a render (with the objects of its input) and/or live objects.
pub fn verify(render: Option<(&Rendering, &[Value])>, live: Option<&Live>) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some((r, input)) = render {
        render_labels(r, &mut out);
        configmap_findings(Source::Render, input, &mut out);
    }
    if let Some(live) = live {
        live_nodes(live, &mut out);
        configmap_findings(Source::Live, &live.objects, &mut out);
        if let Some((r, _)) = render {
            render_against_live(r, live, &mut out);
        }
    }
    out
}

/// A revision label the chart set that is not what the spec hashes to.
fn render_labels(r: &Rendering, out: &mut Vec<Finding>) {
    for c in &r.clusters {
        for n in &c.nodes {
            if let Some(chart) = &n.chart_revision
                && chart != n.computed.short()
            {
                out.push(
                    Finding::new(
                        Kind::Label,
                        Source::Render,
                        crate::model::qualified(&c.namespace, &c.name),
                        n.key.clone(),
                        format!(
                            "chart set {chart}, the spec hashes to {}",
                            n.computed.short()
                        ),
                    )
                    .with_input(Some(n.computed.input.clone())),
                );
            }
        }
    }
}

/// Live nodes whose label is not what their spec hashes to, or that do
/// not run their label's revision yet.
fn live_nodes(live: &Live, out: &mut Vec<Finding>) {
    for l in live.nodes() {
        let label = l.label();
        let computed = revision::compute(l.kind.name(), l.obj.get("spec"));
        if label != Some(computed.short()) {
            out.push(
                Finding::new(
                    Kind::Label,
                    Source::Live,
                    l.qualified_cluster(),
                    l.key.clone(),
                    format!(
                        "label {}, the spec hashes to {}",
                        label.unwrap_or("(none)"),
                        computed.short()
                    ),
                )
                .with_input(Some(computed.input.clone())),
            );
        }
        if let (Some(running), Some(label)) = (l.running(), label)
            && running != label
        {
            out.push(Finding::new(
                Kind::RollingOut,
                Source::Live,
                l.qualified_cluster(),
                l.key.clone(),
                format!("label {label}, running {running}"),
            ));
        }
    }
}

/// What syncing the render over the live objects would do: deadlocks
/// (discrepancies), nodes created and restarted (not).
fn render_against_live(r: &Rendering, live: &Live, out: &mut Vec<Finding>) {
    for d in crate::compare::deadlocks(r, live) {
        out.push(Finding::new(
            Kind::Deadlock,
            Source::Render,
            d.cluster,
            d.key,
            d.detail,
        ));
    }
    for c in &r.clusters {
        for n in &c.nodes {
            let (finding, detail) = match live.node(&c.namespace, &n.name) {
                None => (
                    Kind::New,
                    format!("not live yet; will be created at {}", n.revision),
                ),
                Some(l) if n.restarts(&l) => (
                    Kind::Restart,
                    format!(
                        "live {} -> rendered {}",
                        l.label().unwrap_or("(none)"),
                        n.revision
                    ),
                ),
                Some(_) => continue,
            };
            out.push(Finding::new(
                finding,
                Source::Render,
                crate::model::qualified(&c.namespace, &c.name),
                n.key.clone(),
                detail,
            ));
        }
    }
}

fn summary(findings: &[Finding]) -> String {
    let d = findings.iter().filter(|f| f.discrepancy()).count();
    let r = findings
        .iter()
        .filter(|f| f.finding == Kind::Restart)
        .count();
    format!("{d} discrepancies; {r} nodes will restart\n")
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
