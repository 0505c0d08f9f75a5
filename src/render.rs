//! `render`: the post-renderer. A stream in, the same stream out with
//! dependencies, sync waves and revisions on every Express node CR.
//!
//! The whole input is read and checked, and every decision made, before a
//! byte is written: on any error the caller gets `Err` and writes nothing,
//! because Argo CD prunes whatever a render leaves out.
//!
//! Memory stays flat in the size of the stream: documents passed through are
//! written from the input buffer, and Express documents are kept as the few
//! facts the order and the revision need (`Facts`) plus the changes to make
//! (`Patch`); each is read again, patched and written when its turn comes.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::emit;
use crate::error::{DocRef, Error, Result};
use crate::json;
use crate::model::{self, ExpressKind, Identity};
use crate::order::{self, List, Member, Mode};
use crate::revision::{self, Revision};
use crate::stream::{self, Chunk};
use crate::value::{self, Value};
use crate::yaml::{self, Limits};

/// What `render` is asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    /// Overrides the Cluster CR's mode annotation when set.
    pub mode: Option<Mode>,
    pub wave_start: i64,
    pub no_dependencies: bool,
    pub frontends_before_backend: usize,
    pub group: String,
    pub revision_configmap: bool,
    pub recompute_revisions: bool,
    pub limits: Limits,
    pub max_input_bytes: usize,
    /// Keep every Express document's value in memory (for `plan`, `diff`,
    /// `verify`, which report specs). `render` re-reads each document when
    /// writing it instead, so its memory does not grow with the stream.
    pub keep_values: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            mode: None,
            wave_start: 1,
            no_dependencies: false,
            frontends_before_backend: 2,
            group: "express.medallia.com".into(),
            revision_configmap: true,
            recompute_revisions: false,
            limits: Limits::default(),
            max_input_bytes: 256 << 20,
            keep_values: false,
        }
    }
}

/// One input: a file or stdin.
#[derive(Clone, Debug)]
pub struct Source {
    /// What to call it in messages (`-` for stdin).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A document of the input with what render learnt about it.
struct Doc<'a> {
    source: usize,
    chunk: Chunk<'a>,
    at: DocRef,
    what: What,
}

enum What {
    Pass,
    Express(Box<Express>),
    /// A ConfigMap that may be an earlier render's revisions map.
    ConfigMap {
        namespace: String,
        name: String,
    },
    /// Replaced by a freshly built document.
    Replaced(Value),
}

/// An Express document: what render read from it, and what it will change.
struct Express {
    kind: ExpressKind,
    /// The document, when `Options::keep_values`.
    value: Option<Value>,
    name: String,
    namespace: String,
    cluster: String,
    facts: Facts,
    patch: Patch,
}

/// What the order and the revision need of an Express document.
#[derive(Default)]
struct Facts {
    /// `express.medallia.com/up` (nodes).
    up: Option<bool>,
    /// `express.medallia.com/dependencies`: `Some(false)` when disabled.
    dependencies: Option<bool>,
    /// `express.medallia.com/mode` (Cluster).
    mode: Option<Mode>,
    version: Option<String>,
    chart_label: Option<String>,
    revision: Option<Arc<Revision>>,
    rendered: [Vec<model::Rendered>; 2],
    helm4_file: Option<String>,
    /// `argocd.argoproj.io/sync-options` with `PruneLast=true` merged in,
    /// when it is not there yet (nodes).
    sync_options: Option<String>,
}

/// The changes render makes to an Express document.
#[derive(Default, Clone)]
struct Patch {
    wave: Option<i64>,
    sync_options: Option<String>,
    sha256: Option<String>,
    label: Option<String>,
    /// New provisioning and upgrade prerequisites, when managed. The
    /// entries are built when the document is written, from the documents
    /// they name (small to keep while a large stream is planned).
    deps: Option<[Vec<DepRef>; 2]>,
}

/// A prerequisite to write: the document it names, and the chart's entry
/// (index into the node's rendered list) when the chart wrote it.
#[derive(Clone, Copy)]
struct DepRef {
    doc: usize,
    entry: Option<usize>,
}

/// Applies document `i`'s patch to its value `v`.
fn apply_patch(docs: &[Doc<'_>], i: usize, v: &mut Value) {
    let e = express_of(docs, i);
    let p = &e.patch;
    if let Some(w) = p.wave {
        set_annotation(v, model::ANN_SYNC_WAVE, w.to_string());
    }
    if let Some(o) = &p.sync_options {
        set_annotation(v, model::ANN_SYNC_OPTIONS, o.clone());
    }
    if let Some(sha) = &p.sha256 {
        set_annotation(v, model::ANN_REVISION_SHA256, sha.clone());
    }
    if let Some(l) = &p.label {
        set_label(v, model::LABEL_REVISION, l.clone());
    }
    let Some(lists) = &p.deps else { return };
    let entries: Vec<Value> = List::BOTH
        .iter()
        .map(|&list| {
            Value::Seq(
                lists[list as usize]
                    .iter()
                    .map(|d| prerequisite_entry(docs, e, list, *d))
                    .collect(),
            )
        })
        .collect();
    if let Some(dd) = v
        .map_entry("spec")
        .and_then(|spec| spec.map_entry("deploymentDependencies"))
    {
        for (list, entry) in List::BOTH.iter().zip(entries) {
            dd.set(list.field(), entry);
        }
    }
}

/// The prerequisite entry of `own` on `d.doc` in `list`: the chart's entry
/// refreshed, or one in the shape the chart renders.
fn prerequisite_entry(docs: &[Doc<'_>], own: &Express, list: List, d: DepRef) -> Value {
    let dep = express_of(docs, d.doc);
    let version = dep.facts.version.clone().unwrap_or_default();
    let label = dep.patch.label.clone().unwrap_or_default();
    match d.entry {
        Some(e) => {
            let mut entry = own.facts.rendered[list as usize][e].entry.clone();
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

/// A node of a cluster being rendered.
struct NodeInfo {
    doc: usize,
    key: String,
    kind: ExpressKind,
    version: Option<String>,
    revision: Arc<Revision>,
    /// The label value: the chart's, or the computed short revision.
    label: String,
    /// The revision label the chart rendered, if any.
    chart_label: Option<String>,
}

/// What a render decided, per cluster: for `plan`, `diff`, `verify`.
#[derive(Clone, Debug)]
pub struct ClusterPlan {
    pub namespace: String,
    pub name: String,
    pub mode: Mode,
    /// Nodes in wave order.
    pub nodes: Vec<NodePlan>,
    /// Wave of the revisions ConfigMap, if one is written.
    pub configmap_wave: Option<i64>,
}

/// One node as rendered.
#[derive(Clone, Debug)]
pub struct NodePlan {
    pub key: String,
    pub name: String,
    pub kind: ExpressKind,
    pub wave: i64,
    pub up: bool,
    /// Whether express-waves manages its dependencies.
    pub managed: bool,
    pub express_version: Option<String>,
    /// The revision label written (the chart's, or the computed one).
    pub revision: String,
    /// The revision label the chart rendered, if any.
    pub chart_revision: Option<String>,
    /// What the spec hashes to.
    pub computed: Arc<Revision>,
    /// Keys of the nodes it waits for, per list.
    pub provisioning_after: Vec<String>,
    pub upgrade_after: Vec<String>,
    /// The node's `spec` as written out (dependencies included), when the
    /// render kept values (`Options::keep_values`).
    pub spec: Option<Value>,
}

/// A render, planned and checked: every document was read and every
/// decision made; writing it re-reads each Express document (to keep memory
/// flat) and cannot fail on the input any more, so an error never leaves a
/// half stream.
pub struct Rendering<'a> {
    sources: &'a [Source],
    docs: Vec<Doc<'a>>,
    /// New revisions ConfigMaps, written after the document they follow.
    inserts: HashMap<usize, Value>,
    limits: Limits,
    pub clusters: Vec<ClusterPlan>,
}

impl Rendering<'_> {
    /// The whole output in one buffer.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.sources.iter().map(|s| s.bytes.len() * 5 / 4).sum());
        self.write_to(&mut out)?;
        Ok(out)
    }

    /// Writes the output stream.
    pub fn write_to(&self, w: &mut dyn std::io::Write) -> Result<()> {
        let io = |e| Error::io("cannot write the output", e);
        let mut last: Option<u8> = None;
        fn put(
            w: &mut dyn std::io::Write,
            last: &mut Option<u8>,
            bytes: &[u8],
        ) -> std::io::Result<()> {
            if let Some(&b) = bytes.last() {
                *last = Some(b);
            }
            w.write_all(bytes)
        }
        let mut current_source = None;
        let mut buf = Vec::new();
        for (i, d) in self.docs.iter().enumerate() {
            if current_source != Some(d.source) {
                current_source = Some(d.source);
                // Sources are joined into one stream: the next one starts on
                // a new line, and with a separator if it has none.
                if last.is_some() {
                    if last != Some(b'\n') {
                        put(w, &mut last, b"\n").map_err(io)?;
                    }
                    if d.chunk.separator_len == 0 && !self.sources[d.source].bytes.is_empty() {
                        put(w, &mut last, b"---\n").map_err(io)?;
                    }
                }
            }
            match &d.what {
                What::Pass | What::ConfigMap { .. } => {
                    put(w, &mut last, d.chunk.bytes).map_err(io)?
                }
                What::Express(e) => {
                    let mut v = match &e.value {
                        Some(v) => v.clone(),
                        None => reread(d, self.limits)?,
                    };
                    apply_patch(&self.docs, i, &mut v);
                    buf.clear();
                    write_value(&d.chunk, &v, &mut buf);
                    put(w, &mut last, &buf).map_err(io)?;
                }
                What::Replaced(v) => {
                    buf.clear();
                    write_value(&d.chunk, v, &mut buf);
                    put(w, &mut last, &buf).map_err(io)?;
                }
            }
            if let Some(v) = self.inserts.get(&i) {
                if last != Some(b'\n') {
                    put(w, &mut last, b"\n").map_err(io)?;
                }
                let mut s = String::from("---\n");
                emit::document(v, &mut s);
                put(w, &mut last, s.as_bytes()).map_err(io)?;
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct ClusterDocs {
    cluster_doc: Option<usize>,
    nodes: Vec<usize>,
    last_doc: usize,
}

/// Renders `sources` as one stream.
pub fn render(sources: &[Source], opts: &Options) -> Result<Vec<u8>> {
    run(sources, opts)?.to_bytes()
}

/// The range `--wave-start` may take. Argo CD reads a wave with Go's
/// `strconv.Atoi` into an `int` (gitops-engine `pkg/sync/syncwaves`,
/// `Wave`), 32 bits on 32-bit builds, and adds one past the last wave for
/// `PruneLast` (`getSyncTasks`): every wave a render assigns (the Cluster's
/// one before the start, the nodes', the revisions ConfigMap's after them)
/// stays far inside that, for any number of nodes a stream can hold.
pub const WAVE_START_LIMIT: i64 = 1_000_000_000;

fn check_wave_start(w: i64) -> Result<()> {
    if !(-WAVE_START_LIMIT..=WAVE_START_LIMIT).contains(&w) {
        return Err(Error::msg(format!(
            "--wave-start {w} is out of range: it must be between -{WAVE_START_LIMIT} and {WAVE_START_LIMIT}, so that every wave fits the int Argo CD reads it into"
        )));
    }
    Ok(())
}

/// Renders `sources` as one stream, and says what it decided.
pub fn run<'a>(sources: &'a [Source], opts: &Options) -> Result<Rendering<'a>> {
    check_wave_start(opts.wave_start)?;
    let total: usize = sources.iter().map(|s| s.bytes.len()).sum();
    if total > opts.max_input_bytes {
        return Err(Error::msg(format!(
            "input is {total} bytes, over the limit of {} (--max-input-bytes)",
            opts.max_input_bytes
        )));
    }
    let mut docs = read_docs(sources, opts)?;
    let clusters = group_clusters(&docs)?;
    let mut inserts: HashMap<usize, Value> = HashMap::new();
    let configmaps: HashMap<(String, String), usize> = docs
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match &d.what {
            What::ConfigMap { namespace, name } => Some(((namespace.clone(), name.clone()), i)),
            _ => None,
        })
        .collect();
    let mut plans = Vec::with_capacity(clusters.len());
    for ((namespace, cluster), cd) in &clusters {
        let (map, plan) = render_cluster(&mut docs, namespace, cluster, cd, opts)?;
        plans.push(plan);
        if let Some(map) = map {
            let name = format!("{cluster}-deployment-revisions");
            match configmaps.get(&(namespace.clone(), name)) {
                Some(&i) => docs[i].what = What::Replaced(map),
                None => {
                    inserts.insert(cd.last_doc, map);
                }
            }
        }
    }
    Ok(Rendering {
        sources,
        docs,
        inserts,
        limits: opts.limits,
        clusters: plans,
    })
}

fn read_docs<'a>(sources: &'a [Source], opts: &Options) -> Result<Vec<Doc<'a>>> {
    let chunks: Vec<Vec<Chunk<'a>>> = sources.iter().map(|s| stream::split(&s.bytes)).collect();
    let mut docs = Vec::with_capacity(chunks.iter().map(Vec::len).sum());
    let mut index = 0;
    for ((si, src), chunks) in sources.iter().enumerate().zip(chunks) {
        let source_name: Arc<str> = src.name.as_str().into();
        for (ci, chunk) in chunks.into_iter().enumerate() {
            if ci == 0 && chunk.is_blank() {
                if !chunk.bytes.is_empty() {
                    // Comments only, but still text: no NUL, valid UTF-8.
                    let at = DocRef {
                        index: 0,
                        source: source_name.clone(),
                        line: 1,
                        kind: None,
                        name: None,
                    };
                    text_of(&chunk, &at)?;
                    docs.push(Doc {
                        source: si,
                        chunk,
                        at: DocRef::default(),
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
            let what = read_doc(&chunk, &mut at, opts)?;
            docs.push(Doc {
                source: si,
                chunk,
                at,
                what,
            });
        }
    }
    Ok(docs)
}

/// The chunk as text: valid UTF-8 without NUL bytes (YAML allows neither).
fn text_of<'a>(chunk: &Chunk<'a>, at: &DocRef) -> Result<&'a str> {
    let text = std::str::from_utf8(chunk.bytes).map_err(|e| {
        let line = chunk.bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        Error::doc(
            at,
            format!("not UTF-8: invalid byte on line {}", chunk.line + line),
        )
    })?;
    if let Some(pos) = text.find('\0') {
        let line = text[..pos].matches('\n').count();
        return Err(Error::doc(
            at,
            format!("NUL byte on line {}", chunk.line + line),
        ));
    }
    Ok(text)
}

fn read_doc(chunk: &Chunk<'_>, at: &mut DocRef, opts: &Options) -> Result<What> {
    let text = text_of(chunk, at)?;
    let node = yaml::read_document(text, opts.limits).map_err(|e| {
        Error::doc(
            at,
            format!(
                "{} (line {})",
                e.message,
                chunk.line + e.line.saturating_sub(1)
            ),
        )
    })?;
    let Some(node) = node else {
        return Ok(What::Pass);
    };
    let (kind, name) = model::label_of(&node);
    at.kind = kind;
    at.name = name;
    let identity = model::identify(&node, &opts.group).map_err(|m| Error::doc(at, m))?;
    match identity {
        Identity::Other => Ok(What::Pass),
        Identity::ConfigMap(namespace, name) => Ok(What::ConfigMap { namespace, name }),
        Identity::Express(kind) => {
            let value = value::from_node(&node, "").map_err(|m| Error::doc(at, m))?;
            drop(node);
            express(kind, value, opts)
                .map(|e| What::Express(Box::new(e)))
                .map_err(|m| Error::doc(at, m))
        }
    }
}

fn express(kind: ExpressKind, value: Value, opts: &Options) -> Result<Express, String> {
    if !matches!(value, Value::Map(_)) {
        return Err(format!(
            "an Express document must be a mapping, not {}",
            value.type_name()
        ));
    }
    let name = model::string_at(&value, &["metadata", "name"])?
        .filter(|n| !n.is_empty())
        .ok_or("metadata.name is missing")?
        .to_string();
    let namespace = model::string_at(&value, &["metadata", "namespace"])?
        .unwrap_or("")
        .to_string();
    let cluster_name = model::string_at(&value, &["spec", "clusterConfig", "clusterName"])?;
    let cluster = match (kind, cluster_name) {
        (_, Some(c)) if !c.is_empty() => c.to_string(),
        (ExpressKind::Cluster, _) => name.clone(),
        _ => {
            return Err(
                "spec.clusterConfig.clusterName is missing: a node must name its cluster".into(),
            );
        }
    };
    if kind != ExpressKind::Cluster {
        match name
            .strip_prefix(&cluster)
            .and_then(|r| r.strip_prefix('-'))
        {
            Some(key) if !key.is_empty() => {}
            _ => {
                return Err(format!(
                    "node name `{name}` does not start with `{cluster}-` (its cluster name and a node key)"
                ));
            }
        }
    }
    model::refuse_hooks(&value)?;
    let mut facts = Facts {
        dependencies: model::switch(&value, model::ANN_DEPENDENCIES, "disabled", "enabled")?,
        ..Facts::default()
    };
    if kind == ExpressKind::Cluster {
        facts.mode = model::cluster_mode(&value)?;
    } else {
        facts.up = model::switch(&value, model::ANN_UP, "false", "true")?;
        facts.version = model::string_at(&value, &["spec", "expressVersion"])?.map(str::to_string);
        facts.chart_label = model::label(&value, model::LABEL_REVISION)?
            .filter(|l| !l.is_empty())
            .map(str::to_string);
        if !matches!(value.get("spec"), None | Some(Value::Null | Value::Map(_))) {
            return Err("spec must be a mapping".into());
        }
        if !matches!(
            value.at(&["spec", "deploymentDependencies"]),
            None | Some(Value::Null | Value::Map(_))
        ) {
            return Err("spec.deploymentDependencies must be a mapping".into());
        }
        facts.revision = Some(Arc::new(revision::compute(kind.name(), value.get("spec"))));
        for list in List::BOTH {
            facts.rendered[list as usize] = model::rendered_prerequisites(&value, list.field())?;
        }
        facts.helm4_file =
            model::annotation(&value, model::ANN_HELM4_FILENAME)?.map(str::to_string);
        facts.sync_options =
            model::with_prune_last(model::annotation(&value, model::ANN_SYNC_OPTIONS)?)?;
    }
    // Metadata maps must be mappings for the patch to land.
    model::annotation(&value, model::ANN_SYNC_WAVE)?;
    model::label(&value, model::LABEL_REVISION)?;
    Ok(Express {
        kind,
        value: opts.keep_values.then_some(value),
        name,
        namespace,
        cluster,
        facts,
        patch: Patch::default(),
    })
}

fn group_clusters(docs: &[Doc<'_>]) -> Result<BTreeMap<(String, String), ClusterDocs>> {
    let mut clusters: BTreeMap<(String, String), ClusterDocs> = BTreeMap::new();
    let mut names: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, d) in docs.iter().enumerate() {
        let What::Express(e) = &d.what else { continue };
        let c = clusters
            .entry((e.namespace.clone(), e.cluster.clone()))
            .or_default();
        c.last_doc = i;
        if e.kind == ExpressKind::Cluster {
            if let Some(prev) = c.cluster_doc {
                return Err(Error::doc(
                    &d.at,
                    format!(
                        "a second Cluster CR for cluster `{}` (the first is document {})",
                        e.cluster, docs[prev].at.index
                    ),
                ));
            }
            c.cluster_doc = Some(i);
        } else {
            if let Some(&prev) = names.get(&(e.namespace.as_str(), e.name.as_str())) {
                return Err(Error::doc(
                    &d.at,
                    format!(
                        "duplicate node `{}` (also document {})",
                        e.name, docs[prev].at.index
                    ),
                ));
            }
            names.insert((&e.namespace, &e.name), i);
            c.nodes.push(i);
        }
    }
    Ok(clusters)
}

fn express_of<'d>(docs: &'d [Doc<'_>], i: usize) -> &'d Express {
    match &docs[i].what {
        What::Express(e) => e,
        _ => unreachable!("cluster members are Express documents"),
    }
}

fn express_mut<'d>(docs: &'d mut [Doc<'_>], i: usize) -> &'d mut Express {
    match &mut docs[i].what {
        What::Express(e) => e,
        _ => unreachable!("cluster members are Express documents"),
    }
}

/// Plans one cluster: sets each document's patch; returns the revisions
/// ConfigMap (if any) and what was decided.
fn render_cluster(
    docs: &mut [Doc<'_>],
    namespace: &str,
    cluster: &str,
    cd: &ClusterDocs,
    opts: &Options,
) -> Result<(Option<Value>, ClusterPlan)> {
    let err = |docs: &[Doc<'_>], i: usize, m: String| Error::doc(&docs[i].at, m);
    let (mut mode, mut disabled) = (Mode::Upgrade, opts.no_dependencies);
    if let Some(ci) = cd.cluster_doc {
        let f = &express_of(docs, ci).facts;
        if let Some(m) = f.mode {
            mode = m;
        }
        if f.dependencies == Some(false) {
            disabled = true;
        }
    }
    if let Some(m) = opts.mode {
        mode = m;
    }

    // Members: keys, state, revisions, rendered prerequisites.
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (m, &i) in cd.nodes.iter().enumerate() {
        by_name.insert(express_of(docs, i).name.as_str(), m);
    }
    let mut infos = Vec::with_capacity(cd.nodes.len());
    let mut members = Vec::with_capacity(cd.nodes.len());
    for &i in &cd.nodes {
        let e = express_of(docs, i);
        let f = &e.facts;
        let managed = !disabled && f.dependencies != Some(false);
        let revision = f.revision.clone().expect("nodes have a revision");
        let label = match &f.chart_label {
            Some(l) if !opts.recompute_revisions => l.clone(),
            _ => revision.short().to_string(),
        };
        let mut refs: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
        for list in List::BOTH {
            let l = list as usize;
            for r in &f.rendered[l] {
                match by_name.get(r.node.as_str()) {
                    Some(&t) => refs[l].push(t),
                    None if managed => {
                        return Err(err(
                            docs,
                            i,
                            format!(
                                "spec.deploymentDependencies.{} names `{}`, which is not a node of cluster `{cluster}` in this stream (the operator would wait for it forever)",
                                list.field(),
                                r.node
                            ),
                        ));
                    }
                    None => {}
                }
            }
        }
        let key = e.name[cluster.len() + 1..].to_string();
        members.push(Member {
            key: key.clone(),
            role: e.kind.role().expect("nodes have a role"),
            up: f.up != Some(false),
            managed,
            rendered: refs,
        });
        infos.push(NodeInfo {
            doc: i,
            key,
            kind: e.kind,
            version: f.version.clone(),
            revision,
            label,
            chart_label: f.chart_label.clone(),
        });
    }

    let plan = order::plan(&members, mode, opts.frontends_before_backend)
        .map_err(|c| err(docs, infos[c.member].doc, c.message))?;

    // Patches: waves, revisions, prerequisite entries.
    let mut waves = vec![0i64; infos.len()];
    for (p, &m) in plan.waves.iter().enumerate() {
        waves[m] = opts.wave_start + p as i64;
    }
    let mut patches: Vec<Patch> = Vec::with_capacity(infos.len());
    for (m, info) in infos.iter().enumerate() {
        let mut patch = Patch {
            wave: Some(waves[m]),
            sync_options: express_of(docs, info.doc).facts.sync_options.clone(),
            sha256: Some(info.revision.sha256.clone()),
            label: Some(info.label.clone()),
            deps: None,
        };
        if members[m].managed {
            let mut lists: [Vec<DepRef>; 2] = [Vec::new(), Vec::new()];
            for list in List::BOTH {
                let l = list as usize;
                for d in &plan.deps[l][m] {
                    let dep = &infos[d.target];
                    if dep.version.is_none() {
                        return Err(err(
                            docs,
                            dep.doc,
                            format!(
                                "spec.expressVersion is missing, and node `{}` has this node as a prerequisite",
                                info.key
                            ),
                        ));
                    }
                    lists[l].push(DepRef {
                        doc: dep.doc,
                        entry: d.entry,
                    });
                }
            }
            patch.deps = Some(lists);
        }
        patches.push(patch);
    }
    for (info, patch) in infos.iter().zip(patches) {
        express_mut(docs, info.doc).patch = patch;
    }
    if let Some(ci) = cd.cluster_doc {
        express_mut(docs, ci).patch.wave = Some(opts.wave_start - 1);
    }

    let keys = |list: List, m: usize| -> Vec<String> {
        plan.deps[list as usize][m]
            .iter()
            .map(|d| infos[d.target].key.clone())
            .collect()
    };
    let write_map = opts.revision_configmap && !infos.is_empty();
    let last_wave = opts.wave_start + infos.len() as i64;
    let cluster_plan = ClusterPlan {
        namespace: namespace.to_string(),
        name: cluster.to_string(),
        mode,
        nodes: plan
            .waves
            .iter()
            .map(|&m| {
                let info = &infos[m];
                let e = express_of(docs, info.doc);
                let spec = e.value.as_ref().map(|v| {
                    let mut v = v.clone();
                    apply_patch(docs, info.doc, &mut v);
                    v.get("spec").cloned().unwrap_or(Value::Map(Vec::new()))
                });
                NodePlan {
                    key: info.key.clone(),
                    name: e.name.clone(),
                    kind: info.kind,
                    wave: waves[m],
                    up: members[m].up,
                    managed: members[m].managed,
                    express_version: info.version.clone(),
                    revision: info.label.clone(),
                    chart_revision: info.chart_label.clone(),
                    computed: info.revision.clone(),
                    provisioning_after: keys(List::Provisioning, m),
                    upgrade_after: keys(List::Upgrade, m),
                    spec,
                }
            })
            .collect(),
        configmap_wave: write_map.then_some(last_wave),
    };
    if !write_map {
        return Ok((None, cluster_plan));
    }
    let helm4_file = infos
        .iter()
        .rev()
        .find_map(|info| express_of(docs, info.doc).facts.helm4_file.clone());
    let map = revisions_configmap(namespace, cluster, &infos, last_wave, helm4_file);
    Ok((Some(map), cluster_plan))
}

/// A prerequisite entry in the shape the chart renders.
fn prerequisite(list: List, node: &str, version: &str, revision: &str, kind: ExpressKind) -> Value {
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

fn set_annotation(v: &mut Value, key: &str, value: String) {
    set_meta(v, "annotations", key, value);
}

fn set_label(v: &mut Value, key: &str, value: String) {
    set_meta(v, "labels", key, value);
}

/// Sets a metadata string map entry. The maps were checked to be mappings
/// (or absent) when the document was read.
fn set_meta(v: &mut Value, field: &str, key: &str, value: String) {
    if let Some(map) = v.map_entry("metadata").and_then(|m| m.map_entry(field)) {
        map.set(key, Value::Str(value));
    }
}

fn revisions_configmap(
    namespace: &str,
    cluster: &str,
    infos: &[NodeInfo],
    wave: i64,
    helm4_file: Option<String>,
) -> Value {
    let mut sorted: Vec<&NodeInfo> = infos.iter().collect();
    sorted.sort_by(|a, b| order::natural_cmp(&a.key, &b.key));
    let mut nodes = String::from("{\n");
    let mut revisions = String::from("{\n");
    for (i, info) in sorted.iter().enumerate() {
        let sep = if i + 1 < sorted.len() { ",\n" } else { "\n" };
        nodes.push_str("  ");
        json::string(&info.key, &mut nodes);
        nodes.push_str(": ");
        nodes.push_str(&info.revision.input);
        nodes.push_str(sep);
        revisions.push_str("  ");
        json::string(&info.key, &mut revisions);
        revisions.push_str(": ");
        json::string(&info.label, &mut revisions);
        revisions.push_str(sep);
    }
    nodes.push_str("}\n");
    revisions.push_str("}\n");
    let mut meta = vec![(
        "name".to_string(),
        Value::Str(format!("{cluster}-deployment-revisions")),
    )];
    if !namespace.is_empty() {
        meta.push(("namespace".into(), Value::Str(namespace.into())));
    }
    meta.push((
        "labels".into(),
        Value::Map(vec![
            (
                "app.kubernetes.io/created-by".into(),
                Value::Str("express-waves".into()),
            ),
            (model::LABEL_CLUSTER.into(), Value::Str(cluster.into())),
        ]),
    ));
    let mut annotations = vec![(
        model::ANN_SYNC_WAVE.to_string(),
        Value::Str(wave.to_string()),
    )];
    if let Some(f) = helm4_file {
        annotations.push((model::ANN_HELM4_FILENAME.into(), Value::Str(f)));
    }
    meta.push(("annotations".into(), Value::Map(annotations)));
    Value::Map(vec![
        ("apiVersion".into(), Value::Str("v1".into())),
        ("kind".into(), Value::Str("ConfigMap".into())),
        ("metadata".into(), Value::Map(meta)),
        (
            "data".into(),
            Value::Map(vec![
                ("nodes.json".into(), Value::Str(nodes)),
                ("revisions.json".into(), Value::Str(revisions)),
            ]),
        ),
    ])
}

fn ensure_newline(out: &mut Vec<u8>) {
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.push(b'\n');
    }
}

/// Writes a re-serialised document in place of `chunk`, keeping its
/// separator line and leading comments.
fn write_value(chunk: &Chunk<'_>, v: &Value, out: &mut Vec<u8>) {
    let sep = chunk.separator();
    if !sep.is_empty() {
        let rest = &sep[3..];
        let rest_blank = rest.iter().all(|b| b.is_ascii_whitespace())
            || rest.iter().find(|b| !matches!(b, b' ' | b'\t')) == Some(&b'#');
        if rest_blank {
            out.extend_from_slice(sep);
            ensure_newline(out);
        } else {
            out.extend_from_slice(b"---\n");
        }
    }
    out.extend_from_slice(chunk.leading_comments());
    ensure_newline(out);
    // Emit straight into the buffer: the YAML writer produces UTF-8 text.
    let mut s = String::from_utf8(std::mem::take(out)).expect("separator and comments are UTF-8");
    emit::document(v, &mut s);
    *out = s.into_bytes();
}

/// Re-reads an Express document for writing (render does not keep them).
fn reread(d: &Doc<'_>, limits: Limits) -> Result<Value> {
    let text = std::str::from_utf8(d.chunk.bytes).map_err(|_| Error::doc(&d.at, "not UTF-8"))?;
    let node = yaml::read_document(text, limits)
        .map_err(|e| Error::doc(&d.at, e.message))?
        .ok_or_else(|| Error::doc(&d.at, "the document vanished"))?;
    value::from_node(&node, "").map_err(|m| Error::doc(&d.at, m))
}
