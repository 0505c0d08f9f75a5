//! The options several commands share, each checked once: the API group,
//! the output format, the render options, and where a render's error goes.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::order::Mode;
use crate::render::Options;
use crate::report::Format;
use crate::yaml::Limits;

/// `--group`: the API group of the Express CRs, on every command that
/// recognises them.
#[derive(Args, Debug, Clone)]
pub struct GroupArg {
    /// API group of the Express CRs
    #[arg(long = "group", value_name = "G", default_value = "express.medallia.com", value_parser = parse_group)]
    pub name: String,
}

/// `-o`/`--output`: the report format, on every command that reports.
#[derive(Args, Debug, Clone, Copy)]
pub struct OutputArg {
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub format: Format,
}

/// How several clusters of one stream roll out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ClustersArg {
    Parallel,
    InSequence,
}

/// The rollout order asked for on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Upgrade,
    Provisioning,
}

/// Where else a render's error goes: Helm 4 does not show a post-renderer
/// plugin's stderr (helm `internal/plugin/runtime_subprocess.go`,
/// `runPostrenderer`: stderr goes to a buffer that is never printed).
/// Only `render` (and no subcommand) takes these.
#[derive(Args, Clone, Debug, Default)]
pub struct ErrorReport {
    /// On error, also write the message to this file (removed on success):
    /// Helm 4 does not show a post-renderer plugin's stderr
    #[arg(long, value_name = "PATH")]
    pub error_file: Option<PathBuf>,

    /// On error, also write the message to the terminal (/dev/tty) if any
    #[arg(long)]
    pub error_tty: bool,
}

/// Options of what `render` writes that change nothing a report shows.
#[derive(Args, Debug, Clone)]
pub struct WriteOptions {
    /// Do not add the per-cluster deployment-revisions ConfigMap
    #[arg(long)]
    pub no_revision_configmap: bool,
}

/// Options shared by every command that renders.
#[derive(Args, Debug, Clone)]
pub struct RenderOptions {
    /// Rollout order for the waves [default: upgrade, or the Cluster CR's
    /// express.medallia.com/mode annotation]
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,

    /// Wave of the first node; the Cluster CR gets one less [default: as an
    /// earlier render recorded it in the input, else 1]
    #[arg(long, allow_negative_numbers = true)]
    pub wave_start: Option<i64>,

    /// Inject no dependencies (waves are still assigned)
    #[arg(long)]
    pub no_dependencies: bool,

    /// Frontends numbered up to N go before the backend in an upgrade
    /// [default: as an earlier render recorded it in the input, else 2]
    #[arg(long, value_name = "N")]
    pub frontends_before_backend: Option<usize>,

    #[command(flatten)]
    pub group: GroupArg,

    /// Replace revisions the chart already set with computed ones
    #[arg(long)]
    pub recompute_revisions: bool,

    /// Several clusters in one stream: side by side from --wave-start, or
    /// one after another (a Degraded node then stops only later clusters)
    /// [default: as an earlier render recorded it in the input, else
    /// parallel]
    #[arg(long, value_enum)]
    pub clusters: Option<ClustersArg>,

    /// Approval gates: after node KEY (fe1, be) of every cluster, a Gate in
    /// the next wave that Argo CD waits at until `express-waves approve
    /// NS/CLUSTER`; later nodes one wave later. Repeat or comma-separate for
    /// several [default: the gates an earlier render wrote, if any]
    #[arg(long, value_name = "KEY", value_delimiter = ',', value_parser = parse_key)]
    pub gate_after: Vec<String>,

    /// No approval gates, not even those an earlier render wrote into the
    /// input
    #[arg(long, conflicts_with = "gate_after")]
    pub no_gates: bool,

    /// Largest input accepted, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 256 << 20)]
    pub max_input_bytes: usize,

    /// Deepest nesting of YAML collections accepted
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_depth, value_parser = parse_depth)]
    pub max_depth: usize,

    /// Most nodes YAML aliases may add to one document (and anchors may
    /// keep)
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_alias_nodes)]
    pub max_alias_nodes: usize,
}

impl RenderOptions {
    /// The checked render options.
    pub fn to_options(&self) -> Options {
        Options {
            mode: self.mode.map(|m| match m {
                ModeArg::Upgrade => Mode::Upgrade,
                ModeArg::Provisioning => Mode::Provisioning,
            }),
            wave_start: self.wave_start,
            no_dependencies: self.no_dependencies,
            frontends_before_backend: self.frontends_before_backend,
            group: self.group.name.clone(),
            revision_configmap: true,
            recompute_revisions: self.recompute_revisions,
            clusters_in_sequence: self.clusters.map(|c| c == ClustersArg::InSequence),
            gates: match (self.no_gates, self.gate_after.is_empty()) {
                (true, _) => crate::render::Gates::None,
                (false, true) => crate::render::Gates::Written,
                (false, false) => crate::render::Gates::After(self.gate_after.clone()),
            },
            limits: Limits {
                max_depth: self.max_depth,
                max_alias_nodes: self.max_alias_nodes,
            },
            max_input_bytes: self.max_input_bytes,
        }
    }
}

/// `--group`: a Kubernetes API group, which is a lower-case DNS subdomain.
/// A group in another case would match nothing the API server stores.
fn parse_group(g: &str) -> std::result::Result<String, String> {
    if g.len() <= 253
        && g.split('.')
            .all(|l| l.len() <= 63 && crate::model::is_dns_label(l))
    {
        Ok(g.to_string())
    } else {
        Err(format!(
            "`{g}` is not an API group (lower-case DNS labels joined by '.')"
        ))
    }
}

/// `--gate-after`: a node key, the part of a node's name after
/// `<cluster>-` (a DNS label, as names are).
pub fn parse_key(v: &str) -> std::result::Result<String, String> {
    if crate::model::is_dns_label(v) {
        Ok(v.to_string())
    } else {
        Err(format!(
            "`{v}` is not a node key (fe1, be: lower-case letters, digits and '-')"
        ))
    }
}

/// `--max-depth`: at most [`crate::yaml::MAX_DEPTH_CAP`], the nesting the
/// process's stack provably holds.
fn parse_depth(v: &str) -> std::result::Result<usize, String> {
    let cap = crate::yaml::MAX_DEPTH_CAP;
    match v.parse::<usize>() {
        Ok(n) if (1..=cap).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{v}` is not a depth from 1 to {cap} (deeper nesting would exhaust the stack express-waves runs with)"
        )),
    }
}
