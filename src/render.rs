//! `render`: the post-renderer. A stream in, the same stream out with
//! dependencies, sync waves and revisions on every Express node CR.
//!
//! The whole input is read and checked before a byte is written: on any
//! error the caller gets `Err` and writes nothing, because Argo CD prunes
//! whatever a render leaves out.

use std::collections::{BTreeMap, HashMap};

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

struct Express {
    kind: ExpressKind,
    value: Value,
    name: String,
    namespace: String,
    cluster: String,
}

/// A node of a cluster being rendered.
struct NodeInfo {
    doc: usize,
    key: String,
    kind: ExpressKind,
    version: Option<String>,
    revision: Revision,
    /// The label value: the chart's, or the computed short revision.
    label: String,
    /// The revision label the chart rendered, if any.
    chart_label: Option<String>,
    rendered: [Vec<model::Rendered>; 2],
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
    pub computed: Revision,
    /// Keys of the nodes it waits for, per list.
    pub provisioning_after: Vec<String>,
    pub upgrade_after: Vec<String>,
    /// The node's `spec` as written out (dependencies included).
    pub spec: Value,
}

/// A render's output stream and what it decided.
#[derive(Clone, Debug)]
pub struct Rendering {
    pub bytes: Vec<u8>,
    pub clusters: Vec<ClusterPlan>,
}

#[derive(Default)]
struct ClusterDocs {
    cluster_doc: Option<usize>,
    nodes: Vec<usize>,
    last_doc: usize,
}

/// Renders `sources` as one stream.
pub fn render(sources: &[Source], opts: &Options) -> Result<Vec<u8>> {
    run(sources, opts).map(|r| r.bytes)
}

/// Renders `sources` as one stream, and says what it decided.
pub fn run(sources: &[Source], opts: &Options) -> Result<Rendering> {
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
        bytes: write(sources, &docs, &inserts, total),
        clusters: plans,
    })
}

fn read_docs<'a>(sources: &'a [Source], opts: &Options) -> Result<Vec<Doc<'a>>> {
    let mut docs = Vec::new();
    let mut index = 0;
    for (si, src) in sources.iter().enumerate() {
        for (ci, chunk) in stream::split(&src.bytes).into_iter().enumerate() {
            if ci == 0 && chunk.is_blank() {
                if !chunk.bytes.is_empty() {
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
                source: src.name.clone(),
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

fn read_doc(chunk: &Chunk<'_>, at: &mut DocRef, opts: &Options) -> Result<What> {
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
            express(kind, value)
                .map(|e| What::Express(Box::new(e)))
                .map_err(|m| Error::doc(at, m))
        }
    }
}

fn express(kind: ExpressKind, value: Value) -> Result<Express, String> {
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
    // Validate what render reads later, so errors name this document.
    model::annotation(&value, model::ANN_UP)?;
    model::label(&value, model::LABEL_REVISION)?;
    Ok(Express {
        kind,
        value,
        name,
        namespace,
        cluster,
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

/// Renders one cluster in place; returns its revisions ConfigMap.
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
        let v = &express_of(docs, ci).value;
        if let Some(m) = model::cluster_mode(v).map_err(|m| err(docs, ci, m))? {
            mode = m;
        }
        let deps = model::switch(v, model::ANN_DEPENDENCIES, "disabled", "enabled");
        if deps.map_err(|m| err(docs, ci, m))? == Some(false) {
            disabled = true;
        }
    }
    if let Some(m) = opts.mode {
        mode = m;
    }

    // Members: keys, state, revisions, rendered prerequisites.
    let mut infos = Vec::with_capacity(cd.nodes.len());
    let mut members = Vec::with_capacity(cd.nodes.len());
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (m, &i) in cd.nodes.iter().enumerate() {
        by_name.insert(express_of(docs, i).name.as_str(), m);
    }
    for &i in &cd.nodes {
        let e = express_of(docs, i);
        let v = &e.value;
        let key = e.name[cluster.len() + 1..].to_string();
        let up = model::switch(v, model::ANN_UP, "false", "true").map_err(|m| err(docs, i, m))?;
        let node_deps = model::switch(v, model::ANN_DEPENDENCIES, "disabled", "enabled")
            .map_err(|m| err(docs, i, m))?;
        let managed = !disabled && node_deps != Some(false);
        let version = model::string_at(v, &["spec", "expressVersion"])
            .map_err(|m| err(docs, i, m))?
            .map(str::to_string);
        let revision = revision::compute(e.kind.name(), v.get("spec"));
        let chart_label = model::label(v, model::LABEL_REVISION)
            .map_err(|m| err(docs, i, m))?
            .filter(|l| !l.is_empty());
        let label = match chart_label {
            Some(l) if !opts.recompute_revisions => l.to_string(),
            _ => revision.short().to_string(),
        };
        let chart_label = chart_label.map(str::to_string);
        let mut rendered: [Vec<model::Rendered>; 2] = [Vec::new(), Vec::new()];
        let mut refs: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
        for list in List::BOTH {
            let l = list as usize;
            let entries =
                model::rendered_prerequisites(v, list.field()).map_err(|m| err(docs, i, m))?;
            for r in entries {
                match by_name.get(r.node.as_str()) {
                    Some(&t) => {
                        refs[l].push(t);
                        rendered[l].push(r);
                    }
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
        members.push(Member {
            key: key.clone(),
            role: e.kind.role().expect("nodes have a role"),
            up: up != Some(false),
            managed,
            rendered: refs,
        });
        infos.push(NodeInfo {
            doc: i,
            key,
            kind: e.kind,
            version,
            revision,
            label,
            chart_label,
            rendered,
        });
    }

    let plan = order::plan(&members, mode, opts.frontends_before_backend)
        .map_err(|c| err(docs, infos[c.member].doc, c.message))?;

    // Prerequisite entries, built before any document is changed.
    let mut new_deps: Vec<Option<[Vec<Value>; 2]>> = Vec::with_capacity(infos.len());
    for (m, info) in infos.iter().enumerate() {
        if !members[m].managed {
            new_deps.push(None);
            continue;
        }
        let mut lists: [Vec<Value>; 2] = [Vec::new(), Vec::new()];
        for list in List::BOTH {
            let l = list as usize;
            for d in &plan.deps[l][m] {
                let dep = &infos[d.target];
                let Some(version) = &dep.version else {
                    return Err(err(
                        docs,
                        dep.doc,
                        format!(
                            "spec.expressVersion is missing, and node `{}` has this node as a prerequisite",
                            info.key
                        ),
                    ));
                };
                let dep_name = &express_of(docs, dep.doc).name;
                let entry = match d.entry {
                    Some(e) => {
                        let mut entry = info.rendered[l][e].entry.clone();
                        entry.set("expressVersion", Value::Str(version.clone()));
                        if list == List::Upgrade || entry.get("deploymentRevision").is_some() {
                            entry.set("deploymentRevision", Value::Str(dep.label.clone()));
                        }
                        entry.set("kind", Value::Str(dep.kind.name().into()));
                        entry
                    }
                    None => prerequisite(list, dep_name, version, &dep.label, dep.kind),
                };
                lists[l].push(entry);
            }
        }
        new_deps.push(Some(lists));
    }

    // Apply.
    let mut waves = vec![0i64; infos.len()];
    for (p, &m) in plan.waves.iter().enumerate() {
        waves[m] = opts.wave_start + p as i64;
    }
    for (m, info) in infos.iter().enumerate() {
        let doc = info.doc;
        let at = docs[doc].at.clone();
        let v = &mut express_mut(docs, doc).value;
        set_annotation(v, model::ANN_SYNC_WAVE, waves[m].to_string());
        set_annotation(v, model::ANN_REVISION_SHA256, info.revision.sha256.clone());
        set_label(v, model::LABEL_REVISION, info.label.clone());
        if let Some([prov, upg]) = new_deps[m].take() {
            let spec = v
                .map_entry("spec")
                .ok_or_else(|| Error::doc(&at, "spec must be a mapping"))?;
            let dd = spec
                .map_entry("deploymentDependencies")
                .ok_or_else(|| Error::doc(&at, "spec.deploymentDependencies must be a mapping"))?;
            dd.set(List::Provisioning.field(), Value::Seq(prov));
            dd.set(List::Upgrade.field(), Value::Seq(upg));
        }
    }
    if let Some(ci) = cd.cluster_doc {
        let v = &mut express_mut(docs, ci).value;
        set_annotation(v, model::ANN_SYNC_WAVE, (opts.wave_start - 1).to_string());
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
                    spec: e
                        .value
                        .get("spec")
                        .cloned()
                        .unwrap_or(Value::Map(Vec::new())),
                }
            })
            .collect(),
        configmap_wave: write_map.then_some(last_wave),
    };
    if !write_map {
        return Ok((None, cluster_plan));
    }
    let helm4_file = infos.iter().rev().find_map(|info| {
        model::annotation(&express_of(docs, info.doc).value, model::ANN_HELM4_FILENAME)
            .ok()
            .flatten()
            .map(str::to_string)
    });
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
    let mut s = String::new();
    emit::document(v, &mut s);
    out.extend_from_slice(s.as_bytes());
}

fn write(
    sources: &[Source],
    docs: &[Doc<'_>],
    inserts: &HashMap<usize, Value>,
    total: usize,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(total + total / 4 + 1024);
    let mut current_source = None;
    for (i, d) in docs.iter().enumerate() {
        if current_source != Some(d.source) {
            current_source = Some(d.source);
            // Sources are joined into one stream: the next one must start on
            // a new line, and with a separator if it has none.
            if !out.is_empty() {
                ensure_newline(&mut out);
                if d.chunk.separator_len == 0 && !sources[d.source].bytes.is_empty() {
                    out.extend_from_slice(b"---\n");
                }
            }
        }
        match &d.what {
            What::Pass | What::ConfigMap { .. } => out.extend_from_slice(d.chunk.bytes),
            What::Express(e) => write_value(&d.chunk, &e.value, &mut out),
            What::Replaced(v) => write_value(&d.chunk, v, &mut out),
        }
        if let Some(v) = inserts.get(&i) {
            ensure_newline(&mut out);
            out.extend_from_slice(b"---\n");
            let mut s = String::new();
            emit::document(v, &mut s);
            out.extend_from_slice(s.as_bytes());
        }
    }
    out
}
