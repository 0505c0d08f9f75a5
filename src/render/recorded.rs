//! The options that shape a stream's waves and that a render records in
//! its output (`--wave-start`, `--clusters`, `--frontends-before-backend`,
//! on the Cluster CR, else on every node: [`super::cluster`]), read back:
//! as asked, else as recorded (every record the same), else the defaults,
//! so that a render or plan of a render derives the same waves without
//! the flags.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::model::{self, ANN_CLUSTERS, ANN_FRONTENDS_BEFORE_BACKEND, ANN_WAVE_START};

use super::group::ClusterDocs;
use super::read::{Doc, What};
use super::{FRONTENDS_BEFORE_BACKEND_DEFAULT, WAVE_START_DEFAULT};

/// The options that shape a stream's waves, as asked or recorded.
pub(super) struct StreamOptions {
    pub(super) wave_start: i64,
    /// `None`: neither asked for nor recorded.
    pub(super) in_sequence: Option<bool>,
    pub(super) frontends_before_backend: usize,
}

/// The stream's first wave, whether its clusters roll in sequence and how
/// many frontends go before the backend: each as asked (`opts`; its
/// records are then not compared, though each was read, and an unreadable
/// one refused, with its document: [`model::recorded_options`]), else as
/// an earlier render recorded it (on each cluster's Cluster CR, else on
/// its nodes; every record the same), else the defaults ([`super::WAVE_START_DEFAULT`], side by side,
/// [`super::FRONTENDS_BEFORE_BACKEND_DEFAULT`]).
pub(super) fn stream_options(
    docs: &[Doc<'_>],
    clusters: &BTreeMap<(String, String), ClusterDocs>,
    opts: &super::Options,
) -> Result<StreamOptions> {
    let recorders = clusters.values().flat_map(|cd| match &cd.cluster_doc {
        Some(ci) => std::slice::from_ref(ci),
        None => &cd.nodes[..],
    });
    // The first record of each, with its document.
    let mut start: Option<(i64, usize)> = None;
    let mut order: Option<(&str, usize)> = None;
    let mut fbb: Option<(usize, usize)> = None;
    for &i in recorders {
        let What::Express(e) = &docs[i].what else {
            continue;
        };
        let Some(r) = &e.facts.recorded else {
            continue;
        };
        if opts.wave_start.is_none() {
            agree(
                docs,
                i,
                ANN_WAVE_START,
                &mut start,
                r.wave_start,
                "--wave-start",
            )?;
            if let Some(w) = r.wave_start {
                super::wave_start_in_range(w).map_err(|range| {
                    Error::doc(&docs[i].at(), format!("{ANN_WAVE_START} is `{w}`: {range}"))
                })?;
            }
        }
        if opts.clusters_in_sequence.is_none() {
            let s = r.in_sequence.map(model::clusters_value);
            agree(docs, i, ANN_CLUSTERS, &mut order, s, "--clusters")?;
        }
        if opts.frontends_before_backend.is_none() {
            let n = r.frontends_before_backend;
            let flag = "--frontends-before-backend";
            agree(docs, i, ANN_FRONTENDS_BEFORE_BACKEND, &mut fbb, n, flag)?;
        }
    }
    Ok(StreamOptions {
        wave_start: opts
            .wave_start
            .or(start.map(|s| s.0))
            .unwrap_or(WAVE_START_DEFAULT),
        in_sequence: opts
            .clusters_in_sequence
            .or(order.map(|(o, _)| o == model::clusters_value(true))),
        frontends_before_backend: opts
            .frontends_before_backend
            .or(fbb.map(|f| f.0))
            .unwrap_or(FRONTENDS_BEFORE_BACKEND_DEFAULT),
    })
}

/// Refuses a record of `key` at document `i` other than the first one
/// seen (`first`, with its document).
fn agree<T: PartialEq + std::fmt::Display + Copy>(
    docs: &[Doc<'_>],
    i: usize,
    key: &str,
    first: &mut Option<(T, usize)>,
    value: Option<T>,
    flag: &str,
) -> Result<()> {
    let Some(v) = value else { return Ok(()) };
    match *first {
        None => *first = Some((v, i)),
        Some((f, at)) if f != v => {
            return Err(Error::doc(
                &docs[i].at(),
                format!(
                    "{key} is `{v}` here but `{f}` on document {}: one stream has one; render with {flag} to choose",
                    docs[at].at().index
                ),
            ));
        }
        Some(_) => {}
    }
    Ok(())
}
