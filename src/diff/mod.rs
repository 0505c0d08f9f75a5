//! `diff OLD NEW`: per node, revision old → new and the JSON pointers that
//! changed in the hashed input, so "why does fe3 restart?" has a one-line
//! answer. Each side is a render, live objects (`kubectl get -o yaml`: a
//! `List`) or revisions ConfigMaps (the stored record of a rollout); all
//! three are read into one [`Side`]. A node restarts when its revision
//! label changes while it stays up; it stops or starts when it is taken
//! down or brought back up (`express.medallia.com/up`); a node only in one
//! side is `new` or `removed`.

use serde::Serialize;

use crate::json::to_serde;
use crate::report;
use crate::value::{Value, pointer_push};

mod side;
pub use side::{Side, SideNode};

/// One changed place in a node's hashed input.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Changed {
    pub pointer: String,
    #[serde(serialize_with = "as_json")]
    pub old: Option<Value>,
    #[serde(serialize_with = "as_json")]
    pub new: Option<Value>,
}

/// A value as the JSON Go would print for it.
fn as_json<S: serde::Serializer>(v: &Option<Value>, s: S) -> Result<S::Ok, S::Error> {
    v.as_ref().map(to_serde).serialize(s)
}

/// What happens to a node between the two sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum What {
    #[serde(rename = "new")]
    New,
    #[serde(rename = "removed")]
    Removed,
    #[serde(rename = "stop")]
    Stop,
    #[serde(rename = "start")]
    Start,
    #[serde(rename = "restart")]
    Restart,
    /// Down on both sides, with another revision: applied, nothing runs,
    /// nothing restarts.
    #[serde(rename = "changed while down")]
    ChangedWhileDown,
    #[serde(rename = "same revision")]
    SameRevision,
}

impl What {
    pub fn name(self) -> &'static str {
        match self {
            What::New => "new",
            What::Removed => "removed",
            What::Stop => "stop",
            What::Start => "start",
            What::Restart => "restart",
            What::ChangedWhileDown => "changed while down",
            What::SameRevision => "same revision",
        }
    }
}

/// A node whose revision, up state or hashed input differs.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeDiff {
    pub namespace: String,
    pub cluster: String,
    pub key: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub old_up: Option<bool>,
    pub new_up: Option<bool>,
    pub changes: Vec<Changed>,
    /// Why the revision changed when no hashed field did: the revision
    /// source (chart or computed) changed.
    pub reason: Option<String>,
}

impl NodeDiff {
    pub fn restarts(&self) -> bool {
        self.what() == What::Restart
    }

    pub fn what(&self) -> What {
        match (&self.old, &self.new, self.old_up, self.new_up) {
            (None, _, _, _) => What::New,
            (_, None, _, _) => What::Removed,
            (_, _, Some(true), Some(false)) => What::Stop,
            (_, _, Some(false), Some(true)) => What::Start,
            (Some(a), Some(b), Some(false), Some(false)) if a != b => What::ChangedWhileDown,
            (Some(a), Some(b), _, _) if a != b => What::Restart,
            _ => What::SameRevision,
        }
    }
}

/// The places where `a` and `b` differ, as JSON pointers under `path`.
pub fn changes(a: Option<&Value>, b: Option<&Value>, path: &str, out: &mut Vec<Changed>) {
    match (a, b) {
        (Some(Value::Map(x)), Some(Value::Map(y))) => {
            for (k, va) in x {
                changes(
                    Some(va),
                    y.iter().find(|(kb, _)| kb == k).map(|(_, v)| v),
                    &pointer_push(path, k),
                    out,
                );
            }
            for (k, vb) in y {
                if !x.iter().any(|(ka, _)| ka == k) {
                    changes(None, Some(vb), &pointer_push(path, k), out);
                }
            }
        }
        (Some(Value::Seq(x)), Some(Value::Seq(y))) => {
            for i in 0..x.len().max(y.len()) {
                changes(x.get(i), y.get(i), &pointer_push(path, &i.to_string()), out);
            }
        }
        (a, b) => {
            let same = match (a, b) {
                (Some(a), Some(b)) => canon(a) == canon(b),
                (None, None) => true,
                _ => false,
            };
            if !same {
                out.push(Changed {
                    pointer: path.to_string(),
                    old: a.cloned(),
                    new: b.cloned(),
                });
            }
        }
    }
}

fn canon(v: &Value) -> String {
    let mut s = String::new();
    crate::json::canonical(v, &mut s);
    s
}

/// Nodes that differ between two sides, in the new side's order (removed
/// nodes last). Against live objects, a field only the live side has is the
/// API server's default, not a change (the rule `plan --live` applies).
pub fn diff(old: &Side, new: &Side) -> Vec<NodeDiff> {
    let mut out = Vec::new();
    for n in &new.nodes {
        let before = old.find(n);
        let mut ch = Vec::new();
        if let Some(b) = before {
            changes(Some(&b.hashed), Some(&n.hashed), "", &mut ch);
            ch.retain(|c| !(old.live && c.new.is_none() || new.live && c.old.is_none()));
        }
        let d = NodeDiff {
            namespace: n.namespace.clone(),
            cluster: n.cluster.clone(),
            key: n.key.clone(),
            old: before.map(|b| b.revision.clone()),
            new: Some(n.revision.clone()),
            old_up: before.and_then(|b| b.up),
            new_up: n.up,
            reason: before.filter(|b| b.from_chart != n.from_chart).map(|b| {
                format!(
                    "revision source changed: {} -> {}",
                    source(b.from_chart),
                    source(n.from_chart)
                )
            }),
            changes: ch,
        };
        if d.what() != What::SameRevision || !d.changes.is_empty() {
            out.push(d);
        }
    }
    for n in &old.nodes {
        if new.find(n).is_none() {
            out.push(NodeDiff {
                namespace: n.namespace.clone(),
                cluster: n.cluster.clone(),
                key: n.key.clone(),
                old: Some(n.revision.clone()),
                new: None,
                old_up: n.up,
                new_up: None,
                changes: Vec::new(),
                reason: None,
            });
        }
    }
    out
}

fn source(from_chart: bool) -> &'static str {
    if from_chart { "chart" } else { "computed" }
}

fn short(v: &Option<Value>) -> String {
    match v {
        None => "(absent)".into(),
        Some(v) => canon(v),
    }
}

/// The table (text) format.
pub fn table(diffs: &[NodeDiff], nodes_total: usize) -> String {
    let mut out = String::new();
    for d in diffs {
        let cluster = crate::model::qualified(&d.namespace, &d.cluster);
        out.push_str(&format!(
            "{cluster} {}: {} -> {} ({})\n",
            d.key,
            d.old.as_deref().unwrap_or("-"),
            d.new.as_deref().unwrap_or("-"),
            d.what().name()
        ));
        if let Some(r) = &d.reason {
            out.push_str(&format!("  ({r})\n"));
        }
        for c in &d.changes {
            out.push_str(&format!(
                "  {}: {} -> {}\n",
                c.pointer,
                short(&c.old),
                short(&c.new)
            ));
        }
    }
    let count = |w: What| diffs.iter().filter(|d| d.what() == w).count();
    out.push_str(&format!(
        "{} of {} restart",
        count(What::Restart),
        report::count(nodes_total, "node", "nodes")
    ));
    for (w, verb) in [(What::Stop, "stop"), (What::Start, "start")] {
        match count(w) {
            0 => {}
            1 => out.push_str(&format!(", 1 {verb}s")),
            n => out.push_str(&format!(", {n} {verb}")),
        }
    }
    out.push('\n');
    out
}

/// A node's diff as JSON: with what happens to it.
#[derive(Serialize)]
struct NodeDiffJson<'a> {
    namespace: &'a str,
    cluster: &'a str,
    key: &'a str,
    old: Option<&'a str>,
    new: Option<&'a str>,
    change: What,
    changes: &'a [Changed],
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl<'a> NodeDiffJson<'a> {
    fn of(d: &'a NodeDiff) -> Self {
        NodeDiffJson {
            namespace: &d.namespace,
            cluster: &d.cluster,
            key: &d.key,
            old: d.old.as_deref(),
            new: d.new.as_deref(),
            change: d.what(),
            changes: &d.changes,
            reason: d.reason.as_deref(),
        }
    }
}

/// The JSON format.
pub fn json(diffs: &[NodeDiff]) -> String {
    let nodes = diffs.iter().map(NodeDiffJson::of).collect();
    #[derive(Serialize)]
    struct Json<'a> {
        restarts: usize,
        stops: usize,
        starts: usize,
        nodes: Vec<NodeDiffJson<'a>>,
    }
    let count = |w: What| diffs.iter().filter(|d| d.what() == w).count();
    report::json(&Json {
        restarts: count(What::Restart),
        stops: count(What::Stop),
        starts: count(What::Start),
        nodes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::value::test_value as v;

    #[test]
    fn pointers_of_changed_leaves() {
        let a = v("spec: {x: 1, list: [a, b], gone: 1, same: {k: v}, n: 1}\n");
        let b = v("spec: {x: 2, list: [a], new: {y: 1}, same: {k: v}, n: 1.0}\n");
        let mut out = Vec::new();
        changes(Some(&a), Some(&b), "", &mut out);
        let pointers: Vec<&str> = out.iter().map(|c| c.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            ["/spec/x", "/spec/list/1", "/spec/gone", "/spec/new"]
        );
        assert_eq!(out[0].old, Some(Value::Int(1)));
        assert_eq!(out[1].new, None);
    }
}
