//! `status`: rollout progress from live objects, against a render when one
//! is given; exit 0 settled, 1 Degraded, 3 in progress (`status.rs`).

use crate::cli::StatusArgs;
use crate::error::{Error, Result};
use crate::render::{self, Options};

use super::{
    Context, Outcome, live_objects, read_inputs, require_live_nodes, require_nodes,
    require_one_namespace, require_same_namespace,
};

pub fn run(args: &StatusArgs, ctx: &mut Context<'_>) -> Result<Outcome> {
    let Some(live) = live_objects(ctx, &args.live, &args.group.name)? else {
        return Err(Error::msg(
            "status needs live objects: --live FILE or --kubectl",
        ));
    };
    let opts = Options {
        group: args.group.name.clone(),
        ..Options::default()
    };
    let sources = match &args.render {
        Some(path) => read_inputs(ctx, std::slice::from_ref(path), &opts)?,
        None => Vec::new(),
    };
    let rendering = match &args.render {
        Some(_) => {
            let r = render::analyse(&sources, &opts)?;
            require_nodes(
                "status",
                &r,
                &opts.group,
                "there is no target to compare with",
            )?;
            require_same_namespace("status", &r, &args.live)?;
            require_one_namespace("status", &r, &live)?;
            Some(r)
        }
        // A Cluster CR alone (a new tenant whose nodes are not created
        // yet) is something to report: its health.
        None if live.express().next().is_some() => None,
        None => {
            require_live_nodes("status", &live, &args.live)?;
            None
        }
    };
    let clusters = crate::status::status(&live, rendering.as_ref());
    let text = if args.output.format.is_json("status")? {
        crate::status::json(&clusters)
    } else {
        crate::status::table(&clusters, ctx.colour)
    };
    let mut outcome = Outcome::ok(text.into_bytes());
    outcome.code = crate::status::exit_code(&clusters);
    Ok(outcome)
}
