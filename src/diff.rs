//! `diff OLD NEW`: per node, revision old → new and the JSON pointers that
//! changed in the hashed input, so "why does fe3 restart?" has a one-line
//! answer. A node restarts when its revision label changes; a node only in
//! one render is `new` or `removed`.

use serde::Serialize;

use crate::json::to_serde;
use crate::render::{NodeRollout, Rendering};
use crate::report;
use crate::revision;
use crate::value::{Value, pointer_push};

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

/// What happens to a node between the two renders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum What {
    #[serde(rename = "new")]
    New,
    #[serde(rename = "removed")]
    Removed,
    #[serde(rename = "restart")]
    Restart,
    #[serde(rename = "same revision")]
    SameRevision,
}

impl What {
    pub fn name(self) -> &'static str {
        match self {
            What::New => "new",
            What::Removed => "removed",
            What::Restart => "restart",
            What::SameRevision => "same revision",
        }
    }
}

/// A node whose revision or hashed input differs.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeDiff {
    pub namespace: String,
    pub cluster: String,
    pub key: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub changes: Vec<Changed>,
}

impl NodeDiff {
    pub fn restarts(&self) -> bool {
        self.old.is_some() && self.new.is_some() && self.old != self.new
    }

    pub fn what(&self) -> What {
        match (&self.old, &self.new) {
            (None, _) => What::New,
            (_, None) => What::Removed,
            _ if self.restarts() => What::Restart,
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

fn hashed(n: &NodeRollout) -> Value {
    revision::hashed(n.kind.name(), n.spec.as_ref())
}

/// Nodes that differ between two renders, in the new render's wave order
/// (removed nodes last).
pub fn diff(old: &Rendering, new: &Rendering) -> Vec<NodeDiff> {
    let mut out = Vec::new();
    let find = |r: &Rendering, ns: &str, cluster: &str, key: &str| -> Option<NodeRollout> {
        r.clusters
            .iter()
            .find(|c| c.namespace == ns && c.name == cluster)
            .and_then(|c| c.nodes.iter().find(|n| n.key == key).cloned())
    };
    for c in &new.clusters {
        for n in &c.nodes {
            let before = find(old, &c.namespace, &c.name, &n.key);
            let mut ch = Vec::new();
            if let Some(b) = &before {
                changes(Some(&hashed(b)), Some(&hashed(n)), "", &mut ch);
            }
            let d = NodeDiff {
                namespace: c.namespace.clone(),
                cluster: c.name.clone(),
                key: n.key.clone(),
                old: before.map(|b| b.revision),
                new: Some(n.revision.clone()),
                changes: ch,
            };
            if d.old != d.new || !d.changes.is_empty() {
                out.push(d);
            }
        }
    }
    for c in &old.clusters {
        for n in &c.nodes {
            if find(new, &c.namespace, &c.name, &n.key).is_none() {
                out.push(NodeDiff {
                    namespace: c.namespace.clone(),
                    cluster: c.name.clone(),
                    key: n.key.clone(),
                    old: Some(n.revision.clone()),
                    new: None,
                    changes: Vec::new(),
                });
            }
        }
    }
    out
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
        for c in &d.changes {
            out.push_str(&format!(
                "  {}: {} -> {}\n",
                c.pointer,
                short(&c.old),
                short(&c.new)
            ));
        }
    }
    let restarts = diffs.iter().filter(|d| d.restarts()).count();
    out.push_str(&format!("{restarts} of {nodes_total} nodes restart\n"));
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
}

/// The JSON format.
pub fn json(diffs: &[NodeDiff]) -> String {
    let nodes: Vec<NodeDiffJson<'_>> = diffs
        .iter()
        .map(|d| NodeDiffJson {
            namespace: &d.namespace,
            cluster: &d.cluster,
            key: &d.key,
            old: d.old.as_deref(),
            new: d.new.as_deref(),
            change: d.what(),
            changes: &d.changes,
        })
        .collect();
    #[derive(Serialize)]
    struct Json<'a> {
        restarts: usize,
        nodes: Vec<NodeDiffJson<'a>>,
    }
    report::json(&Json {
        restarts: diffs.iter().filter(|d| d.restarts()).count(),
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
