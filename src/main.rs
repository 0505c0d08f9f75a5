//! The `express-waves` binary: parses arguments, runs, prints, exits.
//!
//! Exit codes: 0 success, 1 a check found something (later subcommands),
//! 2 error. On error nothing is written to stdout.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use express_waves::cli::{ArgocdCommand, Cli, CmpCommand, Command, RenderOptions, TextFormat};
use express_waves::{Error, argocd, cmp, render};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // Usage errors read like every other error, and exit 2.
            eprint!("express-waves: {}", e.render());
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("express-waves: error: {}", error_chain(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and every cause, joined by `: `.
fn error_chain(e: &Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    msg
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        Some(Command::Render(args)) => render_to_stdout(&args.files, &args.options),
        Some(Command::Plan(args)) => {
            let opts = args.options.to_options()?;
            let sources = read_inputs(&args.files, &opts)?;
            let rendering = render::run(&sources, &opts)?;
            let live = match &args.live {
                Some(p) => Some(express_waves::live::read_file(
                    p,
                    &mut std::io::stdin().lock(),
                )?),
                None => None,
            };
            let data = express_waves::plan::data(&rendering, live.as_deref());
            let text = match &args.template {
                Some(path) => {
                    let t = std::fs::read_to_string(path)
                        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
                    express_waves::report::template(&path.display().to_string(), &t, &data)?
                }
                None => express_waves::plan::format(&data, args.output.format(), colour())?,
            };
            write_stdout(text.as_bytes())
        }
        Some(Command::Diff(args)) => {
            if args.old.as_os_str() == "-" && args.new.as_os_str() == "-" {
                return Err(Error::msg("diff: only one of OLD and NEW can be stdin"));
            }
            let opts = args.options.to_options()?;
            let old = render::run(&read_inputs(std::slice::from_ref(&args.old), &opts)?, &opts)?;
            let new = render::run(&read_inputs(std::slice::from_ref(&args.new), &opts)?, &opts)?;
            let diffs = express_waves::diff::diff(&old, &new);
            let total = new.clusters.iter().map(|c| c.nodes.len()).sum();
            let text = match args.output {
                TextFormat::Table => express_waves::diff::table(&diffs, total),
                TextFormat::Json => express_waves::diff::json(&diffs),
            };
            write_stdout(text.as_bytes())?;
            let changed = diffs
                .iter()
                .any(|d| d.restarts() || d.old.is_none() || d.new.is_none());
            Ok(if changed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Some(Command::Argocd(ArgocdCommand::Health { kind, group })) => {
            write_stdout(argocd::health_lua(&group, kind.map(|k| k.kind())).as_bytes())
        }
        Some(Command::Argocd(ArgocdCommand::Config { namespace, group })) => {
            write_stdout(argocd::config(&group, &namespace).as_bytes())
        }
        Some(Command::Cmp(CmpCommand::Generate { options })) => {
            let out = cmp::generate(&cmp_env()?, &options.to_options()?)?;
            write_stdout(&out)
        }
        Some(Command::Cmp(CmpCommand::Parameters)) => {
            write_stdout(cmp::parameters(&current_dir()?).as_bytes())
        }
        Some(Command::Cmp(CmpCommand::Discover { group })) => {
            match cmp::discover(&current_dir()?, &group) {
                Some(p) => write_stdout(format!("{}\n", p.display()).as_bytes()),
                None => Ok(ExitCode::SUCCESS),
            }
        }
        None => {
            if std::io::stdin().is_terminal() {
                Cli::command()
                    .print_help()
                    .map_err(|e| Error::io("cannot print help", e))?;
                return Ok(ExitCode::SUCCESS);
            }
            render_to_stdout(&[], &cli.render)
        }
    }
}

/// Colour only on a terminal, and never with NO_COLOR set.
fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Reads input files (`-` or none: stdin) under the size limit.
fn read_inputs(
    files: &[std::path::PathBuf],
    opts: &render::Options,
) -> Result<Vec<render::Source>, Error> {
    express_waves::cli::read_sources(files, &mut std::io::stdin().lock(), opts.max_input_bytes)
}

fn current_dir() -> Result<std::path::PathBuf, Error> {
    std::env::current_dir().map_err(|e| Error::io("cannot read the current directory", e))
}

/// What Argo CD's CMP server hands the plugin, from the environment.
fn cmp_env() -> Result<cmp::CmpEnv, Error> {
    let var = |k: &str| std::env::var(k).ok();
    Ok(cmp::CmpEnv {
        source_dir: current_dir()?,
        app_name: var("ARGOCD_APP_NAME"),
        app_namespace: var("ARGOCD_APP_NAMESPACE"),
        kube_version: var("KUBE_VERSION"),
        kube_api_versions: var("KUBE_API_VERSIONS"),
        parameters: var("ARGOCD_APP_PARAMETERS"),
        helm: var("EXPRESS_WAVES_HELM")
            .unwrap_or_else(|| "helm".into())
            .into(),
    })
}

fn render_to_stdout(
    files: &[std::path::PathBuf],
    options: &RenderOptions,
) -> Result<ExitCode, Error> {
    let result = (|| {
        let opts = options.to_options()?;
        let sources = express_waves::cli::read_sources(
            files,
            &mut std::io::stdin().lock(),
            opts.max_input_bytes,
        )?;
        render::render(&sources, &opts)
    })();
    report_elsewhere(&result, options);
    write_stdout(&result?)
}

/// Helm 4 keeps a failing post-renderer's stderr to itself: with
/// `--error-file` the message also goes to a file (removed on success), with
/// `--error-tty` to the terminal, if there is one.
fn report_elsewhere<T>(result: &Result<T, Error>, options: &RenderOptions) {
    match result {
        Ok(_) => {
            if let Some(path) = &options.error_file {
                let _ = std::fs::remove_file(path);
            }
        }
        Err(e) => {
            let line = format!("express-waves: error: {}\n", error_chain(e));
            if let Some(path) = &options.error_file {
                let _ = std::fs::write(path, &line);
            }
            if options.error_tty
                && let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty")
            {
                let _ = tty.write_all(line.as_bytes());
            }
        }
    }
}

/// Writes all of `bytes`; a closed pipe is not an error.
fn write_stdout(bytes: &[u8]) -> Result<ExitCode, Error> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Error::io("cannot write to stdout", e)),
    }
}
