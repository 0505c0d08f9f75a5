//! `inspect`: the revisions ConfigMaps read back and recomputed.

use crate::cli::InspectArgs;
use crate::error::{Error, Result};

use super::{Context, Outcome};

pub fn run(args: &InspectArgs, ctx: &mut Context<'_>) -> Result<Outcome> {
    let objects = crate::live::read_file(&args.file, &mut *ctx.stdin)?;
    let text = inspect(ctx, &objects, args)?;
    Ok(Outcome::ok(text.into_bytes()))
}

/// `inspect`: stored revisions and node data, recomputed.
fn inspect(
    ctx: &Context<'_>,
    objects: &[crate::value::Value],
    args: &crate::cli::InspectArgs,
) -> Result<String> {
    use crate::report::{Colour, Table};
    let maps = crate::stored::find(objects);
    if maps.is_empty() {
        return Err(Error::msg(format!(
            "no revisions ConfigMap (data.revisions.json or data.nodes.json) in {}",
            args.file.display()
        )));
    }
    let mut out = String::new();
    let mut json_maps = Vec::new();
    for m in maps {
        let m = m.map_err(Error::msg)?;
        let nodes: Vec<_> = crate::stored::check(&m)
            .into_iter()
            .filter(|n| args.node.as_ref().is_none_or(|k| *k == n.key))
            .collect();
        let title = crate::model::qualified(&m.namespace, &m.name);
        json_maps.push(serde_json::json!({
            "configMap": title,
            "nodes": nodes.iter().map(|n| serde_json::json!({
                "key": n.key, "stored": n.stored, "recomputed": n.recomputed,
                "matches": n.matches(), "input": n.input,
            })).collect::<Vec<_>>(),
        }));
        out.push_str(&format!("CONFIGMAP {title}\n"));
        let mut t = Table::new(&["NODE", "STORED", "RECOMPUTED", "MATCH"]);
        for n in &nodes {
            let ok = n.matches();
            t.row(vec![
                (n.key.clone(), Colour::None),
                (n.stored.clone().unwrap_or_else(|| "-".into()), Colour::None),
                (
                    n.recomputed.clone().unwrap_or_else(|| "-".into()),
                    Colour::None,
                ),
                (
                    if ok { "yes" } else { "NO" }.into(),
                    if ok { Colour::Green } else { Colour::Red },
                ),
            ]);
        }
        t.write(ctx.colour, &mut out);
        if args.node.is_some() {
            for n in &nodes {
                out.push_str(&format!(
                    "input: {}\n",
                    n.input.as_deref().unwrap_or("(none)")
                ));
            }
        }
    }
    if let Some(k) = &args.node
        && json_maps
            .iter()
            .all(|m| m["nodes"].as_array().is_none_or(|a| a.is_empty()))
    {
        return Err(Error::msg(format!(
            "no node `{k}` in the revisions ConfigMaps"
        )));
    }
    Ok(if args.output.is_json("inspect")? {
        crate::report::json(&serde_json::json!({ "configMaps": json_maps }))
    } else {
        out
    })
}
