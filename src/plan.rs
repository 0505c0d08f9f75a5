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

use crate::compare::{Change, change, removed};
use crate::live::Live;
use crate::render::Rendering;
use crate::report::{self, Colour, Format, Table};
use crate::value::Value;

/// The built-in Markdown format, a handlebars template over the JSON data.
pub const MARKDOWN_TEMPLATE: &str = include_str!("../assets/plan.md.hbs");
/// The built-in Mermaid format (a `graph` of the rollout order).
pub const MERMAID_TEMPLATE: &str = include_str!("../assets/plan.mermaid.hbs");

fn change_colour(c: Change) -> Colour {
    match c {
        Change::Restart => Colour::Yellow,
        Change::New => Colour::Green,
        Change::Removed => Colour::Red,
        Change::Update | Change::Unchanged => Colour::Dim,
    }
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
                .map_or(Colour::None, change_colour);
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
