//! What a render decided, per cluster and per node: the rollout Argo CD
//! will run. `plan`, `diff` and `verify` report from it.

use std::sync::Arc;

use crate::model::ExpressKind;
use crate::order::{self, List, Mode};
use crate::revision::Revision;
use crate::value::Value;

use super::cluster::Nodes;
use super::express::express_of;
use super::hashed;
use super::patch;
use super::read::Doc;

/// What a render decided, per cluster: for `plan`, `diff`, `verify`.
#[derive(Clone, Debug)]
pub struct ClusterRollout {
    pub namespace: String,
    pub name: String,
    pub mode: Mode,
    /// Nodes in wave order.
    pub nodes: Vec<NodeRollout>,
    /// Wave of the revisions ConfigMap, if one is written.
    pub configmap_wave: Option<i64>,
    /// Approval gates (`--gate-after`), in wave order.
    pub gates: Vec<crate::gate::Gate>,
}

/// Whether render wrote a node's `deploymentDependencies`, and if not,
/// what turned it off (the chart's own entries are then kept as written).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Injection {
    #[serde(rename = "injected")]
    Injected,
    /// `--no-dependencies` (or the CMP parameter `dependencies: disabled`).
    #[serde(rename = "off-flag")]
    Flag,
    /// `express.medallia.com/dependencies: disabled` on the Cluster CR.
    #[serde(rename = "off-cluster-annotation")]
    ClusterAnnotation,
    /// `express.medallia.com/dependencies: disabled` on the node.
    #[serde(rename = "off-node-annotation")]
    NodeAnnotation,
}

impl Injection {
    /// For tables: `injected`, or `off (…)` with what turned it off.
    pub fn describe(self) -> &'static str {
        match self {
            Injection::Injected => "injected",
            Injection::Flag => "off (flag)",
            Injection::ClusterAnnotation => "off (cluster)",
            Injection::NodeAnnotation => "off (node)",
        }
    }
}

/// One node as rendered.
#[derive(Clone, Debug)]
pub struct NodeRollout {
    pub key: String,
    pub name: String,
    pub kind: ExpressKind,
    pub wave: i64,
    pub up: bool,
    pub express_version: Option<String>,
    /// The revision label written (the chart's, or the computed one).
    pub revision: String,
    /// The revision label the chart rendered, if any.
    pub chart_revision: Option<String>,
    /// A label an earlier render wrote for another spec (the render was
    /// edited after rendering); this render recomputed it.
    pub stale_label: Option<String>,
    /// The sync wave an earlier render wrote on it, when the input is a
    /// render.
    pub rendered_wave: Option<i64>,
    /// Whether the revision written is the chart's own choice (not the
    /// computed one): marked `express.medallia.com/revision-source: chart`
    /// and listed in the ConfigMap's `chart-revisions.json`.
    pub revision_from_chart: bool,
    /// What the spec hashes to.
    pub computed: Arc<Revision>,
    /// Whether its dependencies were injected, and if not, why.
    pub injection: Injection,
    /// Who asked to ignore its health check
    /// (`express.medallia.com/health: ignore`), if anyone did.
    pub health_ignored_by: Option<String>,
    /// Keys of the nodes it waits for, per list.
    pub provisioning_after: Vec<String>,
    pub upgrade_after: Vec<String>,
    /// The node's `spec` as written out (dependencies included), when the
    /// render kept values ([`super::analyse`]).
    pub spec: Option<Value>,
}

impl NodeRollout {
    /// Which node it is, for reports.
    pub fn id(&self) -> crate::model::NodeId {
        crate::model::NodeId {
            key: self.key.clone(),
            name: self.name.clone(),
            kind: self.kind,
        }
    }

    /// Keys of the nodes it waits for in `list`.
    pub fn after(&self, list: List) -> &[String] {
        match list {
            List::Provisioning => &self.provisioning_after,
            List::Upgrade => &self.upgrade_after,
        }
    }

    /// Whether syncing this node restarts `live`: the revision label
    /// changes (the operator restarts a node when its revision changes).
    pub fn restarts(&self, live: &crate::live::LiveNode<'_>) -> bool {
        live.label() != Some(self.revision.as_str())
    }
}

impl NodeRollout {
    /// What was decided for node `m`; its spec as written out when the render
    /// kept values.
    pub(super) fn of(
        docs: &[Doc<'_>],
        nodes: &Nodes,
        order: &order::Order,
        m: usize,
        wave: i64,
    ) -> NodeRollout {
        let info = &nodes.infos[m];
        let e = express_of(docs, info.doc);
        let keys = |list: List| -> Vec<String> {
            order.deps[list as usize][m]
                .iter()
                .map(|d| nodes.infos[d.target].key.clone())
                .collect()
        };
        let spec = e.value.as_ref().map(|v| {
            let mut v = v.clone();
            patch::apply(patch::edits(docs, info.doc), &mut v);
            v.get("spec").cloned().unwrap_or(Value::Map(Vec::new()))
        });
        NodeRollout {
            key: info.key.clone(),
            name: e.name.clone(),
            kind: info.kind,
            wave,
            up: nodes.members[m].up,
            express_version: info.version.clone(),
            revision: info.label.clone(),
            chart_revision: info.chart_label.clone(),
            stale_label: info.stale_label.clone(),
            rendered_wave: e.facts.rendered_wave,
            revision_from_chart: info.from_chart,
            injection: info.injection,
            computed: Arc::new(Revision {
                input: match &e.facts.input {
                    Some(hashed::Input::Whole(t)) => t.clone(),
                    _ => unreachable!("a render that keeps values holds every input whole"),
                },
                digest: info.digest,
            }),
            health_ignored_by: e
                .value
                .as_deref()
                .and_then(|v| crate::health::ignored_by(e.kind, v)),
            provisioning_after: keys(List::Provisioning),
            upgrade_after: keys(List::Upgrade),
            spec,
        }
    }
}
