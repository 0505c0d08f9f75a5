//! Reading: every document of the stream, checked as Go reads it. A
//! document passes through untouched unless it is an Express CR (then
//! what render keeps of it: [`Express`]), a ConfigMap that may be an
//! earlier revisions map, or an approval [`Gate`](crate::gate).

use std::sync::Arc;

use crate::error::{DocRef, Error, Result};
use crate::model::{self, Identity};
use crate::stream::{self, Chunk};
use crate::value::{self, Value};
use crate::yaml;

use super::express::{self, Express, Repeats};
use super::hashed;
use super::layout::Recorder;
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
            What::Gate(g) => (
                &g.at,
                crate::gate::KIND,
                g.namespace.as_str(),
                g.name.as_str(),
            ),
            What::Pass | What::Replaced(_) | What::GateReplaced(_) | What::Dropped => {
                unreachable!("only Express documents, ConfigMaps and Gates are named after reading")
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
    /// An approval gate (`waves.express.medallia.com` `Gate`).
    Gate(Box<GateFacts>),
    /// Replaced by the gate this render decides in its place.
    GateReplaced(Box<crate::gate::Gate>),
    /// An earlier render's gate this render does not write.
    Dropped,
}

/// What render reads of a Gate.
pub(super) struct GateFacts {
    pub(super) at: At,
    pub(super) namespace: String,
    pub(super) name: String,
    /// When express-waves wrote it (its `created-by` label): its cluster
    /// and the node it follows (render decides it again); else it passes
    /// untouched.
    pub(super) written: Option<(String, String)>,
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
    // Only a document that names the group can be an Express one: the
    // search for it, built once.
    let group = memchr::memmem::Finder::new(opts.group.as_bytes());
    let mut recorder = Recorder::default();
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
            let mut what = read_doc(&chunk, at, opts, keep, &group, &mut recorder)?;
            if let What::Express(e) = &mut what {
                repeats.share(e);
                // Held for the revisions ConfigMap, when one is written.
                if keep == Keep::Facts
                    && let Some(hashed::Input::Whole(text)) = e.facts.input.take()
                    && opts.revision_configmap
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

fn read_doc(
    chunk: &Chunk<'_>,
    at: DocRef,
    opts: &Options,
    keep: Keep,
    group: &memchr::memmem::Finder<'_>,
    recorder: &mut Recorder,
) -> Result<What> {
    let text = chunk.text().map_err(|m| Error::doc(&at, m))?;
    // A document that does not name the group is read without watching
    // where things are.
    let observed = keep == Keep::Facts && group.find(text.as_bytes()).is_some();
    let node = match observed {
        true => yaml::read_document_observed(text, opts.limits, recorder),
        false => yaml::read_document(text, opts.limits),
    };
    let layout = observed.then(|| recorder.finish(text)).flatten();
    let node = node.map_err(|e| read_error(chunk, &at, e))?;
    let Some(node) = node else {
        return Ok(What::Pass);
    };
    // Its kind and name, read only for a message or a document render
    // keeps: most pass without one.
    let named = |node: &yaml::Node<'_>| {
        let (kind, name) = model::label_of(node);
        DocRef {
            kind,
            name,
            ..at.clone()
        }
    };
    let identity = model::identify(&node, &opts.group).map_err(|m| Error::doc(&named(&node), m))?;
    if !matches!(identity, Identity::Express(_)) {
        value::go_can_read(&node).map_err(|m| Error::doc(&named(&node), m))?;
    }
    match &identity {
        Identity::Other if !crate::gate::is_gate_node(&node) => return Ok(What::Pass),
        Identity::ConfigMap(_, name) if !name.ends_with(crate::stored::SUFFIX) => {
            return Ok(What::Pass);
        }
        _ => {}
    }
    let at = named(&node);
    match identity {
        Identity::Other => {
            let v = value::from_node(node).map_err(|m| Error::doc(&at, m))?;
            gate_facts(&v, at)
        }
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
            let mut e = express::read(kind, value, keep).map_err(|m| Error::doc(&at, m))?;
            e.layout = layout;
            e.at = at.into();
            Ok(What::Express(Box::new(e)))
        }
    }
}

/// A Gate: one express-waves wrote (labelled so) must read back as one,
/// since render decides it again.
fn gate_facts(v: &Value, at: DocRef) -> Result<What> {
    let written = if model::created_by_express_waves(v) {
        let g = crate::gate::Gate::from_value(v).map_err(|m| {
            Error::doc(
                &at,
                format!("this Gate is labelled as written by express-waves, but {m}: render from the chart again"),
            )
        })?;
        Some((g.cluster, g.after))
    } else {
        None
    };
    Ok(What::Gate(Box::new(GateFacts {
        at: at.into(),
        namespace: v.str_at(&["metadata", "namespace"]).to_string(),
        name: v.str_at(&["metadata", "name"]).to_string(),
        written,
    })))
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
    model::created_by_express_waves(map)
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
