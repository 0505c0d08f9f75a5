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
//! - `degraded`: an Express CR Degraded live: a sync fails at its wave.
//!
//! Reported, not discrepancies: `restart` (the live label differs from the
//! rendered revision: applying restarts the node), `new`, `stop` / `start`
//! (taken down, brought back up), `removed` (pruned last), and
//! `chart-revision` (a revision the chart set itself, kept, marked
//! `express.medallia.com/revision-source: chart` and recorded as such: the
//! chart decides when such a node restarts).

use serde::Serialize;

use crate::live::{self, Live};
use crate::render::Rendering;
use crate::report::{self, Colour, Table};
use crate::revision;
use crate::stored::{self, StoredMap};
use crate::value::Value;

/// What a finding is about (module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Label,
    Configmap,
    RollingOut,
    Deadlock,
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
        configmap_findings(Source::File, input, &mut out);
        for map in parsed_maps(input) {
            let nodes = render_records(r, &map);
            record_findings(Source::File, &map, &nodes, false, &mut out);
        }
    }
    if let Some(live) = live {
        let maps = parsed_maps(&live.objects);
        live_nodes(live, render.map(|(r, _)| r), &maps, &mut out);
        configmap_findings(Source::Live, &live.objects, &mut out);
        for map in &maps {
            let nodes = live_records(live, map);
            record_findings(Source::Live, map, &nodes, true, &mut out);
        }
        if let Some((r, _)) = render {
            render_against_live(r, live, &mut out);
        }
    }
    out
}

/// Revision labels the chart set itself (not what the spec hashes to), and
/// labels an earlier render wrote for another spec (edited since).
fn render_labels(r: &Rendering, out: &mut Vec<Finding>) {
    for c in &r.clusters {
        for n in &c.nodes {
            if let Some(stale) = &n.stale_label {
                out.push(
                    Finding::new(
                        Kind::Label,
                        Source::Render,
                        crate::model::qualified(&c.namespace, &c.name),
                        n.key.clone(),
                        format!(
                            "label {stale} was written by express-waves for another spec; the spec hashes to {} (edited after rendering? render it again)",
                            n.computed.short()
                        ),
                    )
                    .with_input(Some(n.computed.input.clone())),
                );
            }
            // A label the chart set is kept as the chart's own revision
            // (marked, and recorded in chart-revisions.json): the chart's
            // choice, reported, not a discrepancy.
            if let Some(chart) = &n.chart_revision
                && n.revision_from_chart
            {
                out.push(
                    Finding::new(
                        Kind::ChartRevision,
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
/// not run their label's revision yet. A live spec carries what the API
/// server filled in (CRD defaults), so it need not hash to its label: it
/// passes when the render, or the live revisions ConfigMap, holds the
/// node's input at that label and the live spec differs from it only by
/// fields the input does not set (`compare::differs`, the rule `plan
/// --live` applies).
fn live_nodes(live: &Live, render: Option<&Rendering>, maps: &[StoredMap], out: &mut Vec<Finding>) {
    // A Degraded Express CR fails any sync at its wave (Argo CD fails the
    // operation on a Degraded resource: `sync_context.go`, `Sync`).
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
                    Finding::new(
                        Kind::Label,
                        Source::Live,
                        l.qualified_cluster(),
                        l.key.clone(),
                        detail,
                    )
                    .with_input(Some(computed.input.clone())),
                );
            }
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

/// The revisions ConfigMaps among `objects` that parse (those that do not
/// are reported by [`configmap_findings`]).
fn parsed_maps(objects: &[Value]) -> Vec<StoredMap> {
    stored::find(objects).into_iter().flatten().collect()
}

/// The annotation in which `kubectl apply` keeps what it applied.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The hashed input `{kind, spec}` recorded for live node `l` at `label`,
/// self-consistent (it hashes to `label`): the render's node at that
/// revision, else what `kubectl apply` last applied, else the entry of its
/// cluster's live revisions ConfigMap.
fn known_input(
    l: &crate::live::LiveNode<'_>,
    label: &str,
    render: Option<&Rendering>,
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
        // of the object it applied (kubectl `apply.go`,
        // `kubectl.kubernetes.io/last-applied-configuration`).
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

/// A node a revisions ConfigMap records, as the other side has it.
struct Record {
    key: String,
    /// The revision label; `None` when the node is not there.
    label: Option<String>,
    /// The hashed input `{kind, spec}`.
    input: Option<Value>,
    /// Its revision is the chart's (marked so).
    from_chart: bool,
}

/// The render's nodes of `map`'s cluster.
fn render_records(r: &Rendering, map: &StoredMap) -> Vec<Record> {
    r.clusters
        .iter()
        .filter(|c| c.namespace == map.namespace && c.name == map.cluster())
        .flat_map(|c| &c.nodes)
        .map(|n| Record {
            key: n.key.clone(),
            label: Some(n.revision.clone()),
            input: Some(revision::hashed(n.kind.name(), n.spec.as_ref())),
            from_chart: n.revision_from_chart,
        })
        .collect()
}

/// The live nodes of `map`'s cluster.
fn live_records(live: &Live, map: &StoredMap) -> Vec<Record> {
    live.nodes()
        .filter(|l| {
            crate::model::same_namespace(&map.namespace, &l.namespace) && l.cluster == map.cluster()
        })
        .map(|l| Record {
            key: l.key.clone(),
            label: Some(l.label().unwrap_or("(none)").to_string()),
            input: Some(revision::hashed(l.kind.name(), l.obj.get("spec"))),
            from_chart: l.revision_from_chart(),
        })
        .collect()
}

/// A revisions ConfigMap against the nodes it records: every node there is
/// recorded, at its label, with its input (against live objects, fields
/// only the live spec has are API-server defaults, not differences).
/// Without this, a record edited consistently in `nodes.json` and
/// `revisions.json` would pass.
fn record_findings(
    source: Source,
    map: &StoredMap,
    nodes: &[Record],
    live: bool,
    out: &mut Vec<Finding>,
) {
    let object = crate::model::qualified(&map.namespace, &map.name);
    let side = if live { "live" } else { "rendered" };
    let mut push = |key: &str, detail: String| {
        out.push(Finding::new(
            Kind::Configmap,
            source,
            object.clone(),
            key.to_string(),
            detail,
        ));
    };
    for (key, stored) in &map.revisions {
        let chart = map.chart.iter().any(|k| k == key);
        if !chart && map.input(key).is_some_and(|i| stored::hash(i) != *stored) {
            continue; // reported by configmap_findings
        }
        let Some(n) = nodes.iter().find(|n| &n.key == key) else {
            push(key, format!("stored {stored}, but no {side} node {key}"));
            continue;
        };
        if chart != n.from_chart {
            push(
                key,
                format!(
                    "{} says the revision is {}, the {side} node says {}",
                    stored::CHART_REVISIONS,
                    if chart { "the chart's" } else { "computed" },
                    if n.from_chart {
                        "the chart's"
                    } else {
                        "computed"
                    }
                ),
            );
            continue;
        }
        if n.label.as_deref() != Some(stored.as_str()) {
            push(
                key,
                format!(
                    "stored {stored}, {side} label {}",
                    n.label.as_deref().unwrap_or("(none)")
                ),
            );
            continue;
        }
        if let (Some(input), Some(here)) = (map.input(key), &n.input) {
            let differs = if live {
                crate::compare::differs(input, Some(here))
            } else {
                crate::compare::differs(input, Some(here))
                    || crate::compare::differs(here, Some(input))
            };
            if differs {
                push(
                    key,
                    format!("nodes.json does not hold the {side} spec at {stored}"),
                );
            }
        }
    }
    for k in map.chart.iter().filter(|k| map.revision(k).is_none()) {
        push(
            k,
            format!(
                "{} lists {k}, which revisions.json does not record",
                stored::CHART_REVISIONS
            ),
        );
    }
    for n in nodes {
        if map.revision(&n.key).is_none() {
            push(
                &n.key,
                format!("{side} node {} is not in revisions.json", n.key),
            );
        }
    }
}

/// What syncing the render over the live objects would do: deadlocks
/// (discrepancies), nodes created and restarted (not).
fn render_against_live(r: &Rendering, live: &Live, out: &mut Vec<Finding>) {
    let hazards = [
        (Kind::Deadlock, crate::compare::deadlocks(r, live)),
        (Kind::EarlyPrune, crate::compare::early_prunes(r, live)),
    ];
    for (kind, list) in hazards {
        for h in list {
            out.push(Finding::new(
                kind,
                Source::Render,
                h.cluster,
                h.key,
                h.detail,
            ));
        }
    }
    for c in &r.clusters {
        for l in crate::compare::removed(c, live) {
            out.push(Finding::new(
                Kind::Removed,
                Source::Render,
                crate::model::qualified(&c.namespace, &c.name),
                l.key.clone(),
                format!(
                    "live at {}, no longer rendered: Argo CD prunes it after every other node",
                    l.label().unwrap_or("(no label)")
                ),
            ));
        }
        for n in &c.nodes {
            use crate::compare::Change;
            let (finding, detail) = match crate::compare::change(c, n, live) {
                Change::New => (
                    Kind::New,
                    format!("not live yet; will be created at {}", n.revision),
                ),
                Change::Stop => (
                    Kind::Stop,
                    "up live, rendered down: the operator stops it".into(),
                ),
                Change::Start => (
                    Kind::Start,
                    format!("down live, rendered up at {}", n.revision),
                ),
                Change::Restart => (
                    Kind::Restart,
                    format!(
                        "live {} -> rendered {}",
                        live.node(&c.namespace, &n.name)
                            .and_then(|l| l.label())
                            .unwrap_or("(none)"),
                        n.revision
                    ),
                ),
                _ => continue,
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
