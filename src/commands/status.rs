//! `status`: rollout progress from live objects.

use crate::cli::{StatusArgs, TextFormat};
use crate::error::{Error, Result};

use super::{Context, Outcome, live_objects};

pub fn run(args: &StatusArgs, ctx: &mut Context<'_>) -> Result<Outcome> {
    let Some(live) = live_objects(ctx, &args.live, &args.group)? else {
        return Err(Error::msg(
            "status needs live objects: --live FILE or --kubectl",
        ));
    };
    let clusters = crate::status::status(&live);
    if clusters.is_empty() {
        // Nothing read is not "nothing rolling out".
        return Err(Error::msg(format!(
            "status: the live objects ({} read) hold no {} Backend or Frontend",
            live.objects.len(),
            live.group
        )));
    }
    let text = match args.output {
        TextFormat::Table => crate::status::table(&clusters, ctx.colour),
        TextFormat::Json => crate::status::json(&clusters),
    };
    Ok(Outcome::ok(text.into_bytes()))
}
