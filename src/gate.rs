//! Approval gates (`render --gate-after KEY`): per cluster, a
//! `waves.express.medallia.com/v1` `Gate` in the sync wave right after the
//! node KEY, every later node one wave later. No controller acts on it; its
//! Argo CD health check (the Lua below, mirrored by [`health`]) is
//! Suspended until its `waves.express.medallia.com/approved` annotation
//! names the rollout its spec guards, then Healthy. Argo CD keeps the sync
//! task of a Suspended resource Running and waits on it before the next
//! wave (gitops-engine `pkg/sync/sync_context.go`, `Sync`: only Healthy
//! succeeds a running task, Degraded fails it), and Terminate at the gate
//! applies nothing later.
//!
//! The rollout a gate guards is the SHA-256 of every node of its cluster
//! (key, revision label, spec digest, in wave order) with the gate's place
//! (cluster name and the key it follows; not the namespace, which a chart
//! may leave to `kubectl apply -n`):
//! an approval given for one rollout never opens the next, because the
//! next one changes the spec and so the digest the approval must name.
//!
//! The approval is not drift: the annotation is in neither the render nor
//! the last-applied configuration, and Argo CD's diff keeps what only the
//! live object has (gitops-engine `pkg/diff/diff.go`: `ThreeWayDiff` with
//! the last-applied configuration, `TwoWayDiff` with the render as it,
//! `ServerSideDiff` where `kubectl annotate` owns the field).
//!
//! The gate document, in the order render writes it (revisions in wave
//! order; the YAML writer indents and quotes as for every document it
//! writes: `tests/cases/dependencies/gate-after-*` has it byte for byte):
//!
//! ```yaml
//! apiVersion: waves.express.medallia.com/v1
//! kind: Gate
//! metadata:
//!   name: <cluster>-gate-<key>
//!   namespace: <namespace>          # when the cluster has one
//!   labels:
//!     app.kubernetes.io/created-by: express-waves
//!     express.medallia.com/cluster: <cluster>
//!   annotations:
//!     argocd.argoproj.io/sync-wave: "<the node's wave + 1>"
//!     postrenderer.helm.sh/postrender-filename: <…>  # as the nodes', under Helm 4
//! spec:
//!   cluster: <cluster>
//!   after: <key>
//!   rollout: <64 hex>
//!   revisions:
//!   - node: <key>
//!     revision: <label>
//! ```

use sha2::{Digest as _, Sha256};

use crate::health::{Health, Status};
use crate::model;
use crate::value::Value;

pub const GROUP: &str = "waves.express.medallia.com";
pub const API_VERSION: &str = "waves.express.medallia.com/v1";
pub const KIND: &str = "Gate";
/// `kubectl get` resource name.
pub const RESOURCE: &str = "gates.waves.express.medallia.com";
/// The rollout approved (the gate's `spec.rollout` when it is this one's).
pub const ANN_APPROVED: &str = "waves.express.medallia.com/approved";
/// Who approved it, for people.
pub const ANN_APPROVED_BY: &str = "waves.express.medallia.com/approved-by";

/// The Argo CD health check of a Gate.
pub const LUA: &str =
    include_str!("../argocd/resource_customizations/waves.express.medallia.com/Gate/health.lua");
/// The Gate's CustomResourceDefinition (`argocd crd`).
pub const CRD: &str = include_str!("../argocd/crds/gates.waves.express.medallia.com.yaml");

/// The gate's name: `<cluster>-gate-<key>`.
pub fn name(cluster: &str, after: &str) -> String {
    format!("{cluster}-gate-{after}")
}

/// A node key and its revision label.
pub type NodeRevision = (String, String);

/// A gate, as rendered or read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gate {
    pub namespace: String,
    pub cluster: String,
    /// The node key it follows.
    pub after: String,
    /// Its sync wave, when written on it.
    pub wave: Option<i64>,
    /// Every node of the cluster, in wave order: (key, revision label).
    pub revisions: Vec<NodeRevision>,
    /// The rollout it guards (64 hex).
    pub rollout: String,
    /// The file Helm 4 files it under (`postrenderer.helm.sh/postrender-filename`),
    /// as the cluster's nodes are.
    pub helm4_file: Option<String>,
}

/// A node as a gate sees it: key, revision label, spec digest.
pub struct Guarded<'a> {
    pub key: &'a str,
    pub label: &'a str,
    pub sha256: &'a str,
}

impl Gate {
    /// The gate after `after`, guarding `nodes` (every node of the cluster,
    /// in wave order).
    pub fn new(
        namespace: &str,
        cluster: &str,
        after: &str,
        wave: i64,
        nodes: &[Guarded<'_>],
    ) -> Gate {
        // Not the namespace: a chart may leave it to `kubectl apply -n`,
        // and the rollout is the same.
        let mut h = Sha256::new();
        for part in ["express-waves gate v1", cluster, after] {
            h.update(part.as_bytes());
            h.update(b"\n");
        }
        for n in nodes {
            for part in [n.key, n.label, n.sha256] {
                h.update(part.as_bytes());
                h.update(b"\n");
            }
        }
        let rollout = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Gate {
            namespace: namespace.to_string(),
            cluster: cluster.to_string(),
            after: after.to_string(),
            wave: Some(wave),
            revisions: nodes
                .iter()
                .map(|n| (n.key.to_string(), n.label.to_string()))
                .collect(),
            rollout,
            helm4_file: None,
        }
    }

    pub fn name(&self) -> String {
        name(&self.cluster, &self.after)
    }

    /// The nodes up to and including the one it follows, and those after.
    pub fn split(&self) -> (&[NodeRevision], &[NodeRevision]) {
        let at = self
            .revisions
            .iter()
            .position(|(k, _)| *k == self.after)
            .map_or(0, |p| p + 1);
        self.revisions.split_at(at)
    }

    /// The document render writes (module doc).
    pub fn to_value(&self) -> Value {
        let s = |v: &str| Value::Str(v.to_string());
        let mut meta = vec![("name".to_string(), s(&self.name()))];
        if !self.namespace.is_empty() {
            meta.push(("namespace".into(), s(&self.namespace)));
        }
        meta.push((
            "labels".into(),
            Value::Map(vec![
                (model::LABEL_CREATED_BY.into(), s(model::CREATED_BY)),
                (model::LABEL_CLUSTER.into(), s(&self.cluster)),
            ]),
        ));
        let mut annotations = Vec::new();
        if let Some(w) = self.wave {
            annotations.push((model::ANN_SYNC_WAVE.into(), Value::Str(w.to_string())));
        }
        if let Some(f) = &self.helm4_file {
            annotations.push((model::ANN_HELM4_FILENAME.into(), s(f)));
        }
        if !annotations.is_empty() {
            meta.push(("annotations".into(), Value::Map(annotations)));
        }
        let revisions = self
            .revisions
            .iter()
            .map(|(k, r)| Value::Map(vec![("node".into(), s(k)), ("revision".into(), s(r))]))
            .collect();
        Value::Map(vec![
            ("apiVersion".into(), s(API_VERSION)),
            ("kind".into(), s(KIND)),
            ("metadata".into(), Value::Map(meta)),
            (
                "spec".into(),
                Value::Map(vec![
                    ("cluster".into(), s(&self.cluster)),
                    ("after".into(), s(&self.after)),
                    ("rollout".into(), s(&self.rollout)),
                    ("revisions".into(), Value::Seq(revisions)),
                ]),
            ),
        ])
    }

    /// A Gate object (rendered or live) read back.
    pub fn from_value(v: &Value) -> Result<Gate, String> {
        let text = |path: &[&str]| -> Result<String, String> {
            match v.at(path) {
                Some(Value::Str(s)) => Ok(s.clone()),
                _ => Err(format!("{} is not a string", path.join("."))),
            }
        };
        let mut revisions = Vec::new();
        match v.at(&["spec", "revisions"]) {
            Some(Value::Seq(items)) => {
                for item in items {
                    match (
                        item.get("node").and_then(Value::as_str),
                        item.get("revision").and_then(Value::as_str),
                    ) {
                        (Some(n), Some(r)) => revisions.push((n.to_string(), r.to_string())),
                        _ => {
                            return Err(
                                "spec.revisions holds an entry without node and revision strings"
                                    .into(),
                            );
                        }
                    }
                }
            }
            _ => return Err("spec.revisions is not a list".into()),
        }
        // As Argo CD reads a wave (`wave_of`), but a gate read back must
        // have a readable one.
        let wave = match v.at(&["metadata", "annotations", model::ANN_SYNC_WAVE]) {
            Some(Value::Str(w)) => Some(
                model::go_atoi(w).ok_or_else(|| format!("sync wave `{w}` is not an integer"))?,
            ),
            _ => None,
        };
        let namespace = v.str_at(&["metadata", "namespace"]).to_string();
        Ok(Gate {
            namespace,
            cluster: text(&["spec", "cluster"])?,
            after: text(&["spec", "after"])?,
            wave,
            revisions,
            rollout: text(&["spec", "rollout"])?,
            helm4_file: None,
        })
    }
}

/// Whether `v` is a Gate of the version express-waves writes (another
/// version's shape is not known here: it is anybody's object).
pub fn is_gate(v: &Value) -> bool {
    v.get("kind").and_then(Value::as_str) == Some(KIND)
        && v.get("apiVersion").and_then(Value::as_str) == Some(API_VERSION)
}

/// The node a live gate follows (`spec.after`), `?` where it names none:
/// for showing a gate however malformed.
pub fn after_of(obj: &Value) -> &str {
    match obj.str_at(&["spec", "after"]) {
        "" => "?",
        after => after,
    }
}

/// Whether a live gate may hold the rollout of `cluster` in `namespace`,
/// read however malformed. A gate the Application syncs holds its sync in
/// its wave whoever wrote it (gitops-engine `pkg/sync/sync_context.go`,
/// `Sync`: a running task counts as done only once its live object's
/// health is Healthy, and the next wave waits for every one). Which gates
/// the Application syncs is not in the live objects, so every gate of the
/// namespace that names this cluster, or no cluster (neither `spec.cluster`
/// nor the cluster label), counts: shown more often than it holds, never
/// less. A gate of another cluster in an earlier wave holds this one's
/// later nodes too when clusters roll in sequence; that is not this
/// question (`status` shows where each cluster waits). `status` shows
/// these; `approve` approves only its own.
pub fn holds(gate: &Value, namespace: &str, cluster: &str) -> bool {
    let of = [
        gate.str_at(&["spec", "cluster"]),
        gate.str_at(&["metadata", "labels", crate::model::LABEL_CLUSTER]),
    ];
    gate.str_at(&["metadata", "namespace"]) == namespace
        && (of.iter().all(|c| c.is_empty()) || of.contains(&cluster))
}

/// Whether a live gate is one express-waves wrote for `cluster`: labelled
/// so, and naming the cluster in its spec or, where that is unreadable, in
/// its label.
pub fn written_for(gate: &Value, cluster: &str) -> bool {
    model::created_by_express_waves(gate)
        && (gate.str_at(&["spec", "cluster"]) == cluster
            || gate.str_at(&["metadata", "labels", model::LABEL_CLUSTER]) == cluster)
}

/// A live Gate's sync wave as Argo CD reads it ([`model::sync_wave`]);
/// failing both annotations, 0.
pub fn wave_of(obj: &Value) -> i64 {
    model::sync_wave(obj).unwrap_or(0)
}

/// Whether a document read as YAML is a Gate.
pub fn is_gate_node(node: &crate::yaml::Node<'_>) -> bool {
    let get = |k| node.get(k).and_then(crate::yaml::Node::as_scalar);
    get("kind") == Some(KIND) && get("apiVersion") == Some(API_VERSION)
}

/// The approval on a live gate: who, if it names the gate's rollout.
pub fn approved_by(obj: &Value) -> Option<String> {
    let ann = |k| {
        obj.at(&["metadata", "annotations", k])
            .and_then(Value::as_str)
    };
    let rollout = obj.at(&["spec", "rollout"]).and_then(Value::as_str)?;
    (!rollout.is_empty() && ann(ANN_APPROVED) == Some(rollout))
        .then(|| ann(ANN_APPROVED_BY).unwrap_or("").to_string())
}

/// The health of a Gate, by the rules of its Lua check (every case of its
/// `health_test.yaml` is checked against both).
pub fn health(obj: &Value) -> Health {
    let h = |status, message: String| Health { status, message };
    let spec_str = |k| obj.at(&["spec", k]).and_then(Value::as_str);
    let (Some(cluster), Some(after), Some(rollout)) =
        (spec_str("cluster"), spec_str("after"), spec_str("rollout"))
    else {
        return h(Status::Degraded, NOT_OURS.into());
    };
    if rollout.is_empty() {
        return h(Status::Degraded, NOT_OURS.into());
    }
    if let Some(by) = approved_by(obj) {
        return h(
            Status::Healthy,
            if by.is_empty() {
                "Approved".into()
            } else {
                format!("Approved by {by}")
            },
        );
    }
    let where_ = match obj.at(&["metadata", "namespace"]).and_then(Value::as_str) {
        Some(ns) if !ns.is_empty() => format!("{ns}/{cluster}"),
        _ => cluster.to_string(),
    };
    let mut message =
        format!("waiting for approval: express-waves approve {where_} --gate {after}");
    if obj
        .at(&["metadata", "annotations", ANN_APPROVED])
        .is_some_and(|v| !matches!(v, Value::Null))
    {
        message.push_str(" (the approval it has is for another rollout)");
    }
    h(Status::Suspended, message)
}

const NOT_OURS: &str = "Not a gate express-waves wrote (spec.cluster, spec.after and spec.rollout must be strings): render it again";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gates_wave_falls_back_to_its_helm_hook_weight_as_argo_cd_reads_it() {
        let gate = |annotations: &str| {
            crate::value::parse_for_test(&format!("metadata:\n  annotations: {annotations}\n"))
                .unwrap()
        };
        assert_eq!(
            wave_of(&gate(
                "{argocd.argoproj.io/sync-wave: '3', helm.sh/hook-weight: '7'}"
            )),
            3
        );
        assert_eq!(
            wave_of(&gate(
                "{argocd.argoproj.io/sync-wave: ' 3', helm.sh/hook-weight: '7'}"
            )),
            7
        );
        assert_eq!(wave_of(&gate("{helm.sh/hook-weight: '-2'}")), -2);
        assert_eq!(wave_of(&gate("{helm.sh/hook-weight: x}")), 0);
        assert_eq!(wave_of(&gate("{}")), 0);
    }
}
