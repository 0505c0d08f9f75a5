//! `diff`: two renders compared node by node; exit 1 when a node restarts,
//! starts, stops, appears or goes.

use crate::cli::DiffArgs;
use crate::error::{Error, Result};
use crate::render;

use super::{Context, Outcome, read_inputs, require_nodes};

pub fn run(args: &DiffArgs, ctx: &mut Context<'_>) -> Result<Outcome> {
    if args.old.as_os_str() == "-" && args.new.as_os_str() == "-" {
        return Err(Error::msg("diff: only one of OLD and NEW can be stdin"));
    }
    let opts = args.options.to_options();
    let old_sources = read_inputs(ctx, std::slice::from_ref(&args.old), &opts)?;
    let new_sources = read_inputs(ctx, std::slice::from_ref(&args.new), &opts)?;
    let old = render::analyse(&old_sources, &opts)?;
    let new = render::analyse(&new_sources, &opts)?;
    if old.clusters.iter().all(|c| c.nodes.is_empty()) {
        require_nodes(
            "diff",
            &new,
            &opts.group,
            "with the old one empty too there is nothing to compare",
        )?;
    }
    let diffs = crate::diff::diff(&old, &new);
    let total = new.clusters.iter().map(|c| c.nodes.len()).sum();
    let text = if args.output.format.is_json("diff")? {
        crate::diff::json(&diffs)
    } else {
        crate::diff::table(&diffs, total)
    };
    let changed = diffs
        .iter()
        .any(|d| d.restarts() || d.old.is_none() || d.new.is_none());
    Ok(Outcome::found(text.into_bytes(), changed))
}
