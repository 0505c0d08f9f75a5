//! `status`: rollout progress from live objects.

use crate::cli::StatusArgs;
use crate::error::{Error, Result};

use super::{Context, Outcome, live_objects, require_live_nodes};

pub fn run(args: &StatusArgs, ctx: &mut Context<'_>) -> Result<Outcome> {
    let Some(live) = live_objects(ctx, &args.live, &args.group.name)? else {
        return Err(Error::msg(
            "status needs live objects: --live FILE or --kubectl",
        ));
    };
    require_live_nodes("status", &live)?;
    let clusters = crate::status::status(&live);
    let text = if args.output.format.is_json("status")? {
        crate::status::json(&clusters)
    } else {
        crate::status::table(&clusters, ctx.colour)
    };
    Ok(Outcome::ok(text.into_bytes()))
}
