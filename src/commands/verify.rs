//! `verify`: a render and/or live objects checked; exit 1 on a discrepancy.

use crate::cli::VerifyArgs;
use crate::error::Result;
use crate::render;

use super::{
    Context, Outcome, live_objects, read_inputs, require_live_nodes, require_nodes,
    require_one_namespace, require_same_namespace,
};

pub fn run(args: &VerifyArgs, ctx: &mut Context<'_>) -> Result<Outcome> {
    let opts = args.report.options.to_options();
    let live = live_objects(ctx, &args.live, &opts.group)?;
    let sources = if !args.files.is_empty() || live.is_none() {
        Some(read_inputs(ctx, &args.files, &opts)?)
    } else {
        None
    };
    let render = match &sources {
        Some(sources) => {
            let rendering = render::analyse(sources, &opts)?;
            require_nodes("verify", &rendering, &opts.group, "nothing was checked")?;
            require_same_namespace("verify", &rendering, &args.live)?;
            let mut objects = Vec::new();
            for s in sources {
                objects.extend(crate::live::parse(&s.name, &s.bytes)?);
            }
            Some((rendering, objects))
        }
        None => None,
    };
    if let (Some((r, _)), Some(live)) = (&render, &live) {
        require_one_namespace("verify", r, live)?;
    }
    // Live objects alone are all there is to check: they must hold nodes.
    // (Beside a render, none live is a first sync: every node is new.)
    if let (None, Some(live)) = (&render, &live) {
        require_live_nodes("verify", live, &args.live)?;
    }
    let findings = crate::verify::verify(
        render.as_ref().map(|(r, o)| (r, o.as_slice())),
        live.as_ref(),
    );
    let text = if args.report.output.format.is_json("verify")? {
        crate::verify::json(&findings, args.verbose)
    } else {
        crate::verify::table(&findings, args.verbose, ctx.colour)
    };
    let bad = findings.iter().any(|f| f.discrepancy());
    Ok(Outcome::found(text.into_bytes(), bad))
}
