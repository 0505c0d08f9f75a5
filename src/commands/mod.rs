//! Running a parsed command line: every subcommand, as a function from
//! arguments and stdin to the bytes for stdout and an exit code. `main.rs`
//! does the printing and exiting.

use std::io::Read;

use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::error::Result;

mod approve;
mod argocd;
mod cmp;
mod diff;
mod fleet;
mod inspect;
mod plan;
mod render;
mod revision;
mod status;
mod verify;

/// What a command produced.
#[derive(Debug)]
pub struct Outcome {
    pub stdout: Vec<u8>,
    /// Warnings, for stderr.
    pub warnings: Vec<String>,
    /// 0 success, 1 a check found something.
    pub code: u8,
}

impl Outcome {
    pub fn ok(stdout: Vec<u8>) -> Outcome {
        Outcome {
            stdout,
            warnings: Vec::new(),
            code: 0,
        }
    }

    /// A check's result: exit 1 when it found something.
    pub fn found(stdout: Vec<u8>, found: bool) -> Outcome {
        Outcome {
            stdout,
            warnings: Vec::new(),
            code: u8::from(found),
        }
    }
}

/// What a command may use of the process.
pub struct Context<'a> {
    pub stdin: &'a mut dyn Read,
    /// `render` writes its stream here directly, once it is complete; the
    /// other commands return their output in [`Outcome`].
    pub stdout: &'a mut dyn std::io::Write,
    /// Whether tables may be coloured (a terminal, no NO_COLOR).
    pub colour: bool,
    /// Whether stderr is a terminal, where progress may be drawn.
    pub progress: bool,
    /// Whether stdout is a terminal, where `status --watch` redraws.
    pub tty: bool,
}

/// Runs a parsed command line. `None` means "print help" (no subcommand
/// and stdin is a terminal), which only `main` can do.
pub fn run(cli: Cli, ctx: &mut Context<'_>) -> Result<Outcome> {
    match cli.command {
        Some(Command::Render(args)) => render::run(&args.files, &args.render, ctx),
        Some(Command::Plan(args)) => plan::run(&args, ctx),
        Some(Command::Diff(args)) => diff::run(&args, ctx),
        Some(Command::Verify(args)) => verify::run(&args, ctx),
        Some(Command::Revision(args)) => revision::run(&args, ctx),
        Some(Command::Inspect(args)) => inspect::run(&args, ctx),
        Some(Command::Status(args)) => status::run(&args, ctx),
        Some(Command::Approve(args)) => approve::run(&args, ctx),
        Some(Command::Completions { shell }) => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "express-waves", &mut buf);
            Ok(Outcome::ok(buf))
        }
        Some(Command::Argocd(command)) => argocd::run(&command, ctx),
        Some(Command::Cmp(command)) => cmp::run(&command),
        Some(Command::Fleet(crate::cli::FleetCommand::Plan(args))) => fleet::run(&args, ctx),
        None => render::run(&[], &cli.render, ctx),
    }
}

/// Live objects from --live FILE or --kubectl, if asked for.
pub(super) fn live_objects(
    ctx: &mut Context<'_>,
    args: &crate::cli::LiveArgs,
    group: &str,
) -> Result<Option<crate::live::Live>> {
    live_objects_from(&mut *ctx.stdin, args, group)
}

/// [`live_objects`], stdin given apart.
pub(super) fn live_objects_from(
    stdin: &mut dyn Read,
    args: &crate::cli::LiveArgs,
    group: &str,
) -> Result<Option<crate::live::Live>> {
    if let Some(path) = &args.live {
        let objects = crate::live::read_file(path, stdin)?;
        return Ok(Some(crate::live::Live::new(objects, group)));
    }
    if !args.kubectl.read {
        return Ok(None);
    }
    let k = crate::live::Kubectl::from_env(args.kubectl.context.clone(), args.namespace.clone());
    let mut objects = k.get(&k.express_args(group))?;
    objects.extend(k.get(&k.configmap_args())?);
    Ok(Some(crate::live::Live::new(objects, group)))
}

/// Reads input files (`-` or none: stdin) under the size limit.
pub(super) fn read_inputs(
    ctx: &mut Context<'_>,
    files: &[std::path::PathBuf],
    opts: &crate::render::Options,
) -> Result<Vec<crate::render::Source>> {
    crate::input::read(files, &mut *ctx.stdin, opts.max_input_bytes)
}

/// A report of nothing must mean something was read: a render without any
/// Express node (a failed `helm template` upstream, an empty stream) is an
/// error, not an empty report. `so` says what that leaves the command.
pub(super) fn require_nodes(
    command: &str,
    rendering: &crate::render::Analysis,
    group: &str,
    so: &str,
) -> Result<()> {
    if rendering.nodes() == 0 {
        return Err(crate::error::Error::msg(format!(
            "{command}: the render holds no {group} Backend or Frontend, so {so} (did the step before it fail?)"
        )));
    }
    Ok(())
}

/// Live objects read from one namespace (`--kubectl --namespace N`) say
/// nothing about a cluster the render puts in another: every node of it
/// would look new, a first sync. That is a wrong `--namespace`, refused.
pub(super) fn require_same_namespace(
    command: &str,
    rendering: &crate::render::Analysis,
    args: &crate::cli::LiveArgs,
) -> Result<()> {
    let Some(ns) = args.namespace.as_deref().filter(|_| args.kubectl.read) else {
        return Ok(());
    };
    match rendering
        .clusters
        .iter()
        .find(|c| !crate::model::same_namespace(&c.namespace, ns))
    {
        Some(c) => Err(crate::error::Error::msg(format!(
            "{command}: the render's cluster {} is in namespace {}, but --namespace {ns} was read: every node of it would look new",
            c.name, c.namespace
        ))),
        None => Ok(()),
    }
}

/// A render without a namespace is matched to live objects by name
/// ([`crate::model::same_namespace`]); if its cluster is live in more than
/// one namespace, which one it is meant for is unknown, and guessing would
/// compare it with the wrong tenant. Refused.
pub(super) fn require_one_namespace(
    command: &str,
    rendering: &crate::render::Analysis,
    live: &crate::live::Live,
) -> Result<()> {
    for c in rendering.clusters.iter().filter(|c| c.namespace.is_empty()) {
        let mut namespaces: Vec<&str> = live
            .nodes()
            .filter(|l| l.cluster == c.name)
            .map(|l| l.obj)
            .filter_map(|o| {
                o.at(&["metadata", "namespace"])
                    .and_then(crate::value::Value::as_str)
            })
            .collect();
        namespaces.sort_unstable();
        namespaces.dedup();
        if namespaces.len() > 1 {
            return Err(crate::error::Error::msg(format!(
                "{command}: the render gives cluster {} no namespace, and it is live in {}: render it with a namespace, or read one namespace (--namespace)",
                c.name,
                namespaces.join(", ")
            )));
        }
    }
    Ok(())
}

/// The same for live objects: none of the group's nodes among them is
/// nothing read, not "nothing wrong" or "nothing rolling out". The message
/// says where they were looked for.
pub(super) fn require_live_nodes(
    command: &str,
    live: &crate::live::Live,
    args: &crate::cli::LiveArgs,
) -> Result<()> {
    if live.nodes().next().is_none() {
        let place = match (&args.live, &args.namespace) {
            (Some(file), _) if file.as_os_str() == "-" => "on stdin".into(),
            (Some(file), _) => format!("in {}", file.display()),
            (None, Some(ns)) => format!("in namespace {ns}"),
            (None, None) => "in any namespace".into(),
        };
        return Err(crate::error::Error::msg(format!(
            "{command}: no {} Backend or Frontend found {place} ({} read)",
            live.group,
            crate::report::count(live.objects.len(), "object", "objects"),
        )));
    }
    Ok(())
}
