//! The arguments of the commands Argo CD runs or is set up with: the
//! Config Management Plugin's (`cmp`) and `argocd` (its health checks, the
//! Gate's CRD, the check of its settings).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{GroupArg, KubectlArgs, OutputArg, RenderOptions, WriteOptions};

#[derive(Subcommand, Debug)]
pub enum CmpCommand {
    /// Render the Application in the current directory (helm template of the
    /// `chart` parameter or of a Chart.yaml here, else its
    /// *.yaml/*.yml/*.json), then render.
    ///
    /// Reads ARGOCD_APP_NAME, ARGOCD_APP_NAMESPACE, ARGOCD_APP_SOURCE_PATH,
    /// KUBE_VERSION, KUBE_API_VERSIONS, ARGOCD_APP_PARAMETERS; the helm
    /// binary is EXPRESS_WAVES_HELM or `helm` on PATH.
    ///
    /// Example: ARGOCD_APP_NAME=acme ARGOCD_APP_NAMESPACE=t1 express-waves cmp generate
    Generate {
        #[command(flatten)]
        options: RenderOptions,
        #[command(flatten)]
        write: WriteOptions,
    },
    /// Print the dynamic parameter announcement for Argo CD's UI (JSON):
    /// `values-files`, defaulting to the values*.yaml files found here.
    ///
    /// Example: cd app && express-waves cmp parameters
    Parameters,
}

#[derive(Subcommand, Debug)]
pub enum ArgocdCommand {
    /// Print the Lua health check of a kind (all four when no --kind: the
    /// Express kinds and the approval Gate).
    ///
    /// Example: express-waves argocd health --kind Frontend
    Health {
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        #[command(flatten)]
        group: GroupArg,
    },
    /// Print an argocd-cm ConfigMap holding the health checks, to merge
    /// into Argo CD's.
    ///
    /// Example: express-waves argocd config > health.yaml &&
    ///   kubectl -n argocd patch configmap argocd-cm --type merge --patch-file health.yaml
    Config {
        /// Namespace of Argo CD
        #[arg(long, default_value = "argocd")]
        namespace: String,
        #[command(flatten)]
        group: GroupArg,
    },
    /// Print the CustomResourceDefinition of the approval Gate (`render
    /// --gate-after`), to install once per Kubernetes cluster.
    ///
    /// Example: express-waves argocd crd | kubectl apply -f -
    Crd,
    /// Check Argo CD's settings against the guarantee: the plugin named,
    /// the health checks installed and current, no ApplyOutOfSyncOnly, no
    /// selective sync, what automated sync and retries do. Exit 0: nothing
    /// breaks the guarantee; 1: something does; 2: error.
    ///
    /// Example: kubectl -n argocd get application acme configmap/argocd-cm -o yaml | express-waves argocd check -
    Check(CheckArgs),
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Applications, ApplicationSets, the argocd-cm ConfigMap and
    /// (optionally) the argocd-application-controller StatefulSet, in any
    /// files or streams, `kubectl get -o yaml` Lists included (`-`: stdin)
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub kubectl: KubectlArgs,
    /// Argo CD's namespace, where --kubectl reads them
    #[arg(long = "argocd-namespace", value_name = "NS", default_value = "argocd")]
    pub argocd_namespace: String,
    /// An Application to check (with --kubectl; repeatable); without it,
    /// --kubectl reads every Application and ApplicationSet that names the
    /// plugin
    #[arg(long = "app", value_name = "NAME", requires = "kubectl")]
    pub apps: Vec<String>,
    #[command(flatten)]
    pub group: GroupArg,
    /// The plugin's name (metadata.name in plugin.yaml)
    #[arg(long, default_value = "express-waves")]
    pub plugin: String,
    #[command(flatten)]
    pub output: OutputArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    #[value(name = "Backend", alias = "backend")]
    Backend,
    #[value(name = "Frontend", alias = "frontend")]
    Frontend,
    #[value(name = "Cluster", alias = "cluster")]
    Cluster,
    /// The approval gate (`waves.express.medallia.com`)
    #[value(name = "Gate", alias = "gate")]
    Gate,
}

impl KindArg {
    pub fn checked(self) -> crate::argocd::Checked {
        use crate::argocd::Checked;
        use crate::model::ExpressKind;
        match self {
            KindArg::Backend => Checked::Express(ExpressKind::Backend),
            KindArg::Frontend => Checked::Express(ExpressKind::Frontend),
            KindArg::Cluster => Checked::Express(ExpressKind::Cluster),
            KindArg::Gate => Checked::Gate,
        }
    }
}
