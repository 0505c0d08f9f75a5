//! Running the external tools (helm, kubectl): an argument vector, never a
//! shell; stdin closed, stdout captured. A tool's stderr reaches the user
//! either way: passed straight on (`captured`), or captured so the caller
//! can read it and then carried in the error (`run`), and passed on when the
//! tool succeeds (its warnings).

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Runs `program` with `args` (in `cwd`, if given), stdin closed, stdout
/// captured, stderr as `stderr` says; killed when it runs past `timeout`
/// (an error saying so).
fn output(
    program: &Path,
    args: &[String],
    cwd: Option<&Path>,
    stderr: Stdio,
    timeout: Option<Duration>,
) -> Result<std::process::Output> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let cannot = |e| Error::io(format!("cannot run {}", program.display()), e);
    let Some(timeout) = timeout else {
        return cmd.output().map_err(cannot);
    };
    let mut child = cmd.spawn().map_err(cannot)?;
    // Read while it runs, so that a full pipe never stalls it.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(cannot)? {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::msg(format!(
                "{} ran past {} s and was stopped",
                program.display(),
                timeout.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(std::process::Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// Runs `program` with `args` (in `cwd`, if given) and returns its stdout;
/// a failure names `what` and points at the tool's own messages.
pub fn captured(
    program: &Path,
    args: &[String],
    cwd: Option<&Path>,
    what: &str,
) -> Result<Vec<u8>> {
    let out = output(program, args, cwd, Stdio::inherit(), None)?;
    if !out.status.success() {
        return Err(Error::msg(format!(
            "{what} failed ({}); its messages are above",
            out.status
        )));
    }
    Ok(out.stdout)
}

/// A tool that ran and failed: its exit status and what it wrote to stderr.
#[derive(Debug)]
pub struct Failed {
    pub status: std::process::ExitStatus,
    pub stderr: String,
}

impl Failed {
    /// The error to report: `what` failed, with the tool's own message.
    pub fn into_error(self, what: &str) -> Error {
        Error::msg(format!(
            "{what} failed ({}):\n{}",
            self.status,
            self.stderr.trim_end()
        ))
    }
}

/// Runs `program` like [`captured`], but captures its stderr: `Ok(Err(_))`
/// when it ran and failed, so the caller can read why. On success its
/// stderr (warnings) is passed on to ours, or, with `kept`, kept there for
/// the caller (several tools at once would interleave theirs). Past
/// `timeout`, it is stopped and that is the error.
pub fn run(
    program: &Path,
    args: &[String],
    cwd: Option<&Path>,
    timeout: Option<Duration>,
    kept: Option<&mut Vec<u8>>,
) -> Result<std::result::Result<Vec<u8>, Failed>> {
    let out = output(program, args, cwd, Stdio::piped(), timeout)?;
    if !out.status.success() {
        return Ok(Err(Failed {
            status: out.status,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }));
    }
    match kept {
        Some(k) => k.extend_from_slice(&out.stderr),
        None => {
            let _ = std::io::stderr().write_all(&out.stderr);
        }
    }
    Ok(Ok(out.stdout))
}
