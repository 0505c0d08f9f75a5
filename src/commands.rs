//! Running a parsed command line: every subcommand, as a function from
//! arguments and stdin to the bytes for stdout and an exit code. `main.rs`
//! does the printing and exiting.

use std::io::Read;

use clap::CommandFactory;

use crate::cli::{ArgocdCommand, Cli, CmpCommand, Command, RenderOptions, TextFormat};
use crate::error::{Error, Result};
use crate::{argocd, cmp, render};

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
}

/// Runs a parsed command line. `None` means "print help" (no subcommand
/// and stdin is a terminal), which only `main` can do.
pub fn run(cli: Cli, ctx: &mut Context<'_>) -> Result<Outcome> {
    match cli.command {
        Some(Command::Render(args)) => render_stream(&args.files, &args.options, ctx),
        Some(Command::Plan(args)) => {
            let opts = args.options.to_options()?;
            let sources = read_inputs(ctx, &args.files, &opts)?;
            let rendering = render::analyse(&sources, &opts)?;
            let live = match &args.live {
                Some(p) => Some(crate::live::Live::new(
                    crate::live::read_file(p, &mut *ctx.stdin)?,
                    &opts.group,
                )),
                None => None,
            };
            let data = crate::plan::data(&rendering, live.as_ref());
            let text = match &args.template {
                Some(path) => {
                    let t = std::fs::read_to_string(path)
                        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
                    crate::report::template(&path.display().to_string(), &t, &data)?
                }
                None => crate::plan::format(&data, args.output.format(), ctx.colour)?,
            };
            let mut outcome = Outcome::ok(text.into_bytes());
            if let Some(live) = &live {
                outcome.warnings = crate::plan::deadlocks(&rendering, live)
                    .iter()
                    .map(ToString::to_string)
                    .chain(crate::plan::early_prunes(&rendering, live))
                    .collect();
            }
            Ok(outcome)
        }
        Some(Command::Diff(args)) => {
            if args.old.as_os_str() == "-" && args.new.as_os_str() == "-" {
                return Err(Error::msg("diff: only one of OLD and NEW can be stdin"));
            }
            let opts = args.options.to_options()?;
            let old_sources = read_inputs(ctx, std::slice::from_ref(&args.old), &opts)?;
            let new_sources = read_inputs(ctx, std::slice::from_ref(&args.new), &opts)?;
            let old = render::analyse(&old_sources, &opts)?;
            let new = render::analyse(&new_sources, &opts)?;
            let diffs = crate::diff::diff(&old, &new);
            let total = new.clusters.iter().map(|c| c.nodes.len()).sum();
            let text = match args.output {
                TextFormat::Table => crate::diff::table(&diffs, total),
                TextFormat::Json => crate::diff::json(&diffs),
            };
            let changed = diffs
                .iter()
                .any(|d| d.restarts() || d.old.is_none() || d.new.is_none());
            Ok(Outcome::found(text.into_bytes(), changed))
        }
        Some(Command::Verify(args)) => {
            let opts = args.options.to_options()?;
            let live = live_objects(ctx, &args.live, &opts.group)?;
            let sources = if !args.files.is_empty() || live.is_none() {
                Some(read_inputs(ctx, &args.files, &opts)?)
            } else {
                None
            };
            let render = match &sources {
                Some(sources) => {
                    let rendering = render::analyse(sources, &opts)?;
                    let mut objects = Vec::new();
                    for s in sources {
                        objects.extend(crate::live::parse(&s.name, &s.bytes)?);
                    }
                    Some((rendering, objects))
                }
                None => None,
            };
            let findings = crate::verify::verify(
                render.as_ref().map(|(r, o)| (r, o.as_slice())),
                live.as_ref(),
            );
            let text = match args.output {
                TextFormat::Table => crate::verify::table(&findings, args.verbose, ctx.colour),
                TextFormat::Json => crate::verify::json(&findings, args.verbose),
            };
            let bad = findings.iter().any(|f| f.discrepancy);
            Ok(Outcome::found(text.into_bytes(), bad))
        }
        Some(Command::Revision(args)) => {
            let opts = args.options.to_options()?;
            let sources = read_inputs(ctx, &args.files, &opts)?;
            let rendering = render::run(&sources, &opts)?;
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
        Some(Command::Inspect(args)) => {
            let objects = crate::live::read_file(&args.file, &mut *ctx.stdin)?;
            let text = inspect(ctx, &objects, &args)?;
            Ok(Outcome::ok(text.into_bytes()))
        }
        Some(Command::Status(args)) => {
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
        Some(Command::Completions { shell }) => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "express-waves", &mut buf);
            Ok(Outcome::ok(buf))
        }
        Some(Command::Argocd(ArgocdCommand::Health { kind, group })) => Ok(Outcome::ok(
            argocd::health_lua(&group, kind.map(|k| k.kind())).into_bytes(),
        )),
        Some(Command::Argocd(ArgocdCommand::Config { namespace, group })) => {
            Ok(Outcome::ok(argocd::config(&group, &namespace).into_bytes()))
        }
        Some(Command::Argocd(ArgocdCommand::Check(args))) => argocd_check(ctx, &args),
        Some(Command::Cmp(CmpCommand::Generate { options })) => {
            let out = cmp::generate(&cmp_env()?, &options.to_options()?)?;
            Ok(Outcome::ok(out))
        }
        Some(Command::Cmp(CmpCommand::Parameters)) => {
            Ok(Outcome::ok(cmp::parameters(&current_dir()?).into_bytes()))
        }
        None => render_stream(&[], &cli.render, ctx),
    }
}

/// Live objects from --live FILE or --kubectl, if asked for.
fn live_objects(
    ctx: &mut Context<'_>,
    args: &crate::cli::LiveArgs,
    group: &str,
) -> Result<Option<crate::live::Live>> {
    if let Some(path) = &args.live {
        let objects = crate::live::read_file(path, &mut *ctx.stdin)?;
        return Ok(Some(crate::live::Live::new(objects, group)));
    }
    if !args.kubectl {
        return Ok(None);
    }
    let k = crate::live::Kubectl {
        program: std::env::var_os("EXPRESS_WAVES_KUBECTL")
            .unwrap_or_else(|| "kubectl".into())
            .into(),
        context: args.context.clone(),
        namespace: args.namespace.clone(),
    };
    let mut objects = k.get(&k.express_args(group))?;
    objects.extend(k.get(&k.configmap_args())?);
    Ok(Some(crate::live::Live::new(objects, group)))
}

/// `argocd check`: Argo CD's objects from files and/or kubectl, checked.
fn argocd_check(ctx: &mut Context<'_>, args: &crate::cli::CheckArgs) -> Result<Outcome> {
    let mut objects = Vec::new();
    let mut unrelated = None;
    for f in &args.files {
        objects.extend(crate::live::read_file(f, &mut *ctx.stdin)?);
    }
    if args.kubectl {
        let k = crate::live::Kubectl {
            program: std::env::var_os("EXPRESS_WAVES_KUBECTL")
                .unwrap_or_else(|| "kubectl".into())
                .into(),
            context: args.context.clone(),
            namespace: Some(args.argocd_namespace.clone()),
        };
        objects.extend(k.get(&k.get_args(&["configmap", "argocd-cm"], &[]))?);
        objects.extend(k.get(&k.get_args(
            &["statefulsets.apps,deployments.apps"],
            &["--selector=app.kubernetes.io/name=argocd-application-controller".into()],
        ))?);
        if args.apps.is_empty() {
            let all = k.get(&k.get_args(
                &["applications.argoproj.io,applicationsets.argoproj.io"],
                &[],
            ))?;
            let before = all.len();
            // Those that name the plugin, and those that sync Express CRs
            // without it (the case that breaks the guarantee most).
            let (ours, others): (Vec<_>, Vec<_>) = all.into_iter().partition(|o| {
                crate::argocd_check::names_plugin(o, &args.plugin)
                    || crate::argocd_check::manages_group(o, &args.group)
            });
            if ours.is_empty() {
                return Err(Error::msg(format!(
                    "argocd check: none of the {before} Applications and ApplicationSets in namespace {} names the plugin {} or syncs {} resources (check one with --app NAME)",
                    args.argocd_namespace, args.plugin, args.group
                )));
            }
            if !others.is_empty() {
                unrelated = Some(format!(
                    "{} Applications/ApplicationSets in namespace {} that neither name the plugin nor list {} resources in their status",
                    others.len(),
                    args.argocd_namespace,
                    args.group
                ));
            }
            objects.extend(ours);
        } else {
            let mut what = vec!["applications.argoproj.io"];
            what.extend(args.apps.iter().map(String::as_str));
            objects.extend(k.get(&k.get_args(&what, &[]))?);
        }
    }
    if args.files.is_empty() && !args.kubectl {
        return Err(Error::msg(
            "argocd check needs Argo CD's objects: files (`-`: stdin) or --kubectl",
        ));
    }
    let settings = crate::argocd_check::Settings {
        group: args.group.clone(),
        plugin: args.plugin.clone(),
    };
    let mut report = crate::argocd_check::check(&objects, &settings)?;
    report.not_checked.extend(unrelated);
    let text = match args.output {
        TextFormat::Table => crate::argocd_check::text(&report),
        TextFormat::Json => crate::argocd_check::json(&report),
    };
    Ok(Outcome::found(text.into_bytes(), report.breaks()))
}

/// `inspect`: stored revisions and node data, recomputed.
fn inspect(
    ctx: &Context<'_>,
    objects: &[crate::value::Value],
    args: &crate::cli::InspectArgs,
) -> Result<String> {
    use crate::report::{Colour, Table};
    let maps = crate::stored::find(objects);
    if maps.is_empty() {
        return Err(Error::msg(format!(
            "no revisions ConfigMap (data.revisions.json or data.nodes.json) in {}",
            args.file.display()
        )));
    }
    let mut out = String::new();
    let mut json_maps = Vec::new();
    for m in maps {
        let m = m.map_err(Error::msg)?;
        let nodes: Vec<_> = crate::stored::check(&m)
            .into_iter()
            .filter(|n| args.node.as_ref().is_none_or(|k| *k == n.key))
            .collect();
        let title = crate::model::qualified(&m.namespace, &m.name);
        json_maps.push(serde_json::json!({
            "configMap": title,
            "nodes": nodes.iter().map(|n| serde_json::json!({
                "key": n.key, "stored": n.stored, "recomputed": n.recomputed,
                "matches": n.matches(), "input": n.input,
            })).collect::<Vec<_>>(),
        }));
        out.push_str(&format!("CONFIGMAP {title}\n"));
        let mut t = Table::new(&["NODE", "STORED", "RECOMPUTED", "MATCH"]);
        for n in &nodes {
            let ok = n.matches();
            t.row(vec![
                (n.key.clone(), Colour::None),
                (n.stored.clone().unwrap_or_else(|| "-".into()), Colour::None),
                (
                    n.recomputed.clone().unwrap_or_else(|| "-".into()),
                    Colour::None,
                ),
                (
                    if ok { "yes" } else { "NO" }.into(),
                    if ok { Colour::Green } else { Colour::Red },
                ),
            ]);
        }
        t.write(ctx.colour, &mut out);
        if args.node.is_some() {
            for n in &nodes {
                out.push_str(&format!(
                    "input: {}\n",
                    n.input.as_deref().unwrap_or("(none)")
                ));
            }
        }
    }
    if let Some(k) = &args.node
        && json_maps
            .iter()
            .all(|m| m["nodes"].as_array().is_none_or(|a| a.is_empty()))
    {
        return Err(Error::msg(format!(
            "no node `{k}` in the revisions ConfigMaps"
        )));
    }
    Ok(match args.output {
        TextFormat::Table => out,
        TextFormat::Json => crate::report::json(&serde_json::json!({ "configMaps": json_maps })),
    })
}

/// Reads input files (`-` or none: stdin) under the size limit.
fn read_inputs(
    ctx: &mut Context<'_>,
    files: &[std::path::PathBuf],
    opts: &render::Options,
) -> Result<Vec<render::Source>> {
    crate::input::read(files, &mut *ctx.stdin, opts.max_input_bytes)
}

fn current_dir() -> Result<std::path::PathBuf> {
    std::env::current_dir().map_err(|e| Error::io("cannot read the current directory", e))
}

/// What Argo CD's CMP server hands the plugin, from the environment.
fn cmp_env() -> Result<cmp::CmpEnv> {
    let var = |k: &str| std::env::var(k).ok();
    Ok(cmp::CmpEnv {
        source_dir: current_dir()?,
        app_name: var("ARGOCD_APP_NAME"),
        app_namespace: var("ARGOCD_APP_NAMESPACE"),
        source_path: var("ARGOCD_APP_SOURCE_PATH"),
        kube_version: var("KUBE_VERSION"),
        kube_api_versions: var("KUBE_API_VERSIONS"),
        parameters: var("ARGOCD_APP_PARAMETERS"),
        helm: var("EXPRESS_WAVES_HELM")
            .unwrap_or_else(|| "helm".into())
            .into(),
    })
}

fn render_stream(
    files: &[std::path::PathBuf],
    options: &RenderOptions,
    ctx: &mut Context<'_>,
) -> Result<Outcome> {
    let opts = options.to_options()?;
    let sources = crate::input::read(files, &mut *ctx.stdin, opts.max_input_bytes)?;
    let rendering = render::run(&sources, &opts)?;
    // Written document by document: passed-through ones are not copied,
    // Express ones are re-read and written one at a time.
    let written = rendering.write_to(&mut *ctx.stdout).and_then(|()| {
        ctx.stdout
            .flush()
            .map_err(|e| Error::io("cannot write to stdout", e))
    });
    match written {
        Ok(()) => Ok(Outcome::ok(Vec::new())),
        Err(Error {
            source: Some(e), ..
        }) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::ok(Vec::new())),
        Err(e) => Err(e),
    }
}
