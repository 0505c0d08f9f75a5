//! One cluster's rollout: its nodes in order, their dependencies and
//! waves, and the patch of each document.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::gate::Gate;
use crate::model::ExpressKind;
use crate::order::{self, List, Member, Mode};
use crate::revision::Digest;

use super::configmap;
use super::express::{express_mut, express_of};
use super::gates;
use super::group::ClusterDocs;
use super::patch::{DepRef, Deps, Label, Patch};
use super::read::Doc;
use super::rollout::{ClusterRollout, Injection, NodeRollout};
use super::{Keep, Options};

/// A node of a cluster being rendered.
pub(super) struct NodeInfo {
    pub(super) doc: usize,
    pub(super) key: String,
    pub(super) kind: ExpressKind,
    pub(super) version: Option<String>,
    /// What its spec hashes to.
    pub(super) digest: Digest,
    /// The label value: the chart's, or the computed short revision.
    pub(super) label: String,
    /// The revision label the chart rendered, if any.
    pub(super) chart_label: Option<String>,
    /// Whether the label is the chart's own choice: a label the chart set
    /// that is not the computed one, kept (no `--recompute-revisions`).
    pub(super) from_chart: bool,
    /// Whether its dependencies are injected, and if not, why.
    pub(super) injection: Injection,
    /// A label an earlier render wrote for another spec.
    pub(super) stale_label: Option<String>,
}

/// The nodes of a cluster: what the order needs of each ([`Member`]) and
/// what render needs ([`NodeInfo`]), index for index.
pub(super) struct Nodes {
    pub(super) members: Vec<Member>,
    pub(super) infos: Vec<NodeInfo>,
}

/// What was decided for a cluster, besides each document's patch.
pub(super) struct Decided {
    /// Its revisions ConfigMap, if one is written.
    pub(super) map: Option<configmap::RevisionsMap>,
    /// Its approval gates, in wave order.
    pub(super) gates: Vec<Gate>,
    /// The last wave it uses (its revisions ConfigMap's, else its last
    /// node's, else its Cluster CR's, one before the start).
    pub(super) last_wave: i64,
    /// The rollout, when the render keeps values.
    pub(super) rollout: Option<ClusterRollout>,
}

/// What a cluster's decision starts from besides its documents.
pub(super) struct Given<'g> {
    /// The revisions the input's own revisions ConfigMap for it (an
    /// earlier render's) records as computed, by node key.
    pub(super) recorded: &'g [(String, String)],
    /// The nodes an approval gate follows.
    pub(super) gate_after: &'g [gates::GateAfter],
    /// The wave of its first node (`--wave-start`, or where the cluster
    /// before it ends, in sequence).
    pub(super) wave_start: i64,
    /// `--frontends-before-backend`, as asked or recorded.
    pub(super) frontends_before_backend: usize,
}

/// Decides one cluster: sets each document's patch; returns the revisions
/// ConfigMap (if any) and, when the render keeps values, the rollout.
pub(super) fn decide(
    docs: &mut [Doc<'_>],
    namespace: &str,
    cluster: &str,
    cd: &ClusterDocs,
    given: &Given<'_>,
    opts: &Options,
    keep: Keep,
) -> Result<Decided> {
    let (mode, disabled) = settings(docs, cd, opts)?;
    let nodes = nodes(docs, cluster, cd, given.recorded, disabled, opts)?;
    let order = order::resolve(&nodes.members, mode, given.frontends_before_backend)
        .map_err(|c| Error::doc(&docs[nodes.infos[c.member].doc].at(), c.message))?;
    let in_order: Vec<&NodeInfo> = order.waves.iter().map(|&m| &nodes.infos[m]).collect();
    let gated = gates::positions(&in_order, namespace, cluster, given.gate_after)
        .map_err(|e| e.at(docs, cd))?;
    // Every later node goes one wave later per gate before it.
    let mut waves = vec![0i64; nodes.infos.len()];
    let mut shift = 0;
    for (p, &m) in order.waves.iter().enumerate() {
        waves[m] = given.wave_start + p as i64 + shift;
        if gated.contains(&p) {
            shift += 1;
        }
    }
    let helm4_file = nodes
        .infos
        .iter()
        .rev()
        .find_map(|info| express_of(docs, info.doc).facts.helm4_file.clone());
    let wave_at = |p: usize| waves[order.waves[p]];
    let gates = gates::decide(
        namespace,
        cluster,
        &in_order,
        &gated,
        wave_at,
        helm4_file.as_deref(),
    );
    set_patches(docs, &nodes, &order, &waves)?;
    record_options(docs, cd, opts, given.wave_start);
    // The wave after the last node: the revisions ConfigMap's, and kept for
    // it whether or not it is written, so that `--no-revision-configmap`
    // (which `plan` is not given) moves no later cluster in sequence.
    let after_nodes = (!nodes.infos.is_empty())
        .then(|| given.wave_start + nodes.infos.len() as i64 + gates.len() as i64);
    let configmap_wave = after_nodes.filter(|_| opts.revision_configmap);
    let rollout = (keep == Keep::Values).then(|| ClusterRollout {
        namespace: namespace.to_string(),
        name: cluster.to_string(),
        mode,
        nodes: order
            .waves
            .iter()
            .map(|&m| NodeRollout::of(docs, &nodes, &order, m, waves[m]))
            .collect(),
        configmap_wave,
        gates: gates.clone(),
    });
    let last_wave = after_nodes.unwrap_or(given.wave_start - 1);
    let map = configmap_wave.map(|wave| {
        configmap::RevisionsMap::new(
            namespace,
            cluster,
            &nodes.infos,
            wave,
            helm4_file.map(String::from),
        )
    });
    Ok(Decided {
        map,
        gates,
        last_wave,
        rollout,
    })
}

/// The options a render of this render must keep, recorded where given:
/// on the Cluster CR (with its wave, one before the first node's), else on
/// every node.
fn record_options(docs: &mut [Doc<'_>], cd: &ClusterDocs, opts: &Options, wave_start: i64) {
    let record = |patch: &mut super::patch::Patch| {
        patch.mode = opts.mode;
        patch.dependencies_off = opts.no_dependencies;
        patch.wave_start = opts.wave_start;
        patch.clusters_in_sequence = opts.clusters_in_sequence;
        patch.frontends_before_backend = opts.frontends_before_backend;
    };
    match cd.cluster_doc {
        Some(ci) => {
            let patch = &mut express_mut(docs, ci).patch;
            patch.wave = Some(wave_start - 1);
            record(patch);
        }
        None => {
            for &i in &cd.nodes {
                record(&mut express_mut(docs, i).patch);
            }
        }
    }
}

/// The mode, and what turned injection off for the whole cluster, if
/// anything: the Cluster CR's annotations, overridden by the options.
fn settings(
    docs: &[Doc<'_>],
    cd: &ClusterDocs,
    opts: &Options,
) -> Result<(Mode, Option<Injection>)> {
    let mut mode = Mode::Upgrade;
    let mut disabled = opts.no_dependencies.then_some(Injection::Flag);
    if cd.cluster_doc.is_none() && opts.mode.is_none() {
        // The nodes record the mode (render writes it on every node of a
        // cluster without its Cluster CR); they must agree.
        let mut modes = cd
            .nodes
            .iter()
            .filter_map(|&i| express_of(docs, i).facts.mode.map(|m| (i, m)));
        if let Some((_, first)) = modes.next() {
            if let Some((i, other)) = modes.find(|&(_, m)| m != first) {
                return Err(Error::doc(
                    &docs[i].at(),
                    format!(
                        "express.medallia.com/mode `{}` here, `{}` on another node of the cluster: with no Cluster CR in the stream the nodes' mode must agree",
                        other.name(),
                        first.name()
                    ),
                ));
            }
            mode = first;
        }
    }
    if let Some(ci) = cd.cluster_doc {
        let f = &express_of(docs, ci).facts;
        if let Some(m) = f.mode {
            mode = m;
        }
        if f.dependencies == Some(false) {
            disabled = disabled.or(Some(Injection::ClusterAnnotation));
        }
    }
    Ok((opts.mode.unwrap_or(mode), disabled))
}

/// Each node's key, state, revision and rendered prerequisites (which must
/// name nodes of the cluster, managed or not).
fn nodes(
    docs: &[Doc<'_>],
    cluster: &str,
    cd: &ClusterDocs,
    recorded: &[(String, String)],
    disabled: Option<Injection>,
    opts: &Options,
) -> Result<Nodes> {
    // Each node by name: its member index, and whether its health check
    // is ignored.
    let by_name: HashMap<&str, (usize, bool)> = cd
        .nodes
        .iter()
        .enumerate()
        .map(|(m, &i)| {
            let e = express_of(docs, i);
            (e.name.as_str(), (m, e.facts.health_ignored))
        })
        .collect();
    let mut nodes = Nodes {
        members: Vec::with_capacity(cd.nodes.len()),
        infos: Vec::with_capacity(cd.nodes.len()),
    };
    for &i in &cd.nodes {
        let e = express_of(docs, i);
        let f = &e.facts;
        let injection = match (disabled, f.dependencies) {
            (Some(off), _) => off,
            (None, Some(false)) => Injection::NodeAnnotation,
            (None, _) => Injection::Injected,
        };
        let managed = injection == Injection::Injected;
        let revision = f.digest.expect("nodes have a revision");
        // A label the earlier render's own ConfigMap records as computed
        // is express-waves', not the chart's.
        let key = crate::model::node_key(&e.name, cluster).expect("read checked the name");
        let ours = f.chart_label.as_ref().filter(|l| {
            recorded
                .iter()
                .any(|(k, r)| k == key && r.as_str() == &***l)
        });
        let stale_label = f
            .stale_label
            .as_deref()
            .or_else(|| ours.map(|l| &**l).filter(|l| *l != revision.short()))
            .map(str::to_string);
        let label = match &f.chart_label {
            Some(l) if !opts.recompute_revisions && ours.is_none() => l.to_string(),
            _ => revision.short().to_string(),
        };
        let refs = rendered_refs(f, &by_name, cluster, managed)
            .map_err(|m| Error::doc(&docs[i].at(), m))?;
        let key = key.to_string();
        nodes.members.push(Member {
            key: key.clone(),
            role: e.kind.role().expect("nodes have a role"),
            up: f.up != Some(false),
            ignored: f.health_ignored,
            managed,
            rendered: refs,
        });
        let from_chart = label != revision.short();
        nodes.infos.push(NodeInfo {
            doc: i,
            key,
            kind: e.kind,
            version: f.version.as_deref().map(str::to_string),
            digest: revision,
            label,
            chart_label: f.chart_label.as_deref().map(str::to_string),
            from_chart,
            injection,
            stale_label,
        });
    }
    Ok(nodes)
}

/// The members a node's rendered prerequisites name, per list. A name that
/// is no node of the cluster is an error in every mode: with injection off
/// the chart's entry is kept as written, and the operator would still wait.
/// So is, with injection off (`managed` false), a node whose health check
/// is ignored: render takes such a node out of every chain it writes, but
/// the chart's own entries would hold this node for ever.
fn rendered_refs(
    f: &super::express::Facts,
    by_name: &HashMap<&str, (usize, bool)>,
    cluster: &str,
    managed: bool,
) -> std::result::Result<[Vec<usize>; 2], String> {
    let mut refs: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
    for list in List::BOTH {
        for r in f.rendered(list) {
            let field = list.field();
            let node = &r.node;
            match by_name.get(node.as_str()) {
                None => {
                    return Err(format!(
                        "spec.deploymentDependencies.{field} names `{node}`, which is not a node of cluster `{cluster}` in this stream (the operator would wait for it forever)"
                    ));
                }
                Some(&(_, true)) if !managed => {
                    return Err(format!(
                        "spec.deploymentDependencies.{field} names `{node}`, whose health check is ignored (express.medallia.com/health: ignore), and this node's dependencies are the chart's (injection is off): the operator would wait for it for ever; leave it out of the chart's prerequisites, or let express-waves write them"
                    ));
                }
                Some(&(t, _)) => refs[list as usize].push(t),
            }
        }
    }
    Ok(refs)
}

/// Every node's patch: its wave, sync options, revision, and (when managed)
/// its prerequisites, each of which must have an `expressVersion`.
fn set_patches(
    docs: &mut [Doc<'_>],
    nodes: &Nodes,
    order: &order::Order,
    waves: &[i64],
) -> Result<()> {
    for (m, info) in nodes.infos.iter().enumerate() {
        let mut patch = Patch {
            wave: Some(waves[m]),
            sync_options: express_mut(docs, info.doc).facts.sync_options.take(),
            label: Some(if info.from_chart {
                Label::Chart
            } else {
                Label::Computed
            }),
            deps: None,
            ..Patch::default()
        };
        if nodes.members[m].managed {
            let mut lists: [Vec<DepRef>; 2] = [Vec::new(), Vec::new()];
            lists[List::Provisioning as usize].reserve_exact(
                order.deps[List::Provisioning as usize][m].len()
                    + order.deps[List::Upgrade as usize][m].len(),
            );
            for list in List::BOTH {
                for d in &order.deps[list as usize][m] {
                    let dep = &nodes.infos[d.target];
                    if dep.version.is_none() {
                        return Err(Error::doc(
                            &docs[dep.doc].at(),
                            format!(
                                "spec.expressVersion is missing, and node `{}` has this node as a prerequisite",
                                info.key
                            ),
                        ));
                    }
                    lists[list as usize].push(DepRef {
                        doc: dep.doc,
                        entry: d.entry,
                    });
                }
            }
            patch.deps = Some(Deps::new(lists));
        }
        express_mut(docs, info.doc).patch = patch;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
