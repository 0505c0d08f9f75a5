//! Running the external tools (helm, kubectl): an argument vector, never a
//! shell; stdin closed, stdout captured, stderr passed on to ours so their
//! own messages reach the user.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// Runs `program` with `args` (in `cwd`, if given) and returns its stdout;
/// a failure names `what` and points at the tool's own messages.
pub fn captured(
    program: &Path,
    args: &[String],
    cwd: Option<&Path>,
    what: &str,
) -> Result<Vec<u8>> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let out = cmd
        .output()
        .map_err(|e| Error::io(format!("cannot run {}", program.display()), e))?;
    if !out.status.success() {
        return Err(Error::msg(format!(
            "{what} failed ({}); its messages are above",
            out.status
        )));
    }
    Ok(out.stdout)
}
