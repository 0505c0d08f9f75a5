//! `status`: rollout progress from live objects, against a render when one
//! is given, and the Argo CD Application's last sync when asked; exit 0
//! settled, 1 Degraded or a stopped sync, 3 in progress (`status/`).

use crate::cli::StatusArgs;
use crate::error::{Error, Result};
use crate::render::{self, Options};
use crate::value::Value;

use super::{
    Context, Outcome, live_objects_from, read_inputs, require_live_nodes, require_nodes,
    require_one_namespace, require_same_namespace,
};

pub fn run(args: &StatusArgs, ctx: &mut Context<'_>) -> Result<Outcome> {
    let opts = Options {
        group: args.group.name.clone(),
        ..Options::default()
    };
    if args.watch
        && [&args.live.live, &args.render, &args.app_file]
            .iter()
            .any(|p| p.as_deref() == Some(std::path::Path::new("-")))
    {
        return Err(Error::msg(
            "status --watch reads its inputs again and again: give files, not stdin (-)",
        ));
    }
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
            Some(r)
        }
        None => None,
    };
    let json = args.output.format.is_json("status")?;
    let stdin = &mut *ctx.stdin;
    let mut read = || snapshot(stdin, args, rendering.as_ref());
    if args.watch {
        let w = crate::status::watch::Watch {
            interval: std::time::Duration::from_secs_f64(args.interval),
            timeout: args.timeout,
            frames: ctx.tty && !json,
        };
        let code = crate::status::watch::watch(&w, &mut read, &mut *ctx.stdout)?;
        let mut outcome = Outcome::ok(Vec::new());
        outcome.code = code;
        return Ok(outcome);
    }
    let (clusters, op) = read()?;
    let text = if json {
        crate::status::json(&clusters, op.as_ref())
    } else {
        crate::status::table(&clusters, op.as_ref(), ctx.colour)
    };
    let mut outcome = Outcome::ok(text.into_bytes());
    outcome.code = crate::status::exit_code(&clusters, op.as_ref());
    Ok(outcome)
}

/// The clusters' state and the Application's last sync, read now; the
/// checks that what was read is something to report, every time (a watch
/// whose objects vanish is an error, not an all-clear).
fn snapshot(
    stdin: &mut dyn std::io::Read,
    args: &StatusArgs,
    rendering: Option<&render::Analysis>,
) -> Result<(
    Vec<crate::status::ClusterStatus>,
    Option<crate::status::Operation>,
)> {
    let Some(mut live) = live_objects_from(stdin, &args.live, &args.group.name)? else {
        return Err(Error::msg(
            "status needs live objects: --live FILE or --kubectl",
        ));
    };
    // The approval gates too (only status shows them).
    if args.live.kubectl.read {
        let k = crate::live::Kubectl::from_env(
            args.live.kubectl.context.clone(),
            args.live.namespace.clone(),
        );
        live.objects.extend(k.gates()?);
        live.gates_asked = true;
    }
    match rendering {
        Some(r) => {
            require_same_namespace("status", r, &args.live)?;
            require_one_namespace("status", r, &live)?;
        }
        // A Cluster CR alone (a new tenant whose nodes are not created
        // yet) is something to report: its health.
        None if live.express().next().is_some() => {}
        None => require_live_nodes("status", &live, &args.live)?,
    }
    let clusters = crate::status::status(&live, rendering);
    let op = application(stdin, args)?
        .map(|app| crate::status::operation::of(&app, &live, &args.group.name))
        .transpose()
        .map_err(Error::msg)?;
    Ok((clusters, op))
}

/// The Argo CD Application, when asked for: with kubectl from Argo CD's
/// namespace, or from a file.
fn application(stdin: &mut dyn std::io::Read, args: &StatusArgs) -> Result<Option<Value>> {
    let objects = match (&args.app, &args.app_file) {
        (Some(name), _) => {
            let k = crate::live::Kubectl::from_env(
                args.live.kubectl.context.clone(),
                Some(args.argocd_namespace.clone()),
            );
            k.get(&k.get_args(&["applications.argoproj.io", name], &[]))?
        }
        (None, Some(file)) => crate::live::read_file(file, stdin)?,
        (None, None) => return Ok(None),
    };
    let mut apps = crate::live::unpack(objects)
        .into_iter()
        .filter(|o| o.get("kind").and_then(Value::as_str) == Some("Application"));
    match (apps.next(), apps.next()) {
        (Some(app), None) => Ok(Some(app)),
        (None, _) => Err(Error::msg("status: no Argo CD Application read for --app")),
        (Some(_), Some(_)) => Err(Error::msg(
            "status: more than one Application read for --app; give one",
        )),
    }
}
