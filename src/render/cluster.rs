//! One cluster's rollout: its nodes in order, their dependencies and
//! waves, and the patch of each document.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::model::ExpressKind;
use crate::order::{self, List, Member, Mode};
use crate::revision::Revision;
use crate::value::Value;

use super::Options;
use super::configmap;
use super::group::ClusterDocs;
use super::patch::{self, DepRef, Patch};
use super::read::{Doc, express_mut, express_of};
use super::rollout::{ClusterRollout, NodeRollout};

/// A node of a cluster being rendered.
pub(super) struct NodeInfo {
    pub(super) doc: usize,
    pub(super) key: String,
    pub(super) kind: ExpressKind,
    pub(super) version: Option<String>,
    pub(super) revision: Arc<Revision>,
    /// The label value: the chart's, or the computed short revision.
    pub(super) label: String,
    /// The revision label the chart rendered, if any.
    pub(super) chart_label: Option<String>,
}

/// Plans one cluster: sets each document's patch; returns the revisions
/// ConfigMap (if any) and what was decided.
pub(super) fn decide(
    docs: &mut [Doc<'_>],
    namespace: &str,
    cluster: &str,
    cd: &ClusterDocs,
    opts: &Options,
) -> Result<(Option<Value>, ClusterRollout)> {
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
    let cluster_plan = ClusterRollout {
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
                    patch::apply(docs, info.doc, &mut v);
                    v.get("spec").cloned().unwrap_or(Value::Map(Vec::new()))
                });
                NodeRollout {
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
    let map = configmap::revisions_configmap(namespace, cluster, &infos, last_wave, helm4_file);
    Ok((Some(map), cluster_plan))
}
