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
//! - `deadlock`: in an upgrade-mode sync, a node that does not exist yet
//!   waits for a provisioning prerequisite in a later wave (see
//!   `compare::deadlocks`): the sync would never finish.
//!
//! Reported, not discrepancies: `restart` (the live label differs from the
//! rendered revision: applying restarts the node) and `new`.

use serde_json::json;

use crate::live::{self, Live};
use crate::render::Rendering;
use crate::report::{self, Colour, Table};
use crate::revision;
use crate::stored;
use crate::value::Value;

#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// `label`, `configmap`, `rolling-out`, `restart` or `new`.
    pub finding: &'static str,
    /// `render` or `live`.
    pub source: &'static str,
    /// `namespace/name` of the cluster or ConfigMap.
    pub object: String,
    pub node: String,
    pub detail: String,
    pub discrepancy: bool,
    /// The hashed input, for `-v`.
    pub input: Option<String>,
}

fn configmap_findings(source: &'static str, objects: &[Value], out: &mut Vec<Finding>) {
    for o in objects.iter().filter(|o| stored::is_revisions_map(o)) {
        let (ns, name) = live::id(o);
        let map = match stored::parse(o) {
            Ok(m) => m,
            Err(e) => {
                out.push(Finding {
                    finding: "configmap",
                    source,
                    object: crate::model::qualified(&ns, &name),
                    node: "-".into(),
                    detail: e,
                    discrepancy: true,
                    input: None,
                });
                continue;
            }
        };
        for n in stored::check(&map) {
            if !n.matches() {
                out.push(Finding {
                    finding: "configmap",
                    source,
                    object: crate::model::qualified(&ns, &name),
                    node: n.key.clone(),
                    detail: format!(
                        "stored {}, nodes.json hashes to {}",
                        n.stored.as_deref().unwrap_or("(none)"),
                        n.recomputed.as_deref().unwrap_or("(no input)")
                    ),
                    discrepancy: true,
                    input: n.input,
                });
            }
        }
    }
}

/// Checks a render (with the objects of its input) and/or live objects.
pub fn verify(render: Option<(&Rendering, &[Value])>, live: Option<&Live>) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some((r, input)) = render {
        render_labels(r, &mut out);
        configmap_findings("render", input, &mut out);
    }
    if let Some(live) = live {
        live_nodes(live, &mut out);
        configmap_findings("live", &live.objects, &mut out);
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
                out.push(Finding {
                    finding: "label",
                    source: "render",
                    object: crate::model::qualified(&c.namespace, &c.name),
                    node: n.key.clone(),
                    detail: format!(
                        "chart set {chart}, the spec hashes to {}",
                        n.computed.short()
                    ),
                    discrepancy: true,
                    input: Some(n.computed.input.clone()),
                });
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
            out.push(Finding {
                finding: "label",
                source: "live",
                object: l.qualified_cluster(),
                node: l.key.clone(),
                detail: format!(
                    "label {}, the spec hashes to {}",
                    label.unwrap_or("(none)"),
                    computed.short()
                ),
                discrepancy: true,
                input: Some(computed.input.clone()),
            });
        }
        if let (Some(running), Some(label)) = (l.running(), label)
            && running != label
        {
            out.push(Finding {
                finding: "rolling-out",
                source: "live",
                object: l.qualified_cluster(),
                node: l.key.clone(),
                detail: format!("label {label}, running {running}"),
                discrepancy: true,
                input: None,
            });
        }
    }
}

/// What syncing the render over the live objects would do: deadlocks
/// (discrepancies), nodes created and restarted (not).
fn render_against_live(r: &Rendering, live: &Live, out: &mut Vec<Finding>) {
    for d in crate::compare::deadlocks(r, live) {
        out.push(Finding {
            finding: "deadlock",
            source: "render",
            object: d.cluster,
            node: d.key,
            detail: d.detail,
            discrepancy: true,
            input: None,
        });
    }
    for c in &r.clusters {
        for n in &c.nodes {
            let (finding, detail) = match live.node(&c.namespace, &n.name) {
                None => (
                    "new",
                    format!("not live yet; will be created at {}", n.revision),
                ),
                Some(l) if n.restarts(&l) => (
                    "restart",
                    format!(
                        "live {} -> rendered {}",
                        l.label().unwrap_or("(none)"),
                        n.revision
                    ),
                ),
                Some(_) => continue,
            };
            out.push(Finding {
                finding,
                source: "render",
                object: crate::model::qualified(&c.namespace, &c.name),
                node: n.key.clone(),
                detail,
                discrepancy: false,
                input: None,
            });
        }
    }
}

fn summary(findings: &[Finding]) -> String {
    let d = findings.iter().filter(|f| f.discrepancy).count();
    let r = findings.iter().filter(|f| f.finding == "restart").count();
    format!("{d} discrepancies; {r} nodes will restart\n")
}

/// The table format; `verbose` adds the hashed input of mismatching nodes.
pub fn table(findings: &[Finding], verbose: bool, colour: bool) -> String {
    let mut out = String::new();
    if !findings.is_empty() {
        let mut t = Table::new(&["FINDING", "SOURCE", "OBJECT", "NODE", "DETAIL"]);
        for f in findings {
            let c = if f.discrepancy {
                Colour::Red
            } else {
                Colour::Yellow
            };
            t.row(vec![
                (f.finding.to_string(), c),
                (f.source.to_string(), Colour::None),
                (f.object.clone(), Colour::None),
                (f.node.clone(), Colour::None),
                (f.detail.clone(), Colour::None),
            ]);
        }
        t.write(colour, &mut out);
    }
    if verbose {
        for f in findings.iter().filter(|f| f.discrepancy) {
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
    let list: Vec<_> = findings
        .iter()
        .map(|f| {
            let mut v = json!({
                "finding": f.finding,
                "source": f.source,
                "object": f.object,
                "node": f.node,
                "detail": f.detail,
                "discrepancy": f.discrepancy,
            });
            if verbose && let Some(i) = &f.input {
                v["input"] = json!(i);
            }
            v
        })
        .collect();
    report::json(&json!({
        "discrepancies": findings.iter().filter(|f| f.discrepancy).count(),
        "findings": list,
    }))
}
