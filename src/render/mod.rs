//! `render`: the post-renderer. A stream in, the same stream out with
//! dependencies, sync waves, `PruneLast=true` and revisions on every Express
//! node CR.
//!
//! The pipeline, one step a module:
//!
//! 1. [`read`]: every document, checked as Go reads it; of Express CRs, the
//!    facts the order needs and the revision;
//! 2. [`group`]: Express documents by cluster;
//! 3. [`cluster`]: per cluster, the order, dependencies and waves, as a
//!    [`Patch`](patch::Patch) per document ([`patch`]), approval gates
//!    ([`gates`]) and a revisions ConfigMap ([`configmap`]); what was
//!    decided is a [`ClusterRollout`];
//! 4. [`write`]: the stream, patched: each Express document's edits
//!    spliced into its text ([`splice`], at the places its [`layout`] holds),
//!    or, where the layout cannot vouch for that, the document written anew.
//!
//! The whole input is read and checked, and every decision made, before a
//! byte is written: on any error the caller gets `Err` and writes nothing,
//! because Argo CD prunes whatever a render leaves out.
//!
//! Memory stays flat in the size of the stream: documents passed through are
//! written from the input buffer, and Express documents are kept as the few
//! facts the order and the revision need, where its edits go, and the
//! changes to make. [`analyse`] keeps
//! every Express document's value instead, for the commands that report on
//! specs (`plan`, `diff`, `verify`, `revision`).

mod cluster;
mod configmap;
mod express;
mod gates;
mod group;
mod hashed;
mod layout;
mod patch;
mod read;
mod recorded;
mod rollout;
mod splice;
mod write;

use crate::error::{Error, Result};
use crate::order::Mode;
use crate::yaml::Limits;

pub use crate::input::Source;
pub use rollout::Injection;
pub use rollout::{ClusterRollout, NodeRollout};
pub use write::Rendering;

/// Which approval gates a render writes ([`crate::gate`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gates {
    /// Those an earlier render wrote into the input, if any (so a render of
    /// a render, and a report on one, keeps them).
    Written,
    /// After these node keys (`--gate-after`).
    After(Vec<String>),
    /// None (`--no-gates`).
    None,
}

/// What `render` is asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    /// Overrides the Cluster CR's mode annotation when set.
    pub mode: Option<Mode>,
    /// The first node's wave; `None`: as an earlier render recorded it in
    /// the stream ([`crate::model::ANN_WAVE_START`]), else
    /// [`WAVE_START_DEFAULT`].
    pub wave_start: Option<i64>,
    pub no_dependencies: bool,
    /// Frontends numbered up to this go before the backend in an upgrade;
    /// `None`: as recorded, else [`FRONTENDS_BEFORE_BACKEND_DEFAULT`].
    pub frontends_before_backend: Option<usize>,
    pub group: String,
    pub revision_configmap: bool,
    pub recompute_revisions: bool,
    /// Clusters roll out one after another (each starts in the wave after
    /// the one before ends), instead of side by side from `wave_start`;
    /// `None`: as recorded ([`crate::model::ANN_CLUSTERS`]), else side by
    /// side.
    pub clusters_in_sequence: Option<bool>,
    /// The approval gates, in every cluster.
    pub gates: Gates,
    pub limits: Limits,
    pub max_input_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            mode: None,
            wave_start: None,
            no_dependencies: false,
            frontends_before_backend: None,
            group: "express.medallia.com".into(),
            revision_configmap: true,
            recompute_revisions: false,
            clusters_in_sequence: None,
            gates: Gates::Written,
            limits: Limits::default(),
            max_input_bytes: crate::input::DEFAULT_LIMIT,
        }
    }
}

/// The range `--wave-start` may take. Argo CD reads a wave with Go's
/// `strconv.Atoi` into an `int` (gitops-engine `pkg/sync/syncwaves`,
/// `Wave`), 32 bits on 32-bit builds, and adds one past the last wave for
/// `PruneLast` (`getSyncTasks`): every wave a render assigns (the Cluster's
/// one before the start, the nodes', the revisions ConfigMap's after them)
/// stays far inside that, for any number of nodes a stream can hold.
pub const WAVE_START_LIMIT: i64 = 1_000_000_000;

/// The first node's wave when neither asked for nor recorded.
pub const WAVE_START_DEFAULT: i64 = 1;

/// Frontends before the backend in an upgrade when neither asked for nor
/// recorded.
pub const FRONTENDS_BEFORE_BACKEND_DEFAULT: usize = 2;

fn check_wave_start(w: i64) -> Result<()> {
    wave_start_in_range(w)
        .map_err(|range| Error::msg(format!("--wave-start {w} is out of range: {range}")))
}

/// Whether a first wave leaves every wave in the int Argo CD reads it into;
/// if not, the range it must be in.
fn wave_start_in_range(w: i64) -> std::result::Result<(), String> {
    match (-WAVE_START_LIMIT..=WAVE_START_LIMIT).contains(&w) {
        true => Ok(()),
        false => Err(format!(
            "it must be between -{WAVE_START_LIMIT} and {WAVE_START_LIMIT}, so that every wave fits the int Argo CD reads it into"
        )),
    }
}

/// Renders `sources` as one stream, ready to write. Express documents are
/// kept as facts and where their edits go; what was decided per node is
/// not kept (the writer does not need it, and a large stream would hold
/// every node twice): [`analyse`] gives that.
pub fn run<'a>(sources: &'a [Source], opts: &Options) -> Result<Rendering<'a>> {
    let (rendering, _) = pipeline(sources, opts, Keep::Facts)?;
    check_output(&rendering, sources, opts)?;
    Ok(rendering)
}

/// A render never writes what the same limit would refuse to read: Express
/// documents written out in block style can be larger than the chart wrote
/// them, and a render of a render must not fail on size. Counting costs a
/// dry write, so it runs only for an input past an eighth of the limit
/// (growth beyond 8x would need deeply nested flow style, which the count
/// then still catches for inputs that large).
fn check_output(r: &Rendering<'_>, sources: &[Source], opts: &Options) -> Result<()> {
    let input: usize = sources.iter().map(|s| s.bytes.len()).sum();
    if input <= opts.max_input_bytes / 8 {
        return Ok(());
    }
    let output = r.output_len()?;
    if output > opts.max_input_bytes as u64 {
        return Err(Error::msg(format!(
            "the output would be {output} bytes, over the limit of {} (--max-input-bytes) that rendering it again would hit; raise --max-input-bytes",
            opts.max_input_bytes
        )));
    }
    Ok(())
}

/// What a render of `sources` decides, per cluster and node, each
/// [`NodeRollout`] with the node's spec as written out: for the commands
/// that report (`plan`, `diff`, `verify`, `revision`, `status`). Nothing
/// is written, so nothing of the stream is kept.
pub fn analyse(sources: &[Source], opts: &Options) -> Result<Analysis> {
    let (_, clusters) = pipeline(sources, opts, Keep::Values)?;
    Ok(Analysis { clusters })
}

/// What a render decided: the rollout Argo CD will run, per cluster.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub clusters: Vec<ClusterRollout>,
}

impl Analysis {
    /// How many Backends and Frontends the render holds.
    pub fn nodes(&self) -> usize {
        self.clusters.iter().map(|c| c.nodes.len()).sum()
    }
}

/// What render keeps of an Express document while it plans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keep {
    Facts,
    Values,
}

/// read → group by cluster → per cluster {order, waves, patches} → write;
/// with the rollouts when the render keeps values.
fn pipeline<'a>(
    sources: &'a [Source],
    opts: &Options,
    keep: Keep,
) -> Result<(Rendering<'a>, Vec<ClusterRollout>)> {
    check_input(sources, opts)?;
    let mut docs = read::documents(sources, opts, keep)?;
    let clusters = group::clusters(&docs)?;
    let mut maps = configmap::Placement::new(&docs);
    let mut gates = gates::Placement::new(&docs);
    let mut rollouts = Vec::new();
    let mut nodes = 0;
    let stream = recorded::stream_options(&docs, &clusters, opts)?;
    let (mut wave_start, in_sequence) = (stream.wave_start, stream.in_sequence);
    // Neither asked for nor recorded: a stream an older express-waves
    // rendered holds gates only in sequence.
    let in_sequence =
        in_sequence.unwrap_or_else(|| gates.written_in_sequence(&opts.gates, clusters.len()));
    for ((namespace, name), members) in &clusters {
        let gate_after = gates.wanted(&opts.gates, namespace, name);
        if !gate_after.is_empty() && clusters.len() > 1 && !in_sequence {
            return Err(gates::side_by_side(&docs, members, name));
        }
        let given = cluster::Given {
            recorded: &maps.recorded(&docs, namespace, name),
            gate_after: &gate_after,
            wave_start,
            frontends_before_backend: stream.frontends_before_backend,
        };
        let decided = cluster::decide(&mut docs, namespace, name, members, &given, opts, keep)?;
        nodes += members.nodes.len();
        let cluster = group::Cluster {
            namespace,
            name,
            docs: members,
        };
        gates.place(decided.gates, cluster, &mut docs)?;
        if let Some(map) = decided.map {
            maps.place(map, cluster, &mut docs, keep == Keep::Facts)?;
        }
        if in_sequence {
            wave_start = decided.last_wave + 2;
        }
        rollouts.extend(decided.rollout);
    }
    gates.check_orphans(&docs)?;
    let rendering = Rendering {
        sources,
        docs,
        inserts: maps.inserts,
        gate_inserts: gates.inserts,
        limits: opts.limits,
        nodes,
    };
    Ok((rendering, rollouts))
}

/// The limits checked before anything is read.
fn check_input(sources: &[Source], opts: &Options) -> Result<()> {
    if let Some(w) = opts.wave_start {
        check_wave_start(w)?;
    }
    let total: usize = sources.iter().map(|s| s.bytes.len()).sum();
    if total > opts.max_input_bytes {
        return Err(Error::msg(format!(
            "input is {total} bytes, over the limit of {} (--max-input-bytes)",
            opts.max_input_bytes
        )));
    }
    Ok(())
}
