//! A render against live objects: the change a sync makes to each node
//! (stop, start, restart, update, unchanged, new, removed), and what would go wrong in
//! that sync: nodes it would wait on forever, deletions that would share a
//! wave with another node's change. `plan` and `verify` report these.

use crate::json as canonical;
use crate::live::{Live, LiveNode};
use crate::model::{self, ANN_SYNC_OPTIONS, PRUNE_LAST};
use crate::order::{List, Mode};
use crate::render::{Analysis, ClusterRollout, NodeRollout};
use crate::value::Value;

/// How a live node compares with the render.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Taken down (`express.medallia.com/up: "false"`).
    Stop,
    /// Brought back up.
    Start,
    Restart,
    Update,
    Unchanged,
    New,
    Removed,
}

impl Change {
    pub fn name(self) -> &'static str {
        match self {
            Change::Stop => "stop",
            Change::Start => "start",
            Change::Restart => "restart",
            Change::Update => "update",
            Change::Unchanged => "unchanged",
            Change::New => "new",
            Change::Removed => "removed",
        }
    }
}

fn canonical_of(v: Option<&Value>) -> String {
    let mut s = String::new();
    canonical::canonical(v.unwrap_or(&Value::Null), &mut s);
    s
}

/// Whether applying `rendered` would change `live`: a field the render sets
/// to another value, or sets where live has none. Fields only live has
/// (defaults the API server filled in, also inside the elements of a list
/// of the same length) do not count.
pub fn differs(rendered: &Value, live: Option<&Value>) -> bool {
    match (rendered, live) {
        (Value::Map(r), Some(Value::Map(_))) => r.iter().any(|(k, v)| {
            let l = live.and_then(|l| l.get(k));
            !(matches!(v, Value::Null) && l.is_none()) && differs(v, l)
        }),
        (Value::Seq(r), Some(Value::Seq(l))) if r.len() == l.len() => {
            r.iter().zip(l).any(|(r, l)| differs(r, Some(l)))
        }
        (r, l) => canonical_of(Some(r)) != canonical_of(l),
    }
}

/// How `node` of `cluster` compares with the live objects.
pub fn change(cluster: &ClusterRollout, node: &NodeRollout, live: &Live) -> Change {
    let Some(l) = live.node(&cluster.namespace, &node.name) else {
        return Change::New;
    };
    if l.up() && !node.up {
        Change::Stop
    } else if !l.up() && node.up {
        Change::Start
    } else if node.restarts(&l) && node.up {
        Change::Restart
    } else if node.restarts(&l)
        || node
            .spec
            .as_ref()
            .is_some_and(|spec| differs(spec, l.obj.get("spec")))
    {
        // (A node down on both sides restarts nothing: a new revision
        // there is an update.)
        Change::Update
    } else {
        Change::Unchanged
    }
}

/// Live nodes of `cluster` that the render no longer has.
pub fn removed<'a>(cluster: &ClusterRollout, live: &'a Live) -> Vec<LiveNode<'a>> {
    live.nodes()
        .filter(|l| {
            model::same_namespace(&cluster.namespace, &l.namespace)
                && l.cluster == cluster.name
                && !cluster.nodes.iter().any(|n| n.name == l.name)
        })
        .collect()
}

/// Whether the live object's `argocd.argoproj.io/sync-options` hold
/// `option`.
fn has_sync_option(l: &LiveNode<'_>, option: &str) -> bool {
    l.obj
        .at(&["metadata", "annotations", ANN_SYNC_OPTIONS])
        .and_then(Value::as_str)
        .is_some_and(|o| o.split(',').any(|i| i.trim() == option))
}

/// Whether Argo CD never prunes the live object (`Prune=false`).
pub fn never_pruned(l: &LiveNode<'_>) -> bool {
    has_sync_option(l, "Prune=false")
}

/// Removed nodes whose deletion would overlap another node's change: their
/// live object lacks `PruneLast=true` (rendered before express-waves set
/// it, or the option taken off), so Argo CD prunes them in the wave of the
/// live object (gitops-engine `sync_task.go`, `wave()`), where a remaining
/// node may now be applied (`sync_context.go`, `runTasks`: a wave's prunes
/// and applies run together).
pub fn early_prunes(r: &Analysis, live: &Live) -> Vec<Hazard> {
    let mut out = Vec::new();
    for c in &r.clusters {
        for l in removed(c, live) {
            // Pruned last, or never pruned (`Prune=false`: gitops-engine
            // `sync_context.go`, `pruneObject` skips it as "ignored (no
            // prune)").
            if has_sync_option(&l, PRUNE_LAST) || never_pruned(&l) {
                continue;
            }
            let name = &l.name;
            let detail = format!(
                "{name} is removed, and its live object has no {ANN_SYNC_OPTIONS}: {PRUNE_LAST}; Argo CD deletes it in its live wave, at the same time as whatever node is applied in that wave. Sync once with it still rendered (this version adds PruneLast=true), or render it down (up: false) first"
            );
            out.push(Hazard::in_cluster(c, &l.key, detail));
        }
    }
    out
}

/// What would go wrong for one node in a sync: a prerequisite it would
/// wait on forever, or its deletion overlapping another node's change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hazard {
    /// `namespace/name` of the cluster.
    pub cluster: String,
    pub key: String,
    pub detail: String,
}

impl Hazard {
    fn in_cluster(c: &ClusterRollout, key: &str, detail: String) -> Hazard {
        Hazard {
            cluster: model::qualified(&c.namespace, &c.name),
            key: key.to_string(),
            detail,
        }
    }
}

impl std::fmt::Display for Hazard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.cluster, self.detail)
    }
}

/// Every prerequisite this sync would wait on forever, found by playing
/// the sync wave by wave over the live objects.
///
/// The operator provisions a node it has not created (not live, or down
/// live) after its `provisioningPrerequisites`, and upgrades one it runs
/// after its `upgradePrerequisites`: each prerequisite must be Ready at the
/// stated `expressVersion` (and, for an upgrade, `deploymentRevision`).
/// Argo CD applies a node's wave only once every earlier wave is healthy
/// (gitops-engine `sync_context.go`, `Sync`: the next wave waits on the
/// health of the one before). So a prerequisite is met when it is rendered
/// up in an earlier wave (applied and waited for), or when the live object
/// already asks for what is required: up, at the version, for an upgrade
/// labelled with the revision, and not Degraded. Anything else waits for a node that
/// Argo CD applies only after this one is healthy: a deadlock. Nodes
/// rendered down wait for nothing.
pub fn deadlocks(r: &Analysis, live: &Live) -> Vec<Hazard> {
    let mut out = Vec::new();
    for c in &r.clusters {
        for n in c.nodes.iter().filter(|n| n.up) {
            let this = live.node(&c.namespace, &n.name);
            let (list, state) = match &this {
                None => (List::Provisioning, "not live yet"),
                Some(l) if !l.up() => (List::Provisioning, "down live"),
                Some(_) => (List::Upgrade, "live"),
            };
            for p in n.after(list) {
                let Some(pre) = c.nodes.iter().find(|m| &m.key == p) else {
                    continue; // render refuses a reference to a missing node
                };
                let Some(why) = unmet(c, n, pre, list, live) else {
                    continue;
                };
                out.push(Hazard::in_cluster(
                    c,
                    &n.key,
                    format!(
                        "{} (wave {}) is {state}, so the operator {} it only once {} is Ready at {}; {why}: this sync would wait forever. {}",
                        n.key,
                        n.wave,
                        match list {
                            List::Provisioning => "provisions",
                            List::Upgrade => "upgrades",
                        },
                        pre.key,
                        required(pre, list),
                        advice(c.mode, list),
                    ),
                ));
            }
        }
    }
    out
}

/// What `list` requires of the prerequisite `pre`, as its entry states it.
fn required(pre: &NodeRollout, list: List) -> String {
    let version = pre.express_version.as_deref().unwrap_or("(no version)");
    match list {
        List::Provisioning => format!("version {version}"),
        List::Upgrade => format!("version {version}, revision {}", pre.revision),
    }
}

/// Why `pre` cannot be met before `n`, or `None` when it is.
fn unmet(
    c: &ClusterRollout,
    n: &NodeRollout,
    pre: &NodeRollout,
    list: List,
    live: &Live,
) -> Option<String> {
    if !pre.up {
        return Some(format!("{} is rendered down", pre.key));
    }
    if pre.wave < n.wave {
        return None;
    }
    let later = format!("{} is in a later wave ({} > {})", pre.key, pre.wave, n.wave);
    let Some(l) = live.node(&c.namespace, &pre.name) else {
        return Some(format!("{later} and not live yet"));
    };
    if !l.up() {
        return Some(format!("{later} and down live"));
    }
    if l.version() != pre.express_version.as_deref() {
        return Some(format!(
            "{later} and at version {} live",
            l.version().unwrap_or("(none)")
        ));
    }
    if list == List::Upgrade && l.label() != Some(pre.revision.as_str()) {
        return Some(format!(
            "{later} and at revision {} live",
            l.label().unwrap_or("(none)")
        ));
    }
    // Asked for, but Degraded: it will not be Ready before Argo CD reaches
    // its wave (and then fails the sync there).
    let health = crate::health::assess(l.kind, l.obj);
    if health.status == crate::health::Status::Degraded {
        return Some(format!("{later} and Degraded live ({})", health.message));
    }
    None
}

/// How to render a sync that does not wait forever.
fn advice(mode: Mode, list: List) -> &'static str {
    match (mode, list) {
        (Mode::Upgrade, List::Provisioning) => {
            "Render in provisioning order (--mode provisioning, or the Cluster's express.medallia.com/mode annotation) to create or start nodes"
        }
        (Mode::Provisioning, List::Upgrade) => {
            "Render in upgrade order (the default: drop --mode provisioning or the Cluster's express.medallia.com/mode annotation) to upgrade running nodes"
        }
        _ => {
            "Sync the prerequisite first (render this node down, or without the change, for one sync)"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::value::test_value as v;

    #[test]
    fn server_defaults_are_not_updates() {
        let rendered = v("a: 1\nb: {c: x}\nl: [1, 2]\n");
        assert!(!differs(
            &rendered,
            Some(&v(
                "a: 1.0\nb: {c: x, defaulted: true}\nl: [1, 2]\nextra: 3\n"
            ))
        ));
        assert!(differs(&rendered, Some(&v("a: 2\nb: {c: x}\nl: [1, 2]\n"))));
        assert!(differs(&rendered, Some(&v("a: 1\nb: {c: x}\nl: [1]\n"))));
        assert!(differs(&rendered, Some(&v("a: 1\nl: [1, 2]\n"))));
        assert!(!differs(&v("a: null\n"), Some(&v("b: 1\n"))));
        // A default inside a list element is a default too; another
        // element, or one more, is a change.
        let env = v("env: [{name: A, value: x}]\n");
        assert!(!differs(
            &env,
            Some(&v("env: [{name: A, value: x, protocol: TCP}]\n"))
        ));
        assert!(differs(&env, Some(&v("env: [{name: B, value: x}]\n"))));
        assert!(differs(
            &env,
            Some(&v("env: [{name: A, value: x}, {name: B}]\n"))
        ));
    }
}
