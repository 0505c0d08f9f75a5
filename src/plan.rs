//! `plan`: what a sync of this render will do, per cluster, in wave order,
//! and, against live objects, which nodes restart.
//!
//! The JSON shape (stable; other tools read it):
//! `{"clusters":[{"namespace","name","mode","nodes":[{"key","name","kind",
//! "wave","up","expressVersion","revision","provisioningAfter":[keys],
//! "upgradeAfter":[keys],"change"?}]}]}`. `change` is present only with live
//! objects: `restart` (the revision changes), `update` (the spec changes but
//! not the revision, e.g. only dependencies; fields only the live object has,
//! such as API-server defaults, do not count), `unchanged`, `new`, or
//! `removed` (live, no longer rendered; its `wave` is null).

use serde_json::{Map, Value as Json, json};

use crate::json as canonical;
use crate::live::{Live, LiveNode};
use crate::model;
use crate::render::{ClusterRollout, NodeRollout, Rendering};
use crate::report::{self, Colour, Format, Table};
use crate::value::Value;

/// The built-in Markdown format, a handlebars template over the JSON data.
pub const MARKDOWN_TEMPLATE: &str = include_str!("../assets/plan.md.hbs");
/// The built-in Mermaid format (a `graph` of the rollout order).
pub const MERMAID_TEMPLATE: &str = include_str!("../assets/plan.mermaid.hbs");

/// How a live node compares with the render.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Restart,
    Update,
    Unchanged,
    New,
    Removed,
}

impl Change {
    pub fn name(self) -> &'static str {
        match self {
            Change::Restart => "restart",
            Change::Update => "update",
            Change::Unchanged => "unchanged",
            Change::New => "new",
            Change::Removed => "removed",
        }
    }

    fn colour(self) -> Colour {
        match self {
            Change::Restart => Colour::Yellow,
            Change::New => Colour::Green,
            Change::Removed => Colour::Red,
            Change::Update | Change::Unchanged => Colour::Dim,
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
/// (defaults the API server filled in) do not count.
pub fn differs(rendered: &Value, live: Option<&Value>) -> bool {
    match (rendered, live) {
        (Value::Map(r), Some(Value::Map(_))) => r.iter().any(|(k, v)| {
            let l = live.and_then(|l| l.get(k));
            !(matches!(v, Value::Null) && l.is_none()) && differs(v, l)
        }),
        (r, l) => canonical_of(Some(r)) != canonical_of(l),
    }
}

/// How `node` of `cluster` compares with the live objects.
pub fn change(cluster: &ClusterRollout, node: &NodeRollout, live: &Live) -> Change {
    let Some(l) = live.node(&cluster.namespace, &node.name) else {
        return Change::New;
    };
    if node.restarts(&l) {
        Change::Restart
    } else if node
        .spec
        .as_ref()
        .is_some_and(|spec| differs(spec, l.obj.get("spec")))
    {
        Change::Update
    } else {
        Change::Unchanged
    }
}

/// Live nodes of `cluster` that the render no longer has.
pub fn removed<'a>(cluster: &ClusterRollout, live: &'a Live) -> Vec<LiveNode<'a>> {
    live.nodes()
        .filter(|l| {
            l.namespace == cluster.namespace
                && l.cluster == cluster.name
                && !cluster.nodes.iter().any(|n| n.name == l.name)
        })
        .collect()
}

/// Removed nodes whose deletion would overlap another node's change: their
/// live object lacks `PruneLast=true` (rendered before express-waves set
/// it, or the option taken off), so Argo CD prunes them in the wave of the
/// live object (gitops-engine `sync_task.go`, `wave()`), where a remaining
/// node may now be applied (`sync_context.go`, `runTasks`: a wave's prunes
/// and applies run together).
pub fn early_prunes(r: &Rendering, live: &Live) -> Vec<String> {
    let mut out = Vec::new();
    for c in &r.clusters {
        for l in removed(c, live) {
            let options = l
                .obj
                .at(&["metadata", "annotations", crate::model::ANN_SYNC_OPTIONS])
                .and_then(Value::as_str)
                .unwrap_or("");
            if options
                .split(',')
                .any(|i| i.trim() == crate::model::PRUNE_LAST)
            {
                continue;
            }
            out.push(format!(
                "{}: {} is removed, and its live object has no {}: {}; Argo CD deletes it in its live wave, at the same time as whatever node is applied in that wave. Sync once with it still rendered (this version adds PruneLast=true), or render it down (up: false) first",
                model::qualified(&c.namespace, &c.name),
                l.name,
                crate::model::ANN_SYNC_OPTIONS,
                crate::model::PRUNE_LAST
            ));
        }
    }
    out
}

/// Nodes this sync would wait on forever: in an upgrade-mode sync, a node
/// that does not exist yet is provisioned by the operator only after its
/// provisioning prerequisites, and one of those is in a later wave, which
/// Argo CD applies only once this node is healthy.
/// A node a sync would wait on forever.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deadlock {
    /// `namespace/name` of the cluster.
    pub cluster: String,
    pub key: String,
    pub detail: String,
}

impl std::fmt::Display for Deadlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.cluster, self.detail)
    }
}

pub fn deadlocks(r: &Rendering, live: &Live) -> Vec<Deadlock> {
    let mut out = Vec::new();
    for c in &r.clusters {
        if c.mode != crate::order::Mode::Upgrade {
            continue;
        }
        let wave = |k: &str| c.nodes.iter().find(|n| n.key == k).map(|n| n.wave);
        for n in &c.nodes {
            if change(c, n, live) != Change::New {
                continue;
            }
            for p in &n.provisioning_after {
                if let Some(w) = wave(p).filter(|&w| w > n.wave) {
                    out.push(Deadlock {
                        cluster: model::qualified(&c.namespace, &c.name),
                        key: n.key.clone(),
                        detail: format!(
                            "{} is new, so the operator provisions it only after {p}, which is in a later wave ({w} > {}): this upgrade-mode sync would wait forever; sync with --mode provisioning (or the Cluster's express.medallia.com/mode annotation) to create it",
                            n.key, n.wave
                        ),
                    });
                }
            }
        }
    }
    out
}

/// The plan as JSON data (the `-o json` output and the templates' input).
pub fn data(r: &Rendering, live: Option<&Live>) -> Json {
    let clusters: Vec<Json> = r
        .clusters
        .iter()
        .map(|c| {
            let mut nodes: Vec<Json> = c
                .nodes
                .iter()
                .map(|n| {
                    let mut m = Map::new();
                    m.insert("key".into(), json!(n.key));
                    m.insert("name".into(), json!(n.name));
                    m.insert("kind".into(), json!(n.kind.name()));
                    m.insert("wave".into(), json!(n.wave));
                    m.insert("up".into(), json!(n.up));
                    m.insert("expressVersion".into(), json!(n.express_version));
                    m.insert("revision".into(), json!(n.revision));
                    m.insert("provisioningAfter".into(), json!(n.provisioning_after));
                    m.insert("upgradeAfter".into(), json!(n.upgrade_after));
                    if let Some(live) = live {
                        m.insert("change".into(), json!(change(c, n, live).name()));
                    }
                    Json::Object(m)
                })
                .collect();
            if let Some(live) = live {
                for l in removed(c, live) {
                    nodes.push(json!({
                        "key": l.key,
                        "name": l.name,
                        "kind": l.kind.name(),
                        "wave": null,
                        "up": false,
                        "expressVersion": l.obj.at(&["spec", "expressVersion"]).and_then(Value::as_str),
                        "revision": l.label(),
                        "provisioningAfter": [],
                        "upgradeAfter": [],
                        "change": Change::Removed.name(),
                    }));
                }
            }
            json!({
                "namespace": c.namespace,
                "name": c.name,
                "mode": c.mode.name(),
                "nodes": nodes,
            })
        })
        .collect();
    json!({ "clusters": clusters })
}

fn cell(s: impl Into<String>) -> (String, Colour) {
    (s.into(), Colour::None)
}

fn list(v: &Json) -> String {
    let items: Vec<&str> = v
        .as_array()
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    if items.is_empty() {
        "-".into()
    } else {
        items.join(",")
    }
}

/// The table format.
pub fn table(data: &Json, colour: bool) -> String {
    let mut out = String::new();
    let empty = Vec::new();
    for (i, c) in data["clusters"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .enumerate()
    {
        if i > 0 {
            out.push('\n');
        }
        let ns = c["namespace"].as_str().unwrap_or("");
        let name = c["name"].as_str().unwrap_or("");
        let cluster = if ns.is_empty() {
            name.to_string()
        } else {
            format!("{ns}/{name}")
        };
        out.push_str(&format!(
            "CLUSTER {cluster} ({})\n",
            c["mode"].as_str().unwrap_or("")
        ));
        let nodes = c["nodes"].as_array().unwrap_or(&empty);
        let with_change = nodes.iter().any(|n| n.get("change").is_some());
        let mut header = vec![
            "WAVE",
            "NODE",
            "KIND",
            "VERSION",
            "REVISION",
            "UP",
            "AFTER(UPGRADE)",
            "AFTER(PROVISIONING)",
        ];
        if with_change {
            header.push("CHANGE");
        }
        let mut t = Table::new(&header);
        for n in nodes {
            let up = n["up"].as_bool().unwrap_or(false);
            let mut row = vec![
                cell(
                    n["wave"]
                        .as_i64()
                        .map(|w| w.to_string())
                        .unwrap_or_else(|| "-".into()),
                ),
                cell(n["key"].as_str().unwrap_or("")),
                cell(n["kind"].as_str().unwrap_or("")),
                cell(n["expressVersion"].as_str().unwrap_or("-")),
                cell(n["revision"].as_str().unwrap_or("-")),
                (
                    if up { "yes" } else { "down" }.into(),
                    if up { Colour::None } else { Colour::Dim },
                ),
                cell(list(&n["upgradeAfter"])),
                cell(list(&n["provisioningAfter"])),
            ];
            if with_change {
                let ch = n["change"].as_str().unwrap_or("");
                let colour = [
                    Change::Restart,
                    Change::Update,
                    Change::Unchanged,
                    Change::New,
                    Change::Removed,
                ]
                .into_iter()
                .find(|c| c.name() == ch)
                .map_or(Colour::None, Change::colour);
                row.push((ch.to_string(), colour));
            }
            t.row(row);
        }
        t.write(colour, &mut out);
    }
    out
}

/// Formats the plan.
pub fn format(data: &Json, format: Format, colour: bool) -> crate::Result<String> {
    match format {
        Format::Table => Ok(table(data, colour)),
        Format::Json => Ok(report::json(data)),
        Format::Markdown => report::template("markdown", MARKDOWN_TEMPLATE, data),
        Format::Mermaid => report::template("mermaid", MERMAID_TEMPLATE, data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(src: &str) -> Value {
        crate::value::parse_for_test(src).unwrap()
    }

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
    }
}
