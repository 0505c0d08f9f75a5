//! Command-line arguments, turned once into checked options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod argocd;
mod options;
pub use argocd::*;
pub use options::*;

/// Orders Express node CRs into Argo CD sync waves and injects their
/// dependencies and deployment revisions.
///
/// With no subcommand it renders stdin to stdout, so it works as
/// `helm template … --post-renderer express-waves`.
#[derive(Parser, Debug)]
#[command(
    name = "express-waves",
    version,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Render's flags, for use without a subcommand (Helm post-renderer).
    #[command(flatten)]
    pub render: RenderFlags,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Render a stream: dependencies, sync waves and revisions on every
    /// Express node CR, everything else unchanged.
    ///
    /// Example: helm template acme ./chart | express-waves render > out.yaml
    Render(RenderArgs),

    /// What a sync of this render will do, per cluster, in wave order; with
    /// --live, which nodes restart.
    ///
    /// Example: helm template acme ./chart | express-waves plan --live <(kubectl get backends,frontends -o yaml)
    Plan(PlanArgs),

    /// Compare two renders: per node, revision old -> new and the JSON
    /// pointers that changed. Exit 0: no node restarts; 1: some do.
    ///
    /// Example: express-waves diff live-render.yaml <(helm template acme ./chart)
    Diff(DiffArgs),

    /// Safety check before applying, audit after: revision labels, revisions
    /// ConfigMaps and live rollouts. Exit 0 clean, 1 discrepancies, 2 error.
    ///
    /// Example: helm template acme ./chart | express-waves verify --kubectl --namespace t1 - && kubectl apply ...
    Verify(VerifyArgs),

    /// Print each node's computed revision (and the exact text hashed).
    ///
    /// Example: express-waves revision rendered.yaml --node fe1 --show-input
    Revision(RevisionArgs),

    /// Print the revisions and node data stored in a revisions ConfigMap,
    /// recomputed.
    ///
    /// Example: kubectl get cm acme-deployment-revisions -o yaml | express-waves inspect -
    Inspect(InspectArgs),

    /// Rollout progress from live objects: per cluster, which wave is done,
    /// which node is rolling out, which wait, which are Degraded.
    ///
    /// Example: express-waves status --kubectl --namespace tenant-123634-prod
    Status(StatusArgs),

    /// Approve the rollout waiting at an approval gate (`render
    /// --gate-after`): shows the nodes and revisions before and after the
    /// gate, then annotates it with kubectl (argv only, no shell). Exit 0
    /// approved, 1 nothing waits for approval, 2 error or refused.
    ///
    /// Example: express-waves approve tenant-123634-prod/acme --render rendered.yaml
    Approve(ApproveArgs),

    /// Print a shell completion script.
    ///
    /// Example: express-waves completions bash > /etc/bash_completion.d/express-waves
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Argo CD integration: the Lua health checks that make waves wait.
    #[command(subcommand)]
    Argocd(ArgocdCommand),

    /// Argo CD Config Management Plugin commands (run by the sidecar).
    #[command(subcommand)]
    Cmp(CmpCommand),

    /// Every tenant at once: what a change to the shared chart does.
    #[command(subcommand)]
    Fleet(FleetCommand),
}

#[derive(Subcommand, Debug)]
pub enum FleetCommand {
    /// What a chart change does to every tenant: per tenant and in total,
    /// the nodes that restart, start, stop, are new or removed, and the
    /// fields that change. Each values file is a tenant, rendered with
    /// `helm template` (argv only). Exit 0: nothing restarts; 1: something
    /// does; 2: a tenant failed (the others are still reported) or error.
    ///
    /// Example: express-waves fleet plan --chart new/ --old-chart old/ overlays/*/*/values.yaml
    Plan(FleetPlanArgs),
}

/// Where a tenant's release name comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReleaseNameFrom {
    /// The values file's directory (overlays/den/acme/values.yaml: acme)
    Dir,
    /// The values file's name less its extension (tenants/acme.yaml: acme)
    File,
}

#[derive(Args, Debug)]
pub struct FleetPlanArgs {
    /// The tenants' values files, one tenant each
    #[arg(required = true)]
    pub values: Vec<PathBuf>,
    /// The chart as changed
    #[arg(long, value_name = "DIR")]
    pub chart: PathBuf,
    /// The chart before the change (without it: against --live-dir, where
    /// a tenant has live objects, else every node is new)
    #[arg(long, value_name = "DIR")]
    pub old_chart: Option<PathBuf>,
    /// Where a tenant's release name comes from
    #[arg(long, value_enum, default_value = "dir")]
    pub release_name_from: ReleaseNameFrom,
    /// Live objects per tenant, DIR/<release>.yaml (`kubectl get
    /// backends,frontends,clusters -o yaml`): the deadlocks and early
    /// deletions `plan --live` warns about
    #[arg(long, value_name = "DIR")]
    pub live_dir: Option<PathBuf>,
    /// The helm binary (default: EXPRESS_WAVES_HELM, else helm on PATH)
    #[arg(long, value_name = "PATH")]
    pub helm: Option<PathBuf>,
    /// Seconds one helm run may take before it is stopped and its tenant
    /// reported failed (Argo CD's own exec timeout is 90 s)
    #[arg(long, value_name = "SECONDS", default_value_t = 90, value_parser = clap::value_parser!(u64).range(1..))]
    pub helm_timeout: u64,
    /// Tenants rendered at once (default: the number of CPUs)
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// Files to read in order, as one stream (`-` or none: stdin).
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub render: RenderFlags,
}

/// What the commands that render a stream and report on it take (`plan`,
/// `diff`, `verify`, `approve`, `fleet plan`): the render options (for a
/// render read back, the ones it was rendered with) and the report's
/// format.
#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub output: OutputArg,
    #[command(flatten)]
    pub options: RenderOptions,
}

/// What `render` takes besides its files, the same with no subcommand:
/// how to render, what to write, where else an error goes.
#[derive(Args, Debug)]
pub struct RenderFlags {
    #[command(flatten)]
    pub options: RenderOptions,

    #[command(flatten)]
    pub write: WriteOptions,

    #[command(flatten)]
    pub report: ErrorReport,
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// Rendered (or raw) streams to plan, as one stream (`-` or none: stdin).
    pub files: Vec<PathBuf>,

    /// A handlebars template over the JSON data (strict: unknown fields are
    /// errors); overrides --output
    #[arg(long, value_name = "FILE.hbs")]
    pub template: Option<PathBuf>,

    /// Live objects (`kubectl get backends,frontends -o yaml`, a List or a
    /// stream): each node then shows stop/start/restart/update/unchanged/new/removed
    #[arg(long, value_name = "FILE")]
    pub live: Option<PathBuf>,

    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The earlier render (`-`: stdin)
    pub old: PathBuf,
    /// The later render (`-`: stdin)
    pub new: PathBuf,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// Where live objects come from: a file, or kubectl itself.
#[derive(Args, Debug, Clone)]
pub struct LiveArgs {
    /// Live objects (`kubectl get … -o yaml`: a List or a stream; `-`: stdin)
    #[arg(long, value_name = "FILE", conflicts_with = "kubectl")]
    pub live: Option<PathBuf>,
    #[command(flatten)]
    pub kubectl: KubectlArgs,
    /// kubectl namespace (default: all namespaces)
    #[arg(long, requires = "kubectl")]
    pub namespace: Option<String>,
}

/// `--kubectl [--context C]`: the objects read by kubectl itself instead
/// of from files (`status`, `verify`, `argocd check`; `approve` always
/// runs kubectl and takes only `--context`).
#[derive(Args, Debug, Clone)]
pub struct KubectlArgs {
    /// Run `kubectl get` (argv only, no shell) for the objects, instead of
    /// reading files
    #[arg(long = "kubectl", id = "kubectl")]
    pub read: bool,
    /// kubectl context
    #[arg(long, requires = "kubectl")]
    pub context: Option<String>,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Renders to check (`-`: stdin). Without files, --live or --kubectl:
    /// stdin.
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub live: LiveArgs,
    /// Print the hashed input of each mismatching node
    #[arg(short, long)]
    pub verbose: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Args, Debug)]
pub struct RevisionArgs {
    /// Streams to read (`-` or none: stdin)
    pub files: Vec<PathBuf>,
    /// Only this node key (e.g. fe1)
    #[arg(long, value_name = "KEY")]
    pub node: Option<String>,
    /// Also print the exact canonical JSON that was hashed
    #[arg(long)]
    pub show_input: bool,
    #[command(flatten)]
    pub options: RenderOptions,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// A file holding revisions ConfigMaps (rendered or live; `-`: stdin)
    pub file: PathBuf,
    /// Only this node key; prints its stored input too
    #[arg(long, value_name = "KEY")]
    pub node: Option<String>,
    /// Print every node's stored input under the table
    #[arg(long)]
    pub inputs: bool,
    #[command(flatten)]
    pub output: OutputArg,
}

#[derive(Args, Debug)]
pub struct ApproveArgs {
    /// NAMESPACE/CLUSTER: the Cluster CR's namespace and name
    pub cluster: String,
    /// The gate after this node (default: the first gate, in wave order,
    /// not approved for its rollout: where Argo CD waits)
    #[arg(long, value_name = "KEY")]
    pub gate: Option<String>,
    /// The render being rolled out: refuse unless the live gate guards the
    /// revisions the render's gate does
    #[arg(long, value_name = "FILE")]
    pub render: Option<PathBuf>,
    /// Who approves, recorded on the gate [default: $USER]
    #[arg(long, value_name = "WHO")]
    pub by: Option<String>,
    /// Show what would be approved; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// kubectl context
    #[arg(long)]
    pub context: Option<String>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    pub live: LiveArgs,
    /// The render being rolled out (`-`: stdin): each node's target is its
    /// revision there, not the live label
    #[arg(long, value_name = "FILE")]
    pub render: Option<PathBuf>,
    /// The Argo CD Application syncing them (read with kubectl from
    /// --argocd-namespace): its last sync's phase and message, and the wave
    /// a stopped sync stopped after
    #[arg(long, value_name = "NAME", requires = "kubectl")]
    pub app: Option<String>,
    /// The Application from a file instead (`kubectl get application NAME
    /// -n argocd -o yaml`)
    #[arg(long, value_name = "FILE", conflicts_with = "app")]
    pub app_file: Option<PathBuf>,
    /// Argo CD's namespace, for --app
    #[arg(long = "argocd-namespace", value_name = "NS", default_value = "argocd")]
    pub argocd_namespace: String,
    /// Follow the rollout until it ends, reading the live objects again
    /// every --interval: on a terminal one line per cluster redrawn in
    /// place, else (or with -o json) one JSON line per change. Exit 0 done,
    /// 1 Degraded or the sync stopped, 3 --timeout ran out
    #[arg(long)]
    pub watch: bool,
    /// Seconds between reads with --watch (fractions allowed)
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0, requires = "watch", value_parser = interval)]
    pub interval: f64,
    /// With --watch: stop waiting after this long (90s, 30m, 2h), exit 3
    #[arg(long, value_name = "DURATION", requires = "watch", value_parser = crate::status::watch::parse_duration)]
    pub timeout: Option<std::time::Duration>,
    #[command(flatten)]
    pub group: GroupArg,
    #[command(flatten)]
    pub output: OutputArg,
}

/// `--interval`: seconds, from 0.01 (no busy loop) to a day.
fn interval(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.01..=86_400.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "`{s}` is not a number of seconds from 0.01 to 86400"
        )),
    }
}
