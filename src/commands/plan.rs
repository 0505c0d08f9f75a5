//! `plan`: what a sync of this render will do, per cluster, in wave order;
//! with live objects, which nodes restart and the hazards of the sync.

use crate::cli::PlanArgs;
use crate::error::{Error, Result};
use crate::render;

use super::{Context, Outcome, read_inputs, require_nodes};

pub fn run(args: &PlanArgs, ctx: &mut Context<'_>) -> Result<Outcome> {
    let opts = args.report.options.to_options();
    let sources = read_inputs(ctx, &args.files, &opts)?;
    let rendering = render::analyse(&sources, &opts)?;
    let live = match &args.live {
        Some(p) => Some(crate::live::Live::new(
            crate::live::read_file(p, &mut *ctx.stdin)?,
            &opts.group,
        )),
        None => None,
    };
    if let Some(live) = &live {
        super::require_one_namespace("plan", &rendering, live)?;
    }
    let plan = crate::plan::plan(&rendering, live.as_ref());
    // An empty plan must mean something was read. (Against live objects, a
    // rendered cluster whose nodes are all gone lists them as removed.)
    if plan.clusters.iter().all(|c| c.nodes.is_empty()) {
        require_nodes("plan", &rendering, &opts.group, "there is nothing to plan")?;
    }
    let text = match &args.template {
        Some(path) => {
            let t = std::fs::read_to_string(path)
                .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
            let data = serde_json::to_value(&plan).expect("a plan serialises");
            crate::report::template(&path.display().to_string(), &t, &data)?
        }
        None => crate::plan::format(&plan, args.report.output.format, ctx.colour)?,
    };
    let mut outcome = Outcome::ok(text.into_bytes());
    outcome.warnings = plan.warnings;
    Ok(outcome)
}
