//! `cmp`: the Argo CD Config Management Plugin (sidecar) commands.
//!
//! `generate` runs in the Application's source directory, inside a copy of
//! the whole repository (argo-cd `reposerver/repository/repository.go`,
//! `runConfigManagementPluginSidecars`; `cmpserver/plugin/plugin.go`,
//! `generateManifestGeneric`: the command's directory is the app path below
//! the unpacked repository). With a chart (the `chart` parameter, or a
//! `Chart.yaml` in the directory) it runs `helm template` (argv only, never
//! a shell) as Argo CD's own Helm source does (`util/helm/cmd.go`,
//! `template`): the release name, namespace, Kubernetes version, API
//! versions, `--include-crds`, and the values files of the `values-files`
//! parameter; when the chart's dependencies are not vendored, `helm
//! dependency build` and once more (`helmTemplate`, on
//! `IsMissingDependencyErr`). Without a chart it reads the directory's
//! `*.yaml`, `*.yml` and `*.json` files in name order. Then it renders
//! in-process. helm failing or printing nothing, or a render without any
//! Express node, is an error: Argo CD prunes what an empty render leaves out.
//!
//! Files named by parameters (values files, the chart) may be anywhere in
//! the repository, like the seeds' `overlays/<dc>/<tenant>/values.yaml`
//! beside `master_charts/express`; anything that resolves outside it
//! (absolute paths, `..` past the root, symbolic links, also inside the
//! chart and the directory of manifests) is refused, and so is a values
//! path helm would split (its `--values` is a comma-separated list). The root
//! is the working directory less `ARGOCD_APP_SOURCE_PATH` (the app's path in
//! the repository); when that does not match, only the app's directory.
//!
//! Parameters (`ARGOCD_APP_PARAMETERS`): `values-files` (array; default the
//! directory's `values*.yaml`, as announced), `chart`,
//! `release-name`, `mode`, `wave-start`, `clusters` (`parallel` or
//! `in-sequence`), `dependencies` (`enabled` or
//! `disabled`), `gate-after` (array of node keys). A string cleared in the UI arrives as `""` and means unset
//! (argo-cd `ui/.../array-input.tsx` keeps the entry with an empty string).
//! An unknown parameter is an error, so a typo is not ignored. Argo CD sends
//! no announced default to `generate` (`getPluginEnvs` sends only what the
//! Application sets): the defaults live here.

mod helm;
mod params;
mod repo;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::render::{self, Options, Source};

use helm::{chart_of, run_helm};
pub(crate) use helm::{check_release_name, template, values_flag};
pub use helm::{helm_args, release_name};
pub use params::{DYNAMIC, Parameters, STATIC, parse_parameters};
pub use repo::{default_values_files, path_in, repository_root};
use repo::{links_inside, read_directory};

/// What Argo CD hands the plugin, read from its environment by
/// `commands::cmp`.
#[derive(Clone, Debug, Default)]
pub struct CmpEnv {
    /// The Application's source directory (the working directory).
    pub source_dir: PathBuf,
    /// `ARGOCD_APP_NAME`.
    pub app_name: Option<String>,
    /// `ARGOCD_APP_NAMESPACE`.
    pub app_namespace: Option<String>,
    /// `ARGOCD_APP_SOURCE_PATH`: the app's directory in the repository.
    pub source_path: Option<String>,
    /// `KUBE_VERSION`.
    pub kube_version: Option<String>,
    /// `KUBE_API_VERSIONS`, comma-separated.
    pub kube_api_versions: Option<String>,
    /// `ARGOCD_APP_PARAMETERS`, JSON.
    pub parameters: Option<String>,
    /// The helm binary (`EXPRESS_WAVES_HELM`, default `helm` on PATH).
    pub helm: PathBuf,
}

/// The helm binary: `EXPRESS_WAVES_HELM`, else `helm` on PATH.
pub fn helm_program() -> PathBuf {
    std::env::var_os("EXPRESS_WAVES_HELM").map_or_else(|| "helm".into(), PathBuf::from)
}

/// `cmp generate`: the manifests for Argo CD.
pub fn generate(env: &CmpEnv, base: &Options) -> Result<Vec<u8>> {
    let p = match &env.parameters {
        Some(j) if !j.trim().is_empty() => parse_parameters(j)?,
        _ => Parameters::default(),
    };
    let mut opts = base.clone();
    if p.mode.is_some() {
        opts.mode = p.mode;
    }
    if let Some(w) = p.wave_start {
        opts.wave_start = Some(w);
    }
    if p.dependencies == Some(false) {
        opts.no_dependencies = true;
    }
    if let Some(s) = p.clusters_in_sequence {
        opts.clusters_in_sequence = Some(s);
    }
    if let Some(keys) = &p.gate_after {
        opts.gates = crate::render::Gates::After(keys.clone());
    }
    let root = repository_root(env)?;
    let sources = match chart_of(env, &root, &p)? {
        Some(chart) => {
            links_inside(&root, &env.source_dir.join(&chart))?;
            let args = helm_args(env, &root, &chart, &p)?;
            vec![Source {
                name: "helm template".into(),
                bytes: run_helm(env, &chart, &args)?,
            }]
        }
        None => {
            if p.values_files.is_some() {
                return Err(Error::msg(
                    "values-files given, but there is no chart (no Chart.yaml here and no `chart` parameter)",
                ));
            }
            if p.values_files.is_none()
                && let Some(v) = default_values_files(&env.source_dir).first()
            {
                return Err(Error::msg(format!(
                    "{v} is here but there is no chart (no Chart.yaml here and no `chart` parameter): set the `chart` parameter to the chart's path in the repository"
                )));
            }
            read_directory(&root, &env.source_dir)?
        }
    };
    let rendering = render::run(&sources, &opts)?;
    if rendering.nodes == 0 {
        return Err(Error::msg(format!(
            "the render holds no {} Backend or Frontend; refusing to hand Argo CD a stream without the Express nodes",
            opts.group
        )));
    }
    rendering.to_bytes()
}

/// `cmp parameters`: the dynamic announcement: `values-files`, defaulting
/// to the values files found in the directory.
pub fn parameters(dir: &Path) -> String {
    /// A parameter announcement (argo-cd `ParameterAnnouncement`, the JSON
    /// the dynamic command prints).
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Announcement<'a> {
        name: &'a str,
        title: &'a str,
        tooltip: &'a str,
        collection_type: &'a str,
        array: Vec<String>,
    }
    let (name, title, tooltip) = DYNAMIC;
    let announced = [Announcement {
        name,
        title,
        tooltip,
        collection_type: "array",
        array: default_values_files(dir),
    }];
    let mut out = serde_json::to_string(&announced).expect("announcements serialise");
    out.push('\n');
    out
}
