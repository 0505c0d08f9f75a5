//! `label` findings: revision labels against the spec they stand for, in
//! a render (the chart's own revisions, labels an earlier render wrote for
//! a spec edited since) and live (API-server defaults told from edits by
//! the input recorded at the label).

use crate::live::Live;
use crate::render::Analysis;
use crate::revision;
use crate::stored::{self, StoredMap};
use crate::value::Value;

use super::{Finding, Kind, Source};

/// A render whose waves order a cluster's nodes otherwise than their
/// dependencies do (edited after rendering): Argo CD follows the waves in
/// the file. Only the order counts: `--wave-start` and `--clusters` shift
/// every wave alike.
pub(super) fn render_waves(r: &Analysis, out: &mut Vec<Finding>) {
    for c in &r.clusters {
        let Some(file): Option<Vec<i64>> = c.nodes.iter().map(|n| n.rendered_wave).collect() else {
            continue;
        };
        let ordered = file.windows(2).all(|w| w[0] < w[1]);
        if ordered {
            continue;
        }
        let mut keys: Vec<(i64, &str)> = file
            .iter()
            .zip(&c.nodes)
            .map(|(&w, n)| (w, n.key.as_str()))
            .collect();
        keys.sort();
        let list = |k: &mut dyn Iterator<Item = String>| k.collect::<Vec<_>>().join(", ");
        out.push(Finding::rendered(
            Kind::Wave,
            c,
            "-".into(),
            format!(
                "the file's sync waves order the nodes {}; their dependencies order them {} (edited after rendering, or rendered with another --frontends-before-backend? render it again)",
                list(&mut keys.iter().map(|(w, k)| format!("{k}@{w}"))),
                list(&mut c.nodes.iter().map(|n| n.key.clone()))
            ),
        ));
    }
}

/// Revision labels the chart set itself (not what the spec hashes to), and
/// labels an earlier render wrote for another spec (edited since).
pub(super) fn render_labels(r: &Analysis, out: &mut Vec<Finding>) {
    for c in &r.clusters {
        for n in &c.nodes {
            // A label the chart set is kept as the chart's own revision
            // (marked, and recorded in chart-revisions.json): the chart's
            // choice, reported, not a discrepancy.
            let chart = n.chart_revision.as_ref().filter(|_| n.revision_from_chart);
            let found = [
                n.stale_label.as_ref().map(|stale| {
                    (
                        Kind::Label,
                        format!(
                            "label {stale} was written by express-waves for another spec; the spec hashes to {} (edited after rendering? render it again)",
                            n.computed.short()
                        ),
                    )
                }),
                chart.map(|chart| {
                    (
                        Kind::ChartRevision,
                        format!("chart set {chart}, the spec hashes to {}", n.computed.short()),
                    )
                }),
            ];
            for (kind, detail) in found.into_iter().flatten() {
                out.push(
                    Finding::rendered(kind, c, n.key.clone(), detail)
                        .with_input(Some(n.computed.input.to_string())),
                );
            }
        }
    }
}

/// Live nodes whose label is not what their spec hashes to, or that do
/// not run their label's revision yet. A live spec carries what the API
/// server filled in (CRD defaults), so it need not hash to its label: it
/// passes when the render, or the live revisions ConfigMap, holds the
/// node's input at that label and the live spec differs from it only by
/// fields the input does not set (`compare::differs`, the rule `plan
/// --live` applies).
pub(super) fn live_nodes(
    live: &Live,
    render: Option<&Analysis>,
    maps: &[StoredMap],
    out: &mut Vec<Finding>,
) {
    degraded(live, out);
    for l in live.nodes() {
        let label = l.label();
        let computed = revision::compute(l.kind.name(), l.obj.get("spec"));
        if label != Some(computed.short()) && !l.revision_from_chart() {
            let here = revision::hashed(l.kind.name(), l.obj.get("spec"));
            let known = label.and_then(|label| known_input(&l, label, render, maps));
            let detail = match &known {
                Some(input) if !crate::compare::differs(input, Some(&here)) => None,
                Some(_) => Some(format!(
                    "label {}, the spec hashes to {}, and differs from the input recorded at that label by more than API-server defaults",
                    label.unwrap_or("(none)"),
                    computed.short()
                )),
                None => Some(format!(
                    "label {}, the spec hashes to {} (with no render or revisions ConfigMap at that label, API-server defaults cannot be told from edits)",
                    label.unwrap_or("(none)"),
                    computed.short()
                )),
            };
            if let Some(detail) = detail {
                out.push(
                    Finding::live(Kind::Label, &l, detail)
                        .with_input(Some(computed.input.to_string())),
                );
            }
        }
        // Not settled: running another revision, or Progressing by the
        // health check's rules (no status yet, a generation not observed,
        // not Ready), as `status` and Argo CD see it.
        let detail = match (l.running(), label) {
            (Some(running), Some(label)) if running != label => {
                Some(format!("label {label}, running {running}"))
            }
            _ => {
                let h = crate::health::assess(l.kind, l.obj);
                (h.status == crate::health::Status::Progressing).then_some(h.message)
            }
        };
        if let Some(detail) = detail {
            out.push(Finding::live(Kind::RollingOut, &l, detail));
        }
    }
}

/// A Degraded Express CR fails any sync at its wave (Argo CD fails the
/// operation on a Degraded resource: `sync_context.go`, `Sync`).
fn degraded(live: &Live, out: &mut Vec<Finding>) {
    for l in live.express() {
        let h = crate::health::assess(l.kind, l.obj);
        if h.status == crate::health::Status::Degraded {
            out.push(Finding::new(
                Kind::Degraded,
                Source::Live,
                l.qualified_cluster(),
                if l.is_node() {
                    l.key.clone()
                } else {
                    "-".into()
                },
                format!(
                    "{} is Degraded live ({}): a sync fails at its wave",
                    l.kind.name(),
                    h.message
                ),
            ));
        }
    }
}

/// The annotation in which `kubectl apply` keeps what it applied.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The hashed input `{kind, spec}` recorded for live node `l` at `label`,
/// self-consistent (it hashes to `label`): the render's node at that
/// revision, else what `kubectl apply` last applied, else the entry of its
/// cluster's live revisions ConfigMap.
pub(super) fn known_input(
    l: &crate::live::LiveNode<'_>,
    label: &str,
    render: Option<&Analysis>,
    maps: &[StoredMap],
) -> Option<Value> {
    let rendered = render.into_iter().flat_map(|r| &r.clusters).find_map(|c| {
        c.nodes
            .iter()
            .find(|n| {
                crate::model::same_namespace(&c.namespace, &l.namespace)
                    && c.name == l.cluster
                    && n.key == l.key
                    && n.revision == label
                    && n.computed.short() == label
            })
            .map(|n| revision::hashed(n.kind.name(), n.spec.as_ref()))
    });
    let applied = || {
        // What `kubectl apply` (Argo CD's default, client-side) recorded
        // of the object it applied, as Argo CD's own diff reads it
        // (gitops-engine `pkg/diff/diff.go`, `Diff`:
        // `GetLastAppliedConfigAnnotation`, a three-way diff when present).
        let text = crate::model::annotation(l.obj, LAST_APPLIED)
            .ok()
            .flatten()?;
        let applied = crate::value::read(text, Default::default())
            .ok()
            .flatten()?;
        let input = revision::hashed(l.kind.name(), applied.get("spec"));
        (stored::hash(&input) == label).then_some(input)
    };
    rendered.or_else(applied).or_else(|| {
        maps.iter()
            .filter(|m| {
                crate::model::same_namespace(&m.namespace, &l.namespace) && m.cluster() == l.cluster
            })
            .find_map(|m| {
                let input = m.input(&l.key)?;
                (m.revision(&l.key) == Some(label) && stored::hash(input) == label)
                    .then(|| input.clone())
            })
    })
}
