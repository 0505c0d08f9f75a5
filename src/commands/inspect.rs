//! `inspect`: the revisions ConfigMaps read back and recomputed; exit 1 on
//! a mismatch.

use crate::cli::InspectArgs;
use crate::error::Result;

use super::{Context, Outcome};

pub fn run(args: &InspectArgs, ctx: &mut Context<'_>) -> Result<Outcome> {
    let json = args.output.format.is_json("inspect")?;
    let objects = crate::live::read_file(&args.file, &mut *ctx.stdin)?;
    let what = args.file.display().to_string();
    let maps = crate::inspect::inspect(&objects, &what, args.node.as_deref())?;
    let text = if json {
        crate::inspect::json(&maps)
    } else {
        crate::inspect::table(&maps, args.node.is_some() || args.inputs, ctx.colour)
    };
    Ok(Outcome::found(
        text.into_bytes(),
        crate::inspect::mismatched(&maps),
    ))
}
