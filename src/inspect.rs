//! `inspect`: the revisions ConfigMaps among some objects, each node's
//! stored revision beside the one its stored input hashes to, and what the
//! input holds at a glance (kind, version, changeset). Exit 1 when a stored
//! revision is not what its input hashes to, as for a `verify` finding.
//!
//! A revision the chart set (listed in `chart-revisions.json`) is not a
//! hash of its input: it matches when it is stored at all (`MATCH chart`).
//!
//! The JSON shape: `{"configMaps":[{"configMap","nodes":[{"key","stored",
//! "recomputed","matches","chart","input"}]}]}`.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::report::{self, Colour, Table};
use crate::stored::{self, StoredNode};
use crate::value::Value;

/// One revisions ConfigMap, recomputed.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspected {
    /// `namespace/name`.
    pub config_map: String,
    pub nodes: Vec<NodeJson>,
}

/// A node as reported: with whether it matches.
#[derive(Clone, Debug, Serialize)]
pub struct NodeJson {
    pub key: String,
    pub stored: Option<String>,
    pub recomputed: Option<String>,
    pub matches: bool,
    /// The stored revision is the one the chart set.
    pub chart: bool,
    pub input: Option<String>,
}

impl From<StoredNode> for NodeJson {
    fn from(n: StoredNode) -> NodeJson {
        NodeJson {
            matches: n.matches(),
            chart: n.chart,
            key: n.key,
            stored: n.stored,
            recomputed: n.recomputed,
            input: n.input,
        }
    }
}

/// The revisions ConfigMaps of `objects` (read from `what`), recomputed;
/// with `node`, that node only. Finding no map, or not the node, is an
/// error: nothing checked is not "all match".
pub fn inspect(objects: &[Value], what: &str, node: Option<&str>) -> Result<Vec<Inspected>> {
    let maps = stored::find(objects);
    if maps.is_empty() {
        return Err(Error::msg(format!(
            "no revisions ConfigMap (data.revisions.json or data.nodes.json) in {what}"
        )));
    }
    let mut out = Vec::with_capacity(maps.len());
    for m in maps {
        let m = m.map_err(Error::msg)?;
        out.push(Inspected {
            config_map: crate::model::qualified(&m.namespace, &m.name),
            nodes: stored::check(&m)
                .into_iter()
                .filter(|n| node.is_none_or(|k| k == n.key))
                .map(NodeJson::from)
                .collect(),
        });
    }
    if let Some(k) = node
        && out.iter().all(|m| m.nodes.is_empty())
    {
        return Err(Error::msg(format!(
            "no node `{k}` in the revisions ConfigMaps"
        )));
    }
    Ok(out)
}

/// Whether any stored revision is not what its input hashes to.
pub fn mismatched(maps: &[Inspected]) -> bool {
    maps.iter().flat_map(|m| &m.nodes).any(|n| !n.matches)
}

/// A field of a stored input (canonical JSON text), for the table.
fn input_field(input: Option<&str>, path: &[&str]) -> String {
    input
        .and_then(|i| crate::value::read(i, Default::default()).ok().flatten())
        .and_then(|v| v.at(path).and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "-".into())
}

/// The table format; `show_input` adds each node's stored input.
pub fn table(maps: &[Inspected], show_input: bool, colour: bool) -> String {
    let mut out = String::new();
    for m in maps {
        out.push_str(&format!("CONFIGMAP {}\n", m.config_map));
        let mut t = Table::new(&[
            "NODE",
            "KIND",
            "VERSION",
            "CHANGESET",
            "STORED",
            "RECOMPUTED",
            "MATCH",
        ]);
        for n in &m.nodes {
            let field = |path: &[&str]| (input_field(n.input.as_deref(), path), Colour::None);
            t.row(vec![
                (n.key.clone(), Colour::None),
                field(&["kind"]),
                field(&["spec", "expressVersion"]),
                field(&["spec", "configChangeset"]),
                (n.stored.clone().unwrap_or_else(|| "-".into()), Colour::None),
                (
                    n.recomputed.clone().unwrap_or_else(|| "-".into()),
                    Colour::None,
                ),
                if n.chart && n.matches {
                    ("chart".into(), Colour::Green)
                } else if n.matches {
                    ("yes".into(), Colour::Green)
                } else {
                    ("NO".into(), Colour::Red)
                },
            ]);
        }
        t.write(colour, &mut out);
        if show_input {
            for n in &m.nodes {
                let input = n.input.as_deref().unwrap_or("(none)");
                out.push_str(&format!("input of {}: {input}\n", n.key));
            }
        }
    }
    out
}

/// The JSON format.
pub fn json(maps: &[Inspected]) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Json<'a> {
        config_maps: &'a [Inspected],
    }
    report::json(&Json { config_maps: maps })
}
