//! The `express-waves` binary: parses arguments, runs, prints, exits.
//!
//! Exit codes: 0 success, 1 a check found something (`diff`, `verify`,
//! `argocd check`; for `status`, something Degraded), 2 error, usage errors
//! included, 3 (`status` only) a rollout still in progress. On error nothing is written to stdout.
//! A stdout closed by its reader (`| head`) is not an error; one closed
//! before the start (`>&-`) is.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::Ordering::Relaxed;

use clap::{CommandFactory, Parser};
use express_waves::Error;
use express_waves::cli::{Cli, Command, ErrorReport};
use express_waves::commands::{self, Context};

/// The stack express-waves runs on. Reading, resolving, hashing and
/// writing recurse once per level of nesting (about 1 KiB a level in an
/// unoptimised build); `--max-depth` is capped at
/// [`express_waves::yaml::MAX_DEPTH_CAP`] levels, which this holds several
/// times over, so a deep document is an error, never a stack overflow.
const STACK: usize = 64 << 20;

/// mimalloc for small blocks, the system allocator for large ones
/// ([`express_waves::allocator`]).
#[global_allocator]
static ALLOCATOR: express_waves::allocator::Allocator = express_waves::allocator::Allocator;

fn main() -> ExitCode {
    match std::thread::Builder::new()
        .name("express-waves".into())
        .stack_size(STACK)
        .spawn(run)
    {
        Ok(t) => t.join().unwrap_or(ExitCode::from(2)),
        Err(e) => {
            eprintln!("express-waves: error: cannot start: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> ExitCode {
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
    // With no subcommand express-waves is a post-renderer reading stdin; on
    // a terminal there is nothing to read, so it helps instead of waiting.
    if cli.command.is_none() && std::io::stdin().is_terminal() {
        let _ = Cli::command().print_help();
        return ExitCode::SUCCESS;
    }
    let report_to = match &cli.command {
        Some(Command::Render(args)) => Some(args.render.report.clone()),
        None => Some(cli.render.report.clone()),
        _ => None,
    };
    // A closed stdin must not read as an empty render (Argo CD would prune
    // everything), and a closed stdout must not swallow a render (or a
    // report) and exit 0: Rust's runtime makes writes to a closed stdout
    // succeed silently.
    let stdin_open = !closed_at_start::STDIN.load(Relaxed);
    if closed_at_start::STDOUT.load(Relaxed) {
        eprintln!(
            "express-waves: error: stdout is closed: what express-waves writes would be lost (a render would apply nothing); redirect it to a file, a pipe or /dev/null"
        );
        return ExitCode::from(2);
    }
    let colour = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut stdin: Box<dyn std::io::Read> = if stdin_open {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(ClosedStdin)
    };
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut ctx = Context {
        stdin: &mut stdin,
        stdout: &mut stdout,
        colour,
        progress: std::io::stderr().is_terminal(),
        tty: std::io::stdout().is_terminal(),
    };
    let result = commands::run(cli, &mut ctx);
    if let Some(options) = &report_to {
        report_elsewhere(&result, options);
    }
    let result = result.and_then(|o| {
        write_stdout(&mut stdout, &o.stdout)?;
        for w in &o.warnings {
            eprintln!("express-waves: warning: {w}");
        }
        Ok(o.code)
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("express-waves: error: {}", e.chain());
            ExitCode::from(2)
        }
    }
}

/// Whether standard input and output were closed when the process started.
/// Rust's runtime reopens a closed 0, 1 or 2 on `/dev/null` read-write
/// before `main` (`std::sys::pal::unix::init`, `sanitize_standard_fds`),
/// which cannot be told from a null device opened read-write on purpose
/// (Python's `subprocess.DEVNULL`); so they are looked at earlier, from the
/// process's initialisers (`.init_array`, run by the loader before the
/// runtime starts), in `/proc/self/fd`. Linux only; elsewhere nothing is
/// detected.
mod closed_at_start {
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

    pub static STDIN: AtomicBool = AtomicBool::new(false);
    pub static STDOUT: AtomicBool = AtomicBool::new(false);

    #[cfg(target_os = "linux")]
    #[used]
    #[unsafe(link_section = ".init_array")]
    static LOOK: extern "C" fn() = look;

    #[cfg(target_os = "linux")]
    extern "C" fn look() {
        let missing = |p: &str| std::fs::symlink_metadata(p).is_err();
        // Without /proc, nothing is known.
        if missing("/proc/self/fd") {
            return;
        }
        STDIN.store(missing("/proc/self/fd/0"), Relaxed);
        STDOUT.store(missing("/proc/self/fd/1"), Relaxed);
    }
}

/// Standard input when descriptor 0 is closed: reading it is an error,
/// never an empty stream.
struct ClosedStdin;

impl std::io::Read for ClosedStdin {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("stdin is closed: nothing to render"))
    }
}

/// Helm 4 keeps a failing post-renderer's stderr to itself: with
/// `--error-file` the message also goes to a file (removed on success), with
/// `--error-tty` to the terminal, if there is one.
fn report_elsewhere<T>(result: &Result<T, Error>, options: &ErrorReport) {
    match result {
        Ok(_) => {
            if let Some(path) = &options.error_file {
                let _ = std::fs::remove_file(path);
            }
        }
        Err(e) => {
            let line = format!("express-waves: error: {}\n", e.chain());
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
fn write_stdout(stdout: &mut dyn Write, bytes: &[u8]) -> Result<(), Error> {
    match stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| Error::io("cannot write to stdout", e))
    {
        Err(e) if !e.is_broken_pipe() => Err(e),
        _ => Ok(()),
    }
}
