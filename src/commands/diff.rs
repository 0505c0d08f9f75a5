//! `diff`: two sides compared node by node, each a render, live objects or
//! revisions ConfigMaps; exit 1 when a node restarts, starts, stops,
//! appears or goes.

use crate::cli::DiffArgs;
use crate::diff::Side;
use crate::error::{Error, Result};
use crate::input::Source;
use crate::live::{self, Live};
use crate::render::{self, Options};

use super::{Context, Outcome, read_inputs};

pub fn run(args: &DiffArgs, ctx: &mut Context<'_>) -> Result<Outcome> {
    if args.old.as_os_str() == "-" && args.new.as_os_str() == "-" {
        return Err(Error::msg("diff: only one of OLD and NEW can be stdin"));
    }
    let opts = args.report.options.to_options();
    let old_sources = read_inputs(ctx, std::slice::from_ref(&args.old), &opts)?;
    let new_sources = read_inputs(ctx, std::slice::from_ref(&args.new), &opts)?;
    let old = side(&old_sources, &opts)?;
    let new = side(&new_sources, &opts)?;
    if old.nodes.is_empty() && new.nodes.is_empty() {
        return Err(Error::msg(format!(
            "diff: neither side holds any {} Backend or Frontend (nor a revisions ConfigMap), so there is nothing to compare (did the step before it fail?)",
            opts.group
        )));
    }
    let diffs = crate::diff::diff(&old, &new);
    let text = if args.report.output.format.is_json("diff")? {
        crate::diff::json(&diffs)
    } else {
        crate::diff::table(&diffs, new.nodes.len())
    };
    let changed = diffs.iter().any(|d| {
        !matches!(
            d.what(),
            crate::diff::What::SameRevision | crate::diff::What::ChangedWhileDown
        )
    });
    Ok(Outcome::found(text.into_bytes(), changed))
}

/// One side, read as what it is: live objects when it holds a `List` (what
/// `kubectl get … -o yaml` prints), revisions ConfigMaps when it holds those
/// and no node, else a render (checked as `render` checks it).
fn side(sources: &[Source], opts: &Options) -> Result<Side> {
    let mut docs = Vec::new();
    for s in sources {
        docs.extend(live::documents(&s.name, &s.bytes)?);
    }
    if docs.iter().any(live::is_list) {
        let live = Live::new(live::unpack(docs), &opts.group);
        if live.nodes().next().is_some() {
            return Ok(Side::of_live(&live));
        }
        // `kubectl get cm -l express.medallia.com/cluster -o yaml`.
        return stored_side(&live.objects, sources);
    }
    let rendering = render::analyse(sources, opts)?;
    if rendering.clusters.iter().any(|c| !c.nodes.is_empty()) {
        return Ok(Side::of_render(&rendering));
    }
    stored_side(&docs, sources)
}

/// The revisions ConfigMaps among `docs`.
fn stored_side(docs: &[crate::value::Value], sources: &[Source]) -> Result<Side> {
    let maps = docs
        .iter()
        .filter(|d| crate::stored::is_revisions_map(d))
        .map(|d| {
            crate::stored::parse(d).map_err(|e| {
                let (namespace, name) = live::id(d);
                Error::msg(format!(
                    "{}: ConfigMap {}: {e}",
                    names(sources),
                    crate::model::qualified(&namespace, &name)
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Side::of_stored(&maps))
}

fn names(sources: &[Source]) -> String {
    sources
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
