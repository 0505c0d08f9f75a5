//! `cmp generate`, `cmp parameters`: the Config Management Plugin, with
//! what Argo CD's CMP server hands it read from the environment.

use crate::cli::CmpCommand;
use crate::cmp;
use crate::error::{Error, Result};

use super::Outcome;

pub fn run(command: &CmpCommand) -> Result<Outcome> {
    match command {
        CmpCommand::Generate { options, write } => {
            let opts = crate::render::Options {
                revision_configmap: !write.no_revision_configmap,
                ..options.to_options()
            };
            let out = cmp::generate(&cmp_env()?, &opts)?;
            Ok(Outcome::ok(out))
        }
        CmpCommand::Parameters => Ok(Outcome::ok(cmp::parameters(&current_dir()?).into_bytes())),
    }
}

fn current_dir() -> Result<std::path::PathBuf> {
    std::env::current_dir().map_err(|e| Error::io("cannot read the current directory", e))
}

/// What Argo CD's CMP server hands the plugin, from the environment.
fn cmp_env() -> Result<cmp::CmpEnv> {
    let var = |k: &str| std::env::var(k).ok();
    Ok(cmp::CmpEnv {
        source_dir: current_dir()?,
        app_name: var("ARGOCD_APP_NAME"),
        app_namespace: var("ARGOCD_APP_NAMESPACE"),
        source_path: var("ARGOCD_APP_SOURCE_PATH"),
        kube_version: var("KUBE_VERSION"),
        kube_api_versions: var("KUBE_API_VERSIONS"),
        parameters: var("ARGOCD_APP_PARAMETERS"),
        helm: cmp::helm_program(),
    })
}
