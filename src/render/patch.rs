//! The changes render makes to an Express document (`Patch`), and applying
//! them to its value: the sync wave, `PruneLast=true` in the sync options,
//! the revision label and its full SHA-256 (or, for a revision the chart
//! set, `express.medallia.com/revision-source: chart` instead), and the
//! prerequisite entries (the chart's, refreshed, or new ones in the chart's
//! shape).

use crate::model::{self, ExpressKind};
use crate::order::List;
use crate::value::Value;

use super::express::{Express, express_of};
use super::layout::{ANNOTATIONS, DEPENDENCIES, LABELS, PLACES};
use super::read::Doc;

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
pub(super) enum Edit {
    Set {
        place: usize,
        key: &'static str,
        value: Value,
    },
    Remove {
        place: usize,
        key: &'static str,
    },
}

/// Document `i`'s patch as edits, in the order they are made.
pub(super) fn edits(docs: &[Doc<'_>], i: usize) -> Vec<Edit> {
    let e = express_of(docs, i);
    let p = &e.patch;
    let mut out = Vec::new();
    let mut annotate = |key, value: String| {
        out.push(Edit::Set {
            place: ANNOTATIONS,
            key,
            value: Value::Str(value),
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
    if p.label == Some(Label::Computed)
        && let Some(d) = &e.facts.digest
    {
        annotate(model::ANN_REVISION_SHA256, d.sha256().to_string());
    }
    if let Some(l) = e.label() {
        out.push(Edit::Set {
            place: LABELS,
            key: model::LABEL_REVISION,
            value: Value::Str(l.to_string()),
        });
        out.push(if p.label == Some(Label::Chart) {
            Edit::Set {
                place: ANNOTATIONS,
                key: model::ANN_REVISION_SOURCE,
                value: Value::Str("chart".into()),
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
                value: Value::Seq(entries),
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
                    map.set(key, value);
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
fn prerequisite_entry(docs: &[Doc<'_>], own: &Express, list: List, d: DepRef) -> Value {
    let dep = express_of(docs, d.doc);
    let version = dep.facts.version.as_deref().unwrap_or_default().to_string();
    let label = dep.label().unwrap_or_default().to_string();
    match d.entry {
        Some(e) => {
            let mut entry = own.facts.rendered(list)[e].entry.clone();
            entry.set("expressVersion", Value::Str(version));
            if list == List::Upgrade || entry.get("deploymentRevision").is_some() {
                entry.set("deploymentRevision", Value::Str(label));
            }
            entry.set("kind", Value::Str(dep.kind.name().into()));
            entry
        }
        None => prerequisite(list, &dep.name, &version, &label, dep.kind),
    }
}

/// A prerequisite entry in the shape the chart renders.
pub(super) fn prerequisite(
    list: List,
    node: &str,
    version: &str,
    revision: &str,
    kind: ExpressKind,
) -> Value {
    let mut e = vec![
        ("conditionStatus".to_string(), Value::Str("True".into())),
        ("expressNode".to_string(), Value::Str(node.into())),
        ("expressVersion".to_string(), Value::Str(version.into())),
    ];
    if list == List::Upgrade {
        e.push(("deploymentRevision".into(), Value::Str(revision.into())));
    }
    e.push(("kind".into(), Value::Str(kind.name().into())));
    e.push(("podConditionType".into(), Value::Str("Ready".into())));
    Value::Map(e)
}
