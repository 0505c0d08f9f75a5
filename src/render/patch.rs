//! The changes render makes to an Express document (`Patch`), and applying
//! them to its value: the sync wave, `PruneLast=true` in the sync options,
//! the revision label and its full SHA-256 (or, for a revision the chart
//! set, `express.medallia.com/revision-source: chart` instead), and the
//! prerequisite entries (the chart's, refreshed, or new ones in the chart's
//! shape).

use crate::model;
use crate::order::List;
use crate::value::Value;

use super::express::{Express, express_of};
use super::layout::{ANNOTATIONS, DEPENDENCIES, LABELS, PLACES};
use super::read::Doc;

mod new;
pub(super) use new::New;
use new::Prerequisite;

/// The changes render makes to an Express document.
#[derive(Default, Clone)]
pub(super) struct Patch {
    pub(super) wave: Option<i64>,
    pub(super) sync_options: Option<std::sync::Arc<str>>,
    /// The revision label written on a node ([`Express::label`]).
    pub(super) label: Option<Label>,
    /// On the Cluster CR: the rollout order `--mode` chose, recorded in
    /// its `express.medallia.com/mode` annotation so that planning or
    /// rendering the output again derives the same waves.
    pub(super) mode: Option<crate::order::Mode>,
    /// On the Cluster CR (or, without one, every node): `--no-dependencies`
    /// recorded as `express.medallia.com/dependencies: disabled`, for the
    /// same reason.
    pub(super) dependencies_off: bool,
    /// Likewise `--wave-start`, `--clusters` and
    /// `--frontends-before-backend`, where given.
    pub(super) wave_start: Option<i64>,
    pub(super) clusters_in_sequence: Option<bool>,
    pub(super) frontends_before_backend: Option<usize>,
    /// New provisioning and upgrade prerequisites, when managed. The
    /// entries are built when the document is written, from the documents
    /// they name (small to keep while a large stream is planned).
    pub(super) deps: Option<Deps>,
}

/// A node's new prerequisites, both lists in one allocation (every managed
/// node of a large stream keeps them): the provisioning list, then the
/// upgrade list.
#[derive(Clone)]
pub(super) struct Deps {
    refs: Box<[DepRef]>,
    provisioning: usize,
}

impl Deps {
    /// `lists`, indexed by [`List`].
    pub(super) fn new(lists: [Vec<DepRef>; 2]) -> Deps {
        let [provisioning, upgrade] = lists;
        let at = provisioning.len();
        let mut refs = provisioning;
        refs.extend(upgrade);
        Deps {
            refs: refs.into_boxed_slice(),
            provisioning: at,
        }
    }

    pub(super) fn list(&self, list: List) -> &[DepRef] {
        let (provisioning, upgrade) = self.refs.split_at(self.provisioning);
        match list {
            List::Provisioning => provisioning,
            List::Upgrade => upgrade,
        }
    }
}

/// Which revision a node's label holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Label {
    /// The computed one (its short form), its full SHA-256 annotated.
    Computed,
    /// The chart's own, kept and marked
    /// `express.medallia.com/revision-source: chart`.
    Chart,
}

impl Express {
    /// The revision label render writes on it (on a node).
    pub(super) fn label(&self) -> Option<&str> {
        match self.patch.label? {
            Label::Computed => Some(self.facts.digest.as_ref()?.short()),
            Label::Chart => self.facts.chart_label.as_deref(),
        }
    }
}

/// A prerequisite to write: the document it names, and the chart's entry
/// (index into the node's rendered list) when the chart wrote it.
#[derive(Clone, Copy)]
pub(super) struct DepRef {
    pub(super) doc: usize,
    pub(super) entry: Option<usize>,
}

/// One change to a document: a key of one of the [`PLACES`] set to a
/// value, or removed. A place that is missing (or null) is created.
#[derive(Clone)]
pub(super) enum Edit<'d> {
    Set {
        place: usize,
        key: &'static str,
        value: New<'d>,
    },
    Remove {
        place: usize,
        key: &'static str,
    },
}

/// Document `i`'s patch as edits, in the order they are made.
pub(super) fn edits<'d>(docs: &'d [Doc<'_>], i: usize) -> Vec<Edit<'d>> {
    let e = express_of(docs, i);
    let p = &e.patch;
    let mut out = Vec::new();
    let mut annotate = |key, value: String| {
        out.push(Edit::Set {
            place: ANNOTATIONS,
            key,
            value: New::Value(Value::Str(value)),
        })
    };
    if let Some(w) = p.wave {
        annotate(model::ANN_SYNC_WAVE, w.to_string());
    }
    if let Some(o) = &p.sync_options {
        annotate(model::ANN_SYNC_OPTIONS, o.to_string());
    }
    if let Some(m) = p.mode {
        annotate(model::ANN_MODE, m.name().into());
    }
    if p.dependencies_off {
        annotate(model::ANN_DEPENDENCIES, "disabled".into());
    }
    if let Some(w) = p.wave_start {
        annotate(model::ANN_WAVE_START, w.to_string());
    }
    if let Some(s) = p.clusters_in_sequence {
        annotate(model::ANN_CLUSTERS, model::clusters_value(s).into());
    }
    if let Some(n) = p.frontends_before_backend {
        annotate(model::ANN_FRONTENDS_BEFORE_BACKEND, n.to_string());
    }
    if p.label == Some(Label::Computed)
        && let Some(d) = &e.facts.digest
    {
        annotate(model::ANN_REVISION_SHA256, d.sha256().to_string());
    }
    if let Some(l) = e.label() {
        out.push(Edit::Set {
            place: LABELS,
            key: model::LABEL_REVISION,
            value: New::Value(Value::Str(l.to_string())),
        });
        out.push(if p.label == Some(Label::Chart) {
            Edit::Set {
                place: ANNOTATIONS,
                key: model::ANN_REVISION_SOURCE,
                value: New::Value(Value::Str("chart".into())),
            }
        } else {
            // An earlier render's mark, from before the revision was
            // recomputed.
            Edit::Remove {
                place: ANNOTATIONS,
                key: model::ANN_REVISION_SOURCE,
            }
        });
    }
    if let Some(deps) = &p.deps {
        for list in List::BOTH {
            let entries = deps
                .list(list)
                .iter()
                .map(|d| prerequisite_entry(docs, e, list, *d))
                .collect();
            out.push(Edit::Set {
                place: DEPENDENCIES,
                key: list.field(),
                value: New::Prerequisites(list, entries),
            });
        }
    }
    out
}

/// Makes `edits` on the value `v`. The places were checked to be mappings
/// (or absent) when the document was read.
pub(super) fn apply(edits: Vec<Edit>, v: &mut Value) {
    for edit in edits {
        match edit {
            Edit::Set { place, key, value } => {
                let map = PLACES[place]
                    .path
                    .iter()
                    .try_fold(&mut *v, |m, k| m.map_entry(k));
                if let Some(map) = map {
                    map.set(key, value.into_value());
                }
            }
            Edit::Remove { place, key } => {
                let map = PLACES[place]
                    .path
                    .iter()
                    .try_fold(&mut *v, |m, k| m.get_mut(k));
                if let Some(map) = map {
                    map.remove(key);
                }
            }
        }
    }
}

/// The prerequisite entry of `own` on `d.doc` in `list`: the chart's entry
/// refreshed, or one in the shape the chart renders.
fn prerequisite_entry<'d>(
    docs: &'d [Doc<'_>],
    own: &'d Express,
    list: List,
    d: DepRef,
) -> Prerequisite<'d> {
    let dep = express_of(docs, d.doc);
    let chart = d.entry.map(|e| match &own.facts.rendered(list)[e].entry {
        Value::Map(entry) => entry.as_slice(),
        _ => unreachable!("a rendered prerequisite is a mapping (it has an expressNode)"),
    });
    Prerequisite {
        chart,
        node: &dep.name,
        version: dep.facts.version.as_deref().unwrap_or_default(),
        label: dep.label().unwrap_or_default(),
        kind: dep.kind,
    }
}
