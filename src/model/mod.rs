//! Typed views of the documents express-waves acts on.
//!
//! Express CRs have `apiVersion` `<group>/<version>` (group
//! `express.medallia.com` by default) and kind `Cluster`, `Backend` or
//! `Frontend`. A node (Backend or Frontend) belongs to the cluster
//! `spec.clusterConfig.clusterName` in its namespace; its key is its name
//! without the `<cluster>-` prefix. The names of the labels and annotations
//! read and written are here too.

mod identify;

pub use identify::{Identity, identify, label_of};

use crate::order::{Mode, Role};
use crate::value::Value;

/// Argo CD's sync-wave annotation.
pub const ANN_SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
/// Argo CD's per-resource sync options (comma-separated).
pub const ANN_SYNC_OPTIONS: &str = "argocd.argoproj.io/sync-options";
/// The sync option every node carries: a removed node is deleted after
/// every other node's wave (see [`with_prune_last`]).
pub const PRUNE_LAST: &str = "PruneLast=true";
/// The short revision (label).
pub const LABEL_REVISION: &str = "express.medallia.com/deployment-revision";
/// The full SHA-256 of the hashed input (annotation).
pub const ANN_REVISION_SHA256: &str = "express.medallia.com/deployment-revision-sha256";
/// Annotation marking a node whose revision label the chart set (value
/// `chart`): the label is the chart's choice, not a hash of the spec.
pub const ANN_REVISION_SOURCE: &str = "express.medallia.com/revision-source";
/// `"false"` marks a node intentionally down.
pub const ANN_UP: &str = "express.medallia.com/up";
/// `"ignore"` on a node: on-call's escape hatch past a node known broken;
/// the health checks report it Healthy whatever its state, so that a sync
/// goes on past it.
pub const ANN_HEALTH: &str = "express.medallia.com/health";
/// Who asked for [`ANN_HEALTH`] `ignore`, and why: named in every health
/// message and report about the node.
pub const ANN_HEALTH_IGNORED_BY: &str = "express.medallia.com/health-ignored-by";
/// `"disabled"` on a Cluster or node turns dependency injection off.
pub const ANN_DEPENDENCIES: &str = "express.medallia.com/dependencies";
/// `provisioning` or `upgrade` on a Cluster.
pub const ANN_MODE: &str = "express.medallia.com/mode";
/// `--wave-start` as a render was given it, on the Cluster CR (without one,
/// on every node), so that a render or plan of the output keeps it.
pub const ANN_WAVE_START: &str = "express.medallia.com/wave-start";
/// `--clusters` (`in-sequence` or `parallel`) as a render was given it,
/// recorded the same way.
pub const ANN_CLUSTERS: &str = "express.medallia.com/clusters";
/// `--frontends-before-backend` as a render was given it, recorded the
/// same way.
pub const ANN_FRONTENDS_BEFORE_BACKEND: &str = "express.medallia.com/frontends-before-backend";
/// Label marking the revisions ConfigMap and the approval gates as
/// express-waves' own ([`CREATED_BY`]).
pub const LABEL_CREATED_BY: &str = "app.kubernetes.io/created-by";
/// [`LABEL_CREATED_BY`]'s value on what express-waves writes.
pub const CREATED_BY: &str = "express-waves";

/// Whether `obj` is labelled as written by express-waves.
pub fn created_by_express_waves(obj: &Value) -> bool {
    obj.at(&["metadata", "labels", LABEL_CREATED_BY])
        .and_then(Value::as_str)
        == Some(CREATED_BY)
}

/// Label naming the cluster on the revisions ConfigMap.
pub const LABEL_CLUSTER: &str = "express.medallia.com/cluster";
/// Helm 4 needs this annotation back on every document.
pub const ANN_HELM4_FILENAME: &str = "postrenderer.helm.sh/postrender-filename";

/// Which node a report line is about: its key, full name and kind, the
/// same three fields first in every report's JSON (`plan`, `status`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct NodeId {
    pub key: String,
    pub name: String,
    pub kind: ExpressKind,
}

/// The kinds of Express CR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum ExpressKind {
    Cluster,
    Backend,
    Frontend,
}

impl ExpressKind {
    pub fn name(self) -> &'static str {
        match self {
            ExpressKind::Cluster => "Cluster",
            ExpressKind::Backend => "Backend",
            ExpressKind::Frontend => "Frontend",
        }
    }

    pub fn from_name(kind: &str) -> Option<ExpressKind> {
        match kind {
            "Cluster" => Some(ExpressKind::Cluster),
            "Backend" => Some(ExpressKind::Backend),
            "Frontend" => Some(ExpressKind::Frontend),
            _ => None,
        }
    }

    pub fn role(self) -> Option<Role> {
        match self {
            ExpressKind::Cluster => None,
            ExpressKind::Backend => Some(Role::Backend),
            ExpressKind::Frontend => Some(Role::Frontend),
        }
    }
}

/// Whether `l` is one label of a lower-case DNS name (RFC 1123: letters,
/// digits and `-`, neither first nor last), as API groups and Helm release
/// names are made of. Length limits differ between them and are the
/// caller's.
pub fn is_dns_label(l: &str) -> bool {
    !l.is_empty()
        && l.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !l.starts_with('-')
        && !l.ends_with('-')
}

/// Whether a rendered object's namespace is a live object's: the same, or
/// none (a `helm template` without `--namespace` leaves it out, and
/// `kubectl apply -n` or Argo CD's destination namespace fills it in).
pub fn same_namespace(rendered: &str, live: &str) -> bool {
    rendered.is_empty() || rendered == live
}

/// Go's `strconv.Atoi`: an optional sign and decimal digits, nothing else.
pub fn go_atoi(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// An object's sync wave as Argo CD reads it: gitops-engine
/// `pkg/sync/syncwaves/waves.go`, `Wave`, is `strconv.Atoi` of the
/// sync-wave annotation; failing that `pkg/sync/hook/helm/weight.go`,
/// `Weight`, the same of `helm.sh/hook-weight`. `None` where neither
/// reads (Argo CD then takes 0).
pub fn sync_wave(obj: &Value) -> Option<i64> {
    let atoi = |key| {
        obj.at(&["metadata", "annotations", key])
            .and_then(Value::as_str)
            .and_then(go_atoi)
    };
    atoi(ANN_SYNC_WAVE).or_else(|| atoi("helm.sh/hook-weight"))
}

/// Whether `api_version` (`<group>/<version>`) is in `group`.
pub fn in_group(api_version: &str, group: &str) -> bool {
    api_version.split_once('/').map(|(g, _)| g) == Some(group)
}

/// A node's key: its name less `<cluster>-` (`acme-fe1` in `acme`: `fe1`);
/// `None` when the name does not start so, or nothing is left.
pub fn node_key<'a>(name: &'a str, cluster: &str) -> Option<&'a str> {
    name.strip_prefix(cluster)
        .and_then(|r| r.strip_prefix('-'))
        .filter(|k| !k.is_empty())
}

/// `namespace/name`, or `name` without a namespace: how objects are named
/// in every message and report.
pub fn qualified(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}/{name}")
    }
}

/// A string field at `path`, which must be a string if present.
pub fn string_at<'a>(doc: &'a Value, path: &[&str]) -> Result<Option<&'a str>, String> {
    match doc.at(path) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        Some(other) => Err(format!(
            "{} must be a string, not {}",
            path.join("."),
            other.type_name()
        )),
    }
}

/// An annotation, which must be a string if present.
pub fn annotation<'a>(doc: &'a Value, key: &str) -> Result<Option<&'a str>, String> {
    metadata_string(doc, "annotations", key)
}

/// A label, which must be a string if present.
pub fn label<'a>(doc: &'a Value, key: &str) -> Result<Option<&'a str>, String> {
    metadata_string(doc, "labels", key)
}

fn metadata_string<'a>(doc: &'a Value, field: &str, key: &str) -> Result<Option<&'a str>, String> {
    match doc.at(&["metadata", field]) {
        None | Some(Value::Null) => Ok(None),
        Some(m @ Value::Map(_)) => match m.get(key) {
            None => Ok(None),
            Some(Value::Str(s)) => Ok(Some(s)),
            Some(other) => Err(format!(
                "metadata.{field}.{key} must be a string, not {} (quote it)",
                other.type_name()
            )),
        },
        Some(other) => Err(format!(
            "metadata.{field} must be a mapping, not {}",
            other.type_name()
        )),
    }
}

/// Reads a two-valued annotation: `Ok(None)` if absent.
pub fn switch(doc: &Value, key: &str, off: &str, on: &str) -> Result<Option<bool>, String> {
    match annotation(doc, key)? {
        None => Ok(None),
        Some(v) if v == on => Ok(Some(true)),
        Some(v) if v == off => Ok(Some(false)),
        Some(v) => Err(format!(
            "annotation {key} is `{v}`; expected \"{on}\" or \"{off}\""
        )),
    }
}

/// A node's `argocd.argoproj.io/sync-options` with `PruneLast=true` in it:
/// `None` when it is there already (nothing to change).
///
/// Why every node carries it: when a node CR leaves the render, Argo CD
/// prunes it in the wave of its *live* object (gitops-engine
/// `pkg/sync/sync_task.go`, `syncTask.wave()` reads `liveObj` for a prune),
/// reverses the waves of prune tasks among themselves, and runs a wave's
/// prunes and applies together (`pkg/sync/sync_context.go`,
/// `getSyncTasks`, `Sync`). The remaining nodes are renumbered, so the
/// removed node's deletion would share a wave with another node's restart.
/// A prune whose live object has `PruneLast=true` is moved to one wave after
/// the last (`getSyncTasks`: `syncPhaseLastWave + 1`, checked with
/// `HasAnnotationOption` on `task.liveObj`): after every node has been
/// applied and waited on. Since it is read from the live object, it must be
/// in place from the render before; rendering it on every node always does
/// that. Items are read as Argo CD reads them (`GetAnnotationCSVs`: split on
/// `,`, trimmed); any other `PruneLast=` value is refused, since it would
/// either contradict what is added or silently undo it.
pub fn with_prune_last(current: Option<&str>) -> Result<Option<String>, String> {
    let current = current.unwrap_or("");
    let mut has = false;
    for item in current.split(',').map(str::trim) {
        if item == PRUNE_LAST {
            has = true;
        } else if item.starts_with("PruneLast=") {
            return Err(format!(
                "annotation {ANN_SYNC_OPTIONS} holds `{item}`: express-waves sets {PRUNE_LAST} on every node so that a removed node is deleted after every other node has rolled; remove `{item}`"
            ));
        }
    }
    if has {
        return Ok(None);
    }
    let kept = current.trim_end_matches([' ', '\t', ',']);
    Ok(Some(if kept.trim().is_empty() {
        PRUNE_LAST.to_string()
    } else {
        format!("{kept},{PRUNE_LAST}")
    }))
}

/// Refuses an Express CR that Argo CD would run as a hook (gitops-engine
/// `pkg/sync/hook/hook.go`, `IsHook`: any `argocd.argoproj.io/hook`, or
/// Helm's `helm.sh/hook` other than `crd-install`; `Skip` means it is never
/// applied at all). A hook is deleted and created again on every sync
/// (default policy `BeforeHookCreation`), outside the waves, and a node
/// recreated from scratch is an outage.
pub fn refuse_hooks(doc: &Value) -> Result<(), String> {
    for key in ["argocd.argoproj.io/hook", "helm.sh/hook"] {
        let Some(v) = doc
            .at(&["metadata", "annotations"])
            .and_then(|a| a.get(key))
        else {
            continue;
        };
        if key == "helm.sh/hook" && v.as_str() == Some("crd-install") {
            continue;
        }
        return Err(format!(
            "annotation {key} makes Argo CD treat this Express CR as a hook: deleted and created again on every sync, outside the waves (or, with Skip, never applied); remove it"
        ));
    }
    Ok(())
}

/// The options an earlier render recorded on a document, so that a render
/// or plan of its output derives the same waves without them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    /// [`ANN_WAVE_START`].
    pub wave_start: Option<i64>,
    /// [`ANN_CLUSTERS`]: `true` for in-sequence.
    pub in_sequence: Option<bool>,
    /// [`ANN_FRONTENDS_BEFORE_BACKEND`].
    pub frontends_before_backend: Option<usize>,
}

/// [`ANN_CLUSTERS`]'s value: `in-sequence` or `parallel`.
pub fn clusters_value(in_sequence: bool) -> &'static str {
    if in_sequence {
        "in-sequence"
    } else {
        "parallel"
    }
}

/// The options an earlier render recorded on `doc`.
pub fn recorded_options(doc: &Value) -> Result<Recorded, String> {
    let number = |key: &str, flag: &str| -> Result<Option<i64>, String> {
        match annotation(doc, key)? {
            None => Ok(None),
            Some(w) => go_atoi(w).map(Some).ok_or_else(|| {
                format!(
                    "annotation {key} is `{w}`; expected an integer (the {flag} a render recorded)"
                )
            }),
        }
    };
    let fbb = number(ANN_FRONTENDS_BEFORE_BACKEND, "--frontends-before-backend")?;
    Ok(Recorded {
        wave_start: number(ANN_WAVE_START, "--wave-start")?,
        in_sequence: switch(doc, ANN_CLUSTERS, clusters_value(false), clusters_value(true))?,
        frontends_before_backend: match fbb {
            None => None,
            Some(n) => Some(usize::try_from(n).map_err(|_| {
                format!("annotation {ANN_FRONTENDS_BEFORE_BACKEND} is `{n}`; expected a number of frontends, 0 or more")
            })?),
        },
    })
}

/// The mode a Cluster CR asks for.
pub fn cluster_mode(doc: &Value) -> Result<Option<Mode>, String> {
    Ok(switch(doc, ANN_MODE, "upgrade", "provisioning")?
        .map(|p| if p { Mode::Provisioning } else { Mode::Upgrade }))
}

/// A prerequisite entry as rendered: the node it names, and the entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    pub node: String,
    pub entry: Value,
}

/// The prerequisites rendered in `spec.deploymentDependencies.<field>`.
pub fn rendered_prerequisites(doc: &Value, field: &str) -> Result<Vec<Rendered>, String> {
    let path = ["spec", "deploymentDependencies", field];
    match doc.at(&path) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Seq(items)) => items
            .iter()
            .enumerate()
            .map(|(i, e)| match e.get("expressNode") {
                Some(Value::Str(n)) => Ok(Rendered {
                    node: n.clone(),
                    entry: e.clone(),
                }),
                _ => Err(format!(
                    "spec.deploymentDependencies.{field}[{i}] has no expressNode string"
                )),
            })
            .collect(),
        Some(other) => Err(format!(
            "spec.deploymentDependencies.{field} must be a list, not {}",
            other.type_name()
        )),
    }
}

#[cfg(test)]
mod tests;
