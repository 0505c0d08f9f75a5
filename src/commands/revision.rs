//! `revision`: each node's computed revision, and what was hashed.

use crate::cli::RevisionArgs;
use crate::error::{Error, Result};
use crate::render;

use super::{Context, Outcome, read_inputs, require_nodes};

pub fn run(args: &RevisionArgs, ctx: &mut Context<'_>) -> Result<Outcome> {
    let opts = args.options.to_options();
    let sources = read_inputs(ctx, &args.files, &opts)?;
    // A report: it reads the stream as it is, writes nothing.
    let rendering = render::analyse(&sources, &opts)?;
    require_nodes(
        "revision",
        &rendering,
        &opts.group,
        "there is no revision to compute",
    )?;
    let mut table = crate::report::Table::new(&["CLUSTER", "NODE", "REVISION"]);
    let mut text = String::new();
    let mut found = false;
    for c in &rendering.clusters {
        let cluster = crate::model::qualified(&c.namespace, &c.name);
        for n in c
            .nodes
            .iter()
            .filter(|n| args.node.as_ref().is_none_or(|k| *k == n.key))
        {
            found = true;
            let rev = n.computed.short().to_string();
            if args.show_input {
                text.push_str(&format!(
                    "{cluster} {} {rev}\n{}\n",
                    n.key, n.computed.input
                ));
            } else {
                let c = crate::report::Colour::None;
                table.row(vec![(cluster.clone(), c), (n.key.clone(), c), (rev, c)]);
            }
        }
    }
    if let Some(k) = args.node.as_ref().filter(|_| !found) {
        return Err(Error::msg(format!("no node `{k}` in the input")));
    }
    if !args.show_input {
        table.write(false, &mut text);
    }
    Ok(Outcome::ok(text.into_bytes()))
}
