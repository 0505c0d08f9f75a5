//! Reading: every document of the stream, checked as Go reads it. A
//! document passes through untouched unless it is an Express CR (then what
//! the order and the revision need is kept: `Facts`, and the revision
//! itself) or a ConfigMap that may be an earlier revisions map.

use std::sync::Arc;

use crate::error::{DocRef, Error, Result};
use crate::model::{self, ExpressKind, Identity};
use crate::order::{List, Mode};
use crate::revision::{self, Digest};
use crate::stream::{self, Chunk};
use crate::value::{self, Value};
use crate::yaml;

use super::hashed;
use super::layout::{Layout, Recorder};
use super::patch::Patch;
use super::{Keep, Options, Source};

/// A document of the input with what render learnt about it.
pub(super) struct Doc<'a> {
    pub(super) source: usize,
    pub(super) chunk: Chunk<'a>,
    pub(super) what: What,
}

impl Doc<'_> {
    /// The document, for messages: an Express CR or a ConfigMap (only
    /// those are named after reading). Named from what was read of it,
    /// when a message needs it: every Express document of a large stream
    /// is kept, and its name and kind need not be, twice.
    pub(super) fn at(&self) -> DocRef {
        let (at, kind, namespace, name) = match &self.what {
            What::Express(e) => (&e.at, e.kind.name(), &*e.namespace, e.name.as_str()),
            What::ConfigMap(c) => (&c.at, "ConfigMap", c.namespace.as_str(), c.name.as_str()),
            What::Pass | What::Replaced(_) => {
                unreachable!("only Express documents and ConfigMaps are named after reading")
            }
        };
        DocRef {
            index: at.index,
            source: at.source.clone(),
            line: at.line,
            kind: Some(kind.to_string()),
            name: Some(model::qualified(namespace, name)),
        }
    }
}

/// Where a document stands in the stream: what [`Doc::at`] names.
#[derive(Default)]
pub(super) struct At {
    source: Arc<str>,
    index: usize,
    line: usize,
}

impl From<DocRef> for At {
    fn from(at: DocRef) -> At {
        At {
            source: at.source,
            index: at.index,
            line: at.line,
        }
    }
}

pub(super) enum What {
    Pass,
    Express(Box<Express>),
    /// A ConfigMap that may be an earlier render's revisions map (its
    /// name ends in `-deployment-revisions`; other ConfigMaps pass).
    ConfigMap(Box<ConfigMapFacts>),
    /// Replaced by the cluster's new revisions ConfigMap.
    Replaced(Box<super::configmap::RevisionsMap>),
}

/// What render reads of a ConfigMap.
pub(super) struct ConfigMapFacts {
    pub(super) at: At,
    pub(super) namespace: String,
    pub(super) name: String,
    /// Whether express-waves wrote it (its `created-by` label, and no
    /// data but `nodes.json` and `revisions.json`), so replacing it loses
    /// nothing.
    pub(super) ours: bool,
    /// When it is ours: the revisions it records as computed (not the
    /// chart's), by node key. A node still labelled so carries a label
    /// express-waves wrote, even with its `…-sha256` annotation gone.
    pub(super) computed: Vec<(String, String)>,
}

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
    /// What the spec hashes to (nodes).
    pub(super) digest: Option<Digest>,
    /// The hashed input (nodes), as held until its revisions ConfigMap is
    /// written: a difference from the node before it when the render keeps
    /// facts.
    pub(super) input: Option<hashed::Input>,
    /// The prerequisites the chart rendered, per list, if any.
    pub(super) rendered: Option<Box<[Vec<model::Rendered>; 2]>>,
    pub(super) helm4_file: Option<Box<str>>,
    /// `argocd.argoproj.io/sync-options` with `PruneLast=true` merged in,
    /// when it is not there yet (nodes).
    pub(super) sync_options: Option<Box<str>>,
}

impl Facts {
    /// The prerequisites the chart rendered in `list`.
    pub(super) fn rendered(&self, list: List) -> &[model::Rendered] {
        self.rendered.as_ref().map_or(&[], |r| &r[list as usize])
    }
}

pub(super) fn documents<'a>(
    sources: &'a [Source],
    opts: &Options,
    keep: Keep,
) -> Result<Vec<Doc<'a>>> {
    // Sized to fit: they are held while every document is read, beside
    // the documents.
    let chunks: Vec<Vec<Chunk<'a>>> = sources
        .iter()
        .map(|s| {
            let mut c = stream::split(&s.bytes);
            c.shrink_to_fit();
            c
        })
        .collect();
    let mut docs = Vec::with_capacity(chunks.iter().map(Vec::len).sum());
    let mut deltas = hashed::Deltas::default();
    let mut repeats = Repeats::default();
    let mut index = 0;
    for ((si, src), chunks) in sources.iter().enumerate().zip(chunks) {
        let source_name: Arc<str> = src.name.as_str().into();
        for (ci, chunk) in chunks.into_iter().enumerate() {
            if ci == 0 && chunk.is_blank() {
                if !chunk.bytes.is_empty() {
                    // Comments only, but still text (no NUL, valid UTF-8)
                    // and still YAML to Go, which refuses a tab starting a
                    // line.
                    let at = DocRef {
                        index: 0,
                        source: source_name.clone(),
                        line: 1,
                        kind: None,
                        name: None,
                    };
                    let text = chunk.text().map_err(|m| Error::doc(&at, m))?;
                    yaml::check_blank(text).map_err(|e| read_error(&chunk, &at, e))?;
                    docs.push(Doc {
                        source: si,
                        chunk,
                        what: What::Pass,
                    });
                }
                continue;
            }
            index += 1;
            let mut at = DocRef {
                index,
                source: source_name.clone(),
                line: chunk.line + chunk.separator_len.min(1),
                kind: None,
                name: None,
            };
            if chunk.separator_len == 0 {
                at.line = chunk.line;
            }
            let mut what = read_doc(&chunk, at, opts, keep)?;
            if let What::Express(e) = &mut what {
                repeats.share(e);
                if keep == Keep::Facts
                    && let Some(hashed::Input::Whole(text)) = e.facts.input.take()
                {
                    e.facts.input = Some(deltas.hold(&e.namespace, &e.cluster, text));
                }
            }
            docs.push(Doc {
                source: si,
                chunk,
                what,
            });
        }
    }
    Ok(docs)
}

/// Texts that repeat from one Express document to the next (the nodes of a
/// cluster share their namespace and cluster, and mostly their version):
/// each document holds the one of the document before when they are the
/// same, so that a run of them is held once.
#[derive(Default)]
struct Repeats {
    namespace: Option<Arc<str>>,
    cluster: Option<Arc<str>>,
    version: Option<Arc<str>>,
}

impl Repeats {
    fn share(&mut self, e: &mut Express) {
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
    }
}

/// A document's YAML error, with its line in the source.
fn read_error(chunk: &Chunk<'_>, at: &DocRef, e: yaml::ReadError) -> Error {
    Error::doc(
        at,
        format!(
            "{} (line {})",
            e.message,
            chunk.line + e.line.saturating_sub(1)
        ),
    )
}

fn read_doc(chunk: &Chunk<'_>, mut at: DocRef, opts: &Options, keep: Keep) -> Result<What> {
    let text = chunk.text().map_err(|m| Error::doc(&at, m))?;
    // Only a document that names the group can be an Express one; the
    // others are read without watching where things are.
    let mut recorder =
        (keep == Keep::Facts && text.contains(opts.group.as_str())).then(Recorder::default);
    let node = match &mut recorder {
        Some(r) => yaml::read_document_observed(text, opts.limits, r),
        None => yaml::read_document(text, opts.limits),
    }
    .map_err(|e| read_error(chunk, &at, e))?;
    let Some(node) = node else {
        return Ok(What::Pass);
    };
    let (kind, name) = model::label_of(&node);
    at.kind = kind;
    at.name = name;
    let identity = model::identify(&node, &opts.group).map_err(|m| Error::doc(&at, m))?;
    if !matches!(identity, Identity::Express(_)) {
        value::go_can_read(&node).map_err(|m| Error::doc(&at, m))?;
    }
    match identity {
        // Named only in messages while reading: not kept for the write.
        Identity::Other => Ok(What::Pass),
        Identity::ConfigMap(_, name) if !name.ends_with(crate::stored::SUFFIX) => Ok(What::Pass),
        Identity::ConfigMap(namespace, name) => {
            let map = value::from_node(node).map_err(|m| Error::doc(&at, m))?;
            let ours = written_by_us(&map);
            let computed = match Some(map).filter(|_| ours).map(|m| crate::stored::parse(&m)) {
                Some(Ok(m)) => m
                    .revisions
                    .into_iter()
                    .filter(|(k, _)| !m.chart.contains(k))
                    .collect(),
                _ => Vec::new(),
            };
            Ok(What::ConfigMap(Box::new(ConfigMapFacts {
                at: at.into(),
                namespace,
                name,
                ours,
                computed,
            })))
        }
        Identity::Express(kind) => {
            let value = value::from_node(node).map_err(|m| Error::doc(&at, m))?;
            let mut e = express(kind, value, keep).map_err(|m| Error::doc(&at, m))?;
            e.layout = recorder.and_then(|r| r.finish(text));
            e.at = at.into();
            Ok(What::Express(Box::new(e)))
        }
    }
}

/// Whether a ConfigMap is a revisions map express-waves wrote, so that
/// replacing it loses nothing: labelled `app.kubernetes.io/created-by:
/// express-waves`, and holding nothing express-waves does not write (other
/// labels, annotations, data keys, `immutable`, `binaryData`).
fn written_by_us(map: &Value) -> bool {
    let only = |v: Option<&Value>, keys: &[&str]| match v {
        None => true,
        Some(Value::Map(m)) => m.iter().all(|(k, _)| keys.contains(&k.as_str())),
        Some(_) => false,
    };
    map.at(&["metadata", "labels", model::LABEL_CREATED_BY])
        .and_then(Value::as_str)
        == Some("express-waves")
        && only(Some(map), &["apiVersion", "kind", "metadata", "data"])
        && only(
            map.get("metadata"),
            &["name", "namespace", "labels", "annotations"],
        )
        && only(
            map.at(&["metadata", "labels"]),
            &[model::LABEL_CREATED_BY, model::LABEL_CLUSTER],
        )
        && only(
            map.at(&["metadata", "annotations"]),
            &[model::ANN_SYNC_WAVE, model::ANN_HELM4_FILENAME],
        )
        && only(
            map.get("data"),
            &[
                "nodes.json",
                "revisions.json",
                crate::stored::CHART_REVISIONS,
            ],
        )
}

fn express(kind: ExpressKind, value: Value, keep: Keep) -> Result<Express, String> {
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
    if kind == ExpressKind::Cluster {
        facts.mode = model::cluster_mode(&value)?;
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
    facts.helm4_file = model::annotation(value, model::ANN_HELM4_FILENAME)?.map(Box::from);
    facts.sync_options =
        model::with_prune_last(model::annotation(value, model::ANN_SYNC_OPTIONS)?)?
            .map(String::into_boxed_str);
    Ok(())
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
