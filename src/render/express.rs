//! An Express document as render keeps it: what the order and the
//! revision need of it (its [`Facts`]), read and checked from its value,
//! and what render will change ([`Patch`]). Every Express document of a
//! large stream keeps one until the stream is written, so each is held
//! tight.

use std::sync::Arc;

use crate::model::{self, ExpressKind};
use crate::order::{List, Mode};
use crate::revision::{self, Digest};
use crate::value::Value;

use super::Keep;
use super::hashed;
use super::layout::Layout;
use super::patch::Patch;
use super::read::{At, Doc, What};

/// An Express document: what render read from it, and what it will change.
pub(super) struct Express {
    pub(super) at: At,
    pub(super) kind: ExpressKind,
    /// The document, when the render keeps values ([`super::analyse`]).
    pub(super) value: Option<Box<Value>>,
    /// Where the places render edits sit in its text, when the render
    /// keeps facts and they can be edited in place.
    pub(super) layout: Option<Layout>,
    pub(super) name: String,
    /// Held once for a run of documents of one namespace ([`Repeats`]).
    pub(super) namespace: Arc<str>,
    /// Held once for a run of documents of one cluster.
    pub(super) cluster: Arc<str>,
    pub(super) facts: Facts,
    pub(super) patch: Patch,
}

/// What the order and the revision need of an Express document. Every
/// Express document of a large stream keeps one, so texts are held without
/// spare capacity and what is rare behind a pointer.
#[derive(Default)]
pub(super) struct Facts {
    /// `express.medallia.com/up` (nodes).
    pub(super) up: Option<bool>,
    /// `express.medallia.com/dependencies`: `Some(false)` when disabled.
    pub(super) dependencies: Option<bool>,
    /// `express.medallia.com/mode` (the Cluster CR's; a node's counts only
    /// in a stream without the Cluster CR, where render records it there).
    pub(super) mode: Option<Mode>,
    /// `spec.expressVersion` (nodes); held once for a run of nodes of one
    /// version.
    pub(super) version: Option<Arc<str>>,
    /// The revision label in the input, when it is the chart's: a label
    /// an earlier render wrote (the prefix of its own `…-sha256`
    /// annotation) is not, and is recomputed.
    pub(super) chart_label: Option<Box<str>>,
    /// A label an earlier render wrote, when the spec no longer hashes to
    /// it: the render was edited after rendering.
    pub(super) stale_label: Option<Box<str>>,
    /// The sync wave an earlier render wrote (a node carrying its marks).
    pub(super) rendered_wave: Option<i64>,
    /// `express.medallia.com/health: ignore` (nodes): nothing waits for it.
    pub(super) health_ignored: bool,
    /// What the spec hashes to (nodes).
    pub(super) digest: Option<Digest>,
    /// The hashed input (nodes), as held until its revisions ConfigMap is
    /// written: a difference from the node before it when the render keeps
    /// facts.
    pub(super) input: Option<hashed::Input>,
    /// The prerequisites the chart rendered, per list, if any.
    pub(super) rendered: Option<Box<[Vec<model::Rendered>; 2]>>,
    pub(super) helm4_file: Option<Box<str>>,
    /// The options an earlier render recorded here
    /// ([`model::recorded_options`]).
    pub(super) recorded: Option<Box<model::Recorded>>,
    /// `argocd.argoproj.io/sync-options` with `PruneLast=true` merged in,
    /// when it is not there yet (nodes).
    /// Held once for a run of nodes with the same.
    pub(super) sync_options: Option<Arc<str>>,
}

impl Facts {
    /// The prerequisites the chart rendered in `list`.
    pub(super) fn rendered(&self, list: List) -> &[model::Rendered] {
        self.rendered.as_ref().map_or(&[], |r| &r[list as usize])
    }
}

/// Texts that repeat from one Express document to the next (the nodes of a
/// cluster share their namespace and cluster, and mostly their version and
/// sync options): each document holds the one of the document before when
/// they are the same, so that a run of them is held once.
#[derive(Default)]
pub(super) struct Repeats {
    namespace: Option<Arc<str>>,
    cluster: Option<Arc<str>>,
    version: Option<Arc<str>>,
    sync_options: Option<Arc<str>>,
}

impl Repeats {
    pub(super) fn share(&mut self, e: &mut Express) {
        fn one(last: &mut Option<Arc<str>>, text: &mut Arc<str>) {
            match last {
                Some(l) if **l == **text => *text = l.clone(),
                _ => *last = Some(text.clone()),
            }
        }
        one(&mut self.namespace, &mut e.namespace);
        one(&mut self.cluster, &mut e.cluster);
        if let Some(v) = &mut e.facts.version {
            one(&mut self.version, v);
        }
        if let Some(o) = &mut e.facts.sync_options {
            one(&mut self.sync_options, o);
        }
    }
}

/// What render keeps of an Express document (`value`, read as `kind`),
/// checked. Its place in the stream is set by the caller.
pub(super) fn read(kind: ExpressKind, value: Value, keep: Keep) -> Result<Express, String> {
    if !matches!(value, Value::Map(_)) {
        return Err(format!(
            "an Express document must be a mapping, not {}",
            value.type_name()
        ));
    }
    let (name, namespace, cluster) = identity(kind, &value)?;
    model::refuse_hooks(&value)?;
    let mut facts = Facts {
        dependencies: model::switch(&value, model::ANN_DEPENDENCIES, "disabled", "enabled")?,
        ..Facts::default()
    };
    let recorded = model::recorded_options(&value)?;
    if recorded != model::Recorded::default() {
        facts.recorded = Some(Box::new(recorded));
    }
    if kind == ExpressKind::Cluster {
        facts.mode = model::cluster_mode(&value)?;
        if model::annotation(&value, model::ANN_HEALTH)?.is_some() {
            return Err(format!(
                "{} is for Backends and Frontends: the Cluster CR's health check does not read it",
                model::ANN_HEALTH
            ));
        }
    } else {
        node_facts(kind, &value, &mut facts)?;
    }
    // Metadata maps must be mappings for the patch to land.
    model::annotation(&value, model::ANN_SYNC_WAVE)?;
    model::label(&value, model::LABEL_REVISION)?;
    Ok(Express {
        at: At::default(),
        kind,
        value: (keep == Keep::Values).then(|| Box::new(value)),
        layout: None,
        name,
        namespace: namespace.into(),
        cluster: cluster.into(),
        facts,
        patch: Patch::default(),
    })
}

/// A document's name, namespace and cluster, checked: a node names its
/// cluster, and its name is `<cluster>-<key>`.
fn identity(kind: ExpressKind, value: &Value) -> Result<(String, String, String), String> {
    let name = model::string_at(value, &["metadata", "name"])?
        .filter(|n| !n.is_empty())
        .ok_or("metadata.name is missing")?
        .to_string();
    let namespace = model::string_at(value, &["metadata", "namespace"])?
        .unwrap_or("")
        .to_string();
    for (path, field) in [
        (&["spec"][..], "spec"),
        (&["spec", "clusterConfig"][..], "spec.clusterConfig"),
    ] {
        if let Some(v) = value.at(path)
            && !matches!(v, Value::Null | Value::Map(_))
        {
            return Err(format!("{field} must be a mapping, not {}", v.type_name()));
        }
    }
    let cluster_name = model::string_at(value, &["spec", "clusterConfig", "clusterName"])?;
    let cluster = match (kind, cluster_name) {
        (_, Some(c)) if !c.is_empty() => c.to_string(),
        (ExpressKind::Cluster, _) => name.clone(),
        _ => {
            return Err(
                "spec.clusterConfig.clusterName is missing: a node must name its cluster".into(),
            );
        }
    };
    if kind != ExpressKind::Cluster && model::node_key(&name, &cluster).is_none() {
        return Err(format!(
            "node name `{name}` does not start with `{cluster}-` (its cluster name and a node key)"
        ));
    }
    Ok((name, namespace, cluster))
}

/// What a node's document decides: up, version, chart label, revision,
/// rendered prerequisites, Helm 4 file name and sync options.
fn node_facts(kind: ExpressKind, value: &Value, facts: &mut Facts) -> Result<(), String> {
    facts.up = model::switch(value, model::ANN_UP, "false", "true")?;
    facts.mode = model::cluster_mode(value)?;
    facts.version = model::string_at(value, &["spec", "expressVersion"])?.map(Arc::from);
    let label = model::label(value, model::LABEL_REVISION)?.filter(|l| !l.is_empty());
    let ours = label.is_some_and(|l| {
        model::annotation(value, model::ANN_REVISION_SHA256)
            .ok()
            .flatten()
            .is_some_and(|sha| sha.len() > l.len() && sha.starts_with(l))
    });
    let marked = ours || model::annotation(value, model::ANN_REVISION_SOURCE)?.is_some();
    if marked {
        facts.rendered_wave =
            model::annotation(value, model::ANN_SYNC_WAVE)?.and_then(|w| w.trim().parse().ok());
    }
    if ours {
        facts.stale_label = label.map(Box::from);
    } else {
        facts.chart_label = label.map(Box::from);
    }
    if !matches!(
        value.at(&["spec", "deploymentDependencies"]),
        None | Some(Value::Null | Value::Map(_))
    ) {
        return Err("spec.deploymentDependencies must be a mapping".into());
    }
    let revision = revision::compute(kind.name(), value.get("spec"));
    if facts.stale_label.as_deref() == Some(revision.short()) {
        facts.stale_label = None;
    }
    facts.digest = Some(revision.digest);
    facts.input = Some(hashed::Input::Whole(revision.input));
    let rendered = List::BOTH.map(|list| model::rendered_prerequisites(value, list.field()));
    if rendered.iter().any(|r| !matches!(r, Ok(r) if r.is_empty())) {
        let [provisioning, upgrade] = rendered;
        facts.rendered = Some(Box::new([provisioning?, upgrade?]));
    }
    facts.health_ignored = health_ignored(value)?;
    facts.helm4_file = model::annotation(value, model::ANN_HELM4_FILENAME)?.map(Box::from);
    facts.sync_options =
        model::with_prune_last(model::annotation(value, model::ANN_SYNC_OPTIONS)?)?.map(Arc::from);
    Ok(())
}

/// Whether on-call asked to ignore the node's health check
/// (`express.medallia.com/health: ignore`, the only value), naming who
/// asked and why (`express.medallia.com/health-ignored-by`).
fn health_ignored(value: &Value) -> Result<bool, String> {
    let (health, by) = (model::ANN_HEALTH, model::ANN_HEALTH_IGNORED_BY);
    match model::annotation(value, health)? {
        None => Ok(false),
        Some("ignore") => match model::annotation(value, by)? {
            Some(who) if !who.trim().is_empty() => Ok(true),
            _ => Err(format!(
                "{health}: ignore needs {by}: who asked, and why (e.g. `jdoe, INC-1234`); every health message and report about the node names it"
            )),
        },
        Some(other) => Err(format!(
            "{health} is `{other}`; its only value is `ignore` (on-call's escape hatch past a node known broken): remove it to have the node's health checked"
        )),
    }
}

pub(super) fn express_of<'d>(docs: &'d [Doc<'_>], i: usize) -> &'d Express {
    match &docs[i].what {
        What::Express(e) => e,
        _ => unreachable!("cluster members are Express documents"),
    }
}

pub(super) fn express_mut<'d>(docs: &'d mut [Doc<'_>], i: usize) -> &'d mut Express {
    match &mut docs[i].what {
        What::Express(e) => e,
        _ => unreachable!("cluster members are Express documents"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Options, Source, read};

    #[test]
    fn a_run_of_nodes_of_one_cluster_holds_its_namespace_cluster_version_and_sync_options_once() {
        let node = |key: &str, ns: &str, version: &str| {
            format!(
                "---\napiVersion: express.medallia.com/v2alpha1\nkind: Frontend\nmetadata:\n  name: acme-{key}\n  namespace: {ns}\nspec:\n  clusterConfig:\n    clusterName: acme\n  expressVersion: {version}\n"
            )
        };
        let text = [
            node("fe1", "t1", "v1"),
            node("fe2", "t1", "v1"),
            node("fe3", "t1", "v2"),
            node("fe1", "t2", "v2"),
        ]
        .concat();
        let sources = [Source {
            name: "t".into(),
            bytes: text.into_bytes(),
        }];
        let docs = read::documents(&sources, &Options::default(), Keep::Facts).unwrap();
        let e = |i| express_of(&docs, i);
        let version = |i: usize| e(i).facts.version.clone().unwrap();
        assert!(Arc::ptr_eq(&e(0).namespace, &e(1).namespace));
        assert!(Arc::ptr_eq(&e(0).cluster, &e(2).cluster));
        assert!(Arc::ptr_eq(&version(0), &version(1)));
        let options = |i: usize| e(i).facts.sync_options.clone().unwrap();
        assert_eq!(&*options(0), "PruneLast=true");
        assert!(Arc::ptr_eq(&options(0), &options(3)));
        // Held again where the text changes, and equal where it is equal.
        assert!(!Arc::ptr_eq(&version(1), &version(2)));
        assert!(Arc::ptr_eq(&version(2), &version(3)));
        assert_eq!(&*e(3).namespace, "t2");
        assert!(Arc::ptr_eq(&e(2).cluster, &e(3).cluster));
    }
}
