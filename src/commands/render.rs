//! `render` (and no subcommand): the post-renderer, writing to stdout once
//! the whole render is planned and checked.

use crate::cli::RenderFlags;
use crate::error::{Error, Result};
use crate::render;

use super::{Context, Outcome};

/// Renders `files` (none: stdin) straight to stdout.
pub fn run(
    files: &[std::path::PathBuf],
    flags: &RenderFlags,
    ctx: &mut Context<'_>,
) -> Result<Outcome> {
    let opts = render::Options {
        revision_configmap: !flags.write.no_revision_configmap,
        ..flags.options.to_options()
    };
    let sources = crate::input::read(files, &mut *ctx.stdin, opts.max_input_bytes)?;
    let rendering = render::run(&sources, &opts)?;
    // Written document by document: passed-through ones are not copied,
    // Express ones are edited and written one at a time.
    let written = rendering.write_to(&mut *ctx.stdout).and_then(|()| {
        ctx.stdout
            .flush()
            .map_err(|e| Error::io("cannot write to stdout", e))
    });
    // The process ends next: the operating system takes the memory back at
    // once, faster than freeing every document's facts one by one.
    std::mem::forget(rendering);
    match written {
        Err(e) if !e.is_broken_pipe() => Err(e),
        _ => Ok(Outcome::ok(Vec::new())),
    }
}
