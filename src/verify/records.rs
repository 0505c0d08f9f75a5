//! `configmap` findings: revisions ConfigMaps checked against themselves
//! (each stored revision is its input's hash, or listed as the chart's) and
//! against the nodes beside them, in the render or live.

use crate::live::{self, Live};
use crate::render::Analysis;
use crate::revision;
use crate::stored::{self, StoredMap};
use crate::value::Value;

use super::{Finding, Kind, Source};

/// The revisions ConfigMaps among the files given (`input`), against
/// themselves and the render's nodes.
pub(super) fn rendered(r: &Analysis, input: &[Value], out: &mut Vec<Finding>) {
    configmap_findings(Source::File, input, out);
    for map in parsed_maps(input) {
        let nodes = render_records(r, &map);
        record_findings(Source::File, &map, &nodes, false, out);
    }
}

/// The live revisions ConfigMaps (`maps`, parsed from `live`), against
/// themselves and the live nodes.
pub(super) fn live(live: &Live, maps: &[StoredMap], out: &mut Vec<Finding>) {
    configmap_findings(Source::Live, &live.objects, out);
    for map in maps {
        let nodes = live_records(live, map);
        record_findings(Source::Live, map, &nodes, true, out);
    }
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

/// The revisions ConfigMaps among `objects` that parse (those that do not
/// are reported by [`configmap_findings`]).
pub(super) fn parsed_maps(objects: &[Value]) -> Vec<StoredMap> {
    stored::find(objects).into_iter().flatten().collect()
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
fn render_records(r: &Analysis, map: &StoredMap) -> Vec<Record> {
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
        if let Some(detail) = entry(map, key, stored, nodes, live) {
            push(key, detail);
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

/// What is wrong with the entry `key` (stored at `stored`) of `map` against
/// the nodes beside it, if anything.
fn entry(map: &StoredMap, key: &str, stored: &str, nodes: &[Record], live: bool) -> Option<String> {
    let side = if live { "live" } else { "rendered" };
    let chart = map.chart.iter().any(|k| k == key);
    if !chart && map.input(key).is_some_and(|i| stored::hash(i) != stored) {
        return None; // reported by configmap_findings
    }
    let Some(n) = nodes.iter().find(|n| n.key == key) else {
        return Some(format!("stored {stored}, but no {side} node {key}"));
    };
    let source = |from_chart: bool| {
        if from_chart {
            "the chart's"
        } else {
            "computed"
        }
    };
    if chart != n.from_chart {
        return Some(format!(
            "{} says the revision is {}, the {side} node says {}",
            stored::CHART_REVISIONS,
            source(chart),
            source(n.from_chart)
        ));
    }
    if n.label.as_deref() != Some(stored) {
        return Some(format!(
            "stored {stored}, {side} label {}",
            n.label.as_deref().unwrap_or("(none)")
        ));
    }
    let (input, here) = (map.input(key)?, n.input.as_ref()?);
    // Against live objects, fields only the live spec has are defaults.
    let differs = crate::compare::differs(input, Some(here))
        || !live && crate::compare::differs(here, Some(input));
    differs.then(|| format!("nodes.json does not hold the {side} spec at {stored}"))
}
