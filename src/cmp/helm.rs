//! Running helm as Argo CD's own Helm source does: the release name, the
//! chart, the flags, and `helm dependency build` when the chart's
//! dependencies are not vendored.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::process;

use super::repo::{default_values_files, path_in};
use super::{CmpEnv, Parameters};

/// Helm's release-name rule (helm `pkg/chart/v2/util/validate_name.go`,
/// `ValidateReleaseName`): lower-case DNS labels joined by `.`, at most 53
/// characters. Checked here too, so a name can never be read by helm as a
/// flag.
pub(crate) fn check_release_name(name: &str) -> Result<()> {
    if !name.is_empty() && name.len() <= 53 && name.split('.').all(crate::model::is_dns_label) {
        Ok(())
    } else {
        Err(Error::msg(format!(
            "release name `{name}` is not valid for Helm (lower-case DNS labels joined by '.', at most 53 characters)"
        )))
    }
}

/// The release name: the parameter, else the Application's name. For an
/// Application outside Argo CD's own namespace `ARGOCD_APP_NAME` is
/// `<namespace>_<name>` (argo-cd `pkg/apis/application/v1alpha1/types.go`,
/// `InstanceName`); Argo CD's own Helm source releases it as `<name>`
/// (`helmTemplate`: `argo.ParseInstanceName`, split at the first `_`), and
/// so does this.
pub fn release_name(env: &CmpEnv, p: &Parameters) -> String {
    if let Some(r) = &p.release_name {
        return r.clone();
    }
    match env.app_name.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => n.split_once('_').map_or(n, |(_, name)| name).to_string(),
        None => "release".into(),
    }
}

/// The chart to render, if any: the `chart` parameter, else the app's
/// directory when it has a `Chart.yaml`.
pub(super) fn chart_of(env: &CmpEnv, root: &Path, p: &Parameters) -> Result<Option<PathBuf>> {
    let Some(chart) = &p.chart else {
        return Ok(env
            .source_dir
            .join("Chart.yaml")
            .is_file()
            .then(|| PathBuf::from(".")));
    };
    let path = path_in(root, &env.source_dir, chart, "chart")?;
    if !path.join("Chart.yaml").is_file() {
        return Err(Error::msg(format!(
            "chart `{chart}` has no Chart.yaml ({})",
            path.display()
        )));
    }
    Ok(Some(path))
}

/// The argv of `helm template` of `chart` (after the program name), with
/// the flags Argo CD's own Helm source passes (`util/helm/cmd.go`,
/// `template`; `--include-crds` unless `skipCrds`).
pub fn helm_args(env: &CmpEnv, root: &Path, chart: &Path, p: &Parameters) -> Result<Vec<String>> {
    let release = release_name(env, p);
    check_release_name(&release)?;
    let mut args = vec![
        "template".to_string(),
        release,
        chart.display().to_string(),
        "--include-crds".to_string(),
    ];
    if let Some(ns) = env.app_namespace.as_deref().filter(|s| !s.is_empty()) {
        args.push(format!("--namespace={ns}"));
    }
    if let Some(v) = env.kube_version.as_deref().filter(|s| !s.is_empty()) {
        args.push(format!("--kube-version={v}"));
    }
    for api in env.kube_api_versions.as_deref().unwrap_or("").split(',') {
        if !api.trim().is_empty() {
            args.push(format!("--api-versions={}", api.trim()));
        }
    }
    let defaults;
    let files = match &p.values_files {
        Some(files) => files,
        None => {
            defaults = default_values_files(&env.source_dir);
            &defaults
        }
    };
    for f in files {
        let path = path_in(root, &env.source_dir, f, "values file")?;
        args.push(values_flag(&path, f)?);
    }
    Ok(args)
}

/// `--values=PATH` for the values file at `path` (named `shown` in
/// messages). helm reads --values as comma-separated values (a CSV
/// record): a comma, quote or line break would make it read other files
/// (helm `pkg/cmd/flags.go`, `addValueOptionsFlags`: a `StringSliceVarP`;
/// spf13/pflag `string_slice.go`, `readAsCSV`), so such a path is refused.
pub(crate) fn values_flag(path: &Path, shown: &str) -> Result<String> {
    let text = path.display().to_string();
    if text.contains([',', '"', '\n', '\r']) {
        return Err(Error::msg(format!(
            "values file `{shown}` refused: helm would split its path ({text}) at a comma, quote or line break"
        )));
    }
    Ok(format!("--values={text}"))
}

/// What helm says when Chart.yaml declares dependencies that are not in
/// `charts/` (helm `pkg/action/dependency.go`; what argo-cd
/// `util/helm/helm.go` `IsMissingDependencyErr` looks for).
fn missing_dependencies(stderr: &str) -> bool {
    stderr.contains("found in Chart.yaml, but missing in charts/ directory")
        || stderr.contains("found in requirements.yaml, but missing in charts")
}

/// `helm template` for the plugin: [`template`] in the Application's
/// directory.
pub(super) fn run_helm(env: &CmpEnv, chart: &Path, args: &[String]) -> Result<Vec<u8>> {
    // Argo CD stops the plugin at its own timeout (ARGOCD_EXEC_TIMEOUT).
    template(
        &env.helm,
        Some(env.source_dir.as_path()),
        chart,
        args,
        None,
        None,
    )
}

/// `helm template` (`args`, after the program name) run by `helm` in
/// `cwd`, each run stopped past `timeout`; when the chart's dependencies
/// are not vendored, `helm dependency build` and once more, as Argo CD
/// does. An empty render is an error. helm's warnings go to our stderr, or
/// into `kept`.
pub(crate) fn template(
    helm: &Path,
    cwd: Option<&Path>,
    chart: &Path,
    args: &[String],
    timeout: Option<std::time::Duration>,
    mut kept: Option<&mut Vec<u8>>,
) -> Result<Vec<u8>> {
    let stdout = match process::run(helm, args, cwd, timeout, kept.as_deref_mut())? {
        Ok(out) => out,
        Err(failed) if missing_dependencies(&failed.stderr) => {
            let build = [
                "dependency".to_string(),
                "build".into(),
                chart.display().to_string(),
            ];
            if let Err(f) = process::run(helm, &build, cwd, timeout, kept.as_deref_mut())? {
                return Err(f.into_error(
                    "the chart's dependencies are not in charts/, and helm dependency build",
                ));
            }
            process::run(helm, args, cwd, timeout, kept)?
                .map_err(|f| f.into_error("helm template"))?
        }
        Err(failed) => return Err(failed.into_error("helm template")),
    };
    if stdout.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::msg(
            "helm template printed nothing; refusing an empty render",
        ));
    }
    Ok(stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_release_names_are_refused() {
        for name in [
            "x; rm -rf /",
            "$(id)",
            "--post-renderer=/tmp/x",
            "-x",
            "UPPER",
            "",
            "a..b",
            ".a",
            "a.",
            "a.-b",
            &"a".repeat(54),
        ] {
            assert!(check_release_name(name).is_err(), "{name}");
        }
        for name in ["acme-prod-1", "acme.prod", "a.b-c.d9", &"a".repeat(53)] {
            check_release_name(name).unwrap();
        }
    }

    fn env(app: &str, source_path: Option<&str>) -> CmpEnv {
        CmpEnv {
            source_dir: app.into(),
            app_name: Some(app.into()),
            source_path: source_path.map(str::to_string),
            ..CmpEnv::default()
        }
    }

    #[test]
    fn release_name_strips_the_applications_namespace_as_argo_cd_does() {
        let p = Parameters::default();
        assert_eq!(release_name(&env("acme", None), &p), "acme");
        assert_eq!(release_name(&env("tenants_acme", None), &p), "acme");
        assert_eq!(release_name(&env("a_b_c", None), &p), "b_c");
        let named = Parameters {
            release_name: Some("express".into()),
            ..Parameters::default()
        };
        assert_eq!(release_name(&env("tenants_acme", None), &named), "express");
    }
}
