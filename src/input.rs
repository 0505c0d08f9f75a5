//! Input: files and stdin, read whole under one size limit (the stream is
//! read and checked before anything is written). Every command reads its
//! input here: renders, live objects, Argo CD's objects.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The size limit, unless `--max-input-bytes` says otherwise: 256 MiB,
/// far above any real render.
pub const DEFAULT_LIMIT: usize = 256 << 20;

/// One input: a file or stdin.
#[derive(Clone, Debug)]
pub struct Source {
    /// What to call it in messages (`stdin` for stdin).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Reads one file (`-`: stdin) under the default limit.
pub fn read_one(path: &Path, stdin: &mut dyn Read) -> Result<Source> {
    let mut sources = read(&[path.to_path_buf()], stdin, DEFAULT_LIMIT)?;
    Ok(sources.remove(0))
}

/// Reads `files` in order (`-` or none: `stdin`), refusing more than `limit`
/// bytes in all.
pub fn read(files: &[PathBuf], stdin: &mut dyn Read, limit: usize) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    let mut total = 0usize;
    let stdin_only = [PathBuf::from("-")];
    let files = if files.is_empty() {
        &stdin_only[..]
    } else {
        files
    };
    for path in files {
        let left = (limit - total.min(limit)) as u64 + 1;
        let (name, bytes) = if path.as_os_str() == "-" {
            let mut buf = Vec::new();
            stdin
                .take(left)
                .read_to_end(&mut buf)
                .map_err(|e| Error::io("cannot read stdin", e))?;
            ("stdin".to_string(), buf)
        } else {
            let name = path.display().to_string();
            let f = std::fs::File::open(path)
                .map_err(|e| Error::io(format!("cannot open {name}"), e))?;
            // Sized from the file's length, so the buffer is not doubled.
            let len = f.metadata().map(|m| m.len() as usize).unwrap_or(0);
            let mut buf = Vec::with_capacity(len.min(limit) + 1);
            f.take(left)
                .read_to_end(&mut buf)
                .map_err(|e| Error::io(format!("cannot read {name}"), e))?;
            (name, buf)
        };
        total += bytes.len();
        if total > limit {
            return Err(Error::msg(format!(
                "input is over the limit of {limit} bytes (--max-input-bytes)"
            )));
        }
        sources.push(Source { name, bytes });
    }
    Ok(sources)
}
