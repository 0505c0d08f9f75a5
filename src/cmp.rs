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
//! `release-name`, `mode`, `wave-start`, `dependencies` (`enabled` or
//! `disabled`). A string cleared in the UI arrives as `""` and means unset
//! (argo-cd `ui/.../array-input.tsx` keeps the entry with an empty string).
//! An unknown parameter is an error, so a typo is not ignored. Argo CD sends
//! no announced default to `generate` (`getPluginEnvs` sends only what the
//! Application sets): the defaults live here.

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};
use crate::json;
use crate::order::Mode;
use crate::process;
use crate::render::{self, Options, Source};
use crate::value::{self, Value};

/// What Argo CD hands the plugin, read from its environment by `main`.
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

/// The parameters, checked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parameters {
    /// `None`: not set, so the directory's `values*.yaml` (the announced
    /// default, which Argo CD does not send).
    pub values_files: Option<Vec<String>>,
    pub chart: Option<String>,
    pub release_name: Option<String>,
    pub mode: Option<Mode>,
    pub wave_start: Option<i64>,
    pub dependencies: Option<bool>,
}

/// The parameters `plugin.yaml` announces statically: (name, title,
/// tooltip). `plugin.yaml` lists the same; a test keeps them equal.
pub const STATIC: [(&str, &str, &str); 5] = [
    (
        "chart",
        "Helm chart",
        "Path of the chart in the repository, relative to the application's directory (e.g. ../../../charts/express); default: the application's directory if it has a Chart.yaml.",
    ),
    (
        "release-name",
        "Helm release name",
        "Release name for helm template; default: the Application's name.",
    ),
    (
        "mode",
        "Rollout mode",
        "upgrade (fe1, fe2, be, fe3 …) or provisioning (be, fe1, fe2 …); default: the Cluster CR's annotation, else upgrade.",
    ),
    (
        "wave-start",
        "First node's sync wave",
        "Sync wave of the first node (default 1); the Cluster CR gets one less.",
    ),
    (
        "dependencies",
        "Inject dependencies",
        "enabled (default) or disabled: disabled injects no deploymentDependencies; waves are still assigned.",
    ),
];

/// The one parameter announced dynamically (`cmp parameters`), because its
/// default depends on the directory. Argo CD concatenates dynamic and static
/// announcements without removing duplicates (`cmpserver/plugin/plugin.go`,
/// `getParametersAnnouncement`), so each parameter is announced once.
pub const DYNAMIC: (&str, &str, &str) = (
    "values-files",
    "Helm values files",
    "Values files, relative to the application's directory and inside the repository, applied in order (helm -f); default: the values*.yaml files here.",
);

/// Parses `ARGOCD_APP_PARAMETERS`.
pub fn parse_parameters(json_text: &str) -> Result<Parameters> {
    let bad = |m: String| Error::msg(format!("ARGOCD_APP_PARAMETERS: {m}"));
    let Some(v) = value::read(json_text, Default::default()).map_err(|e| bad(e.message))? else {
        return Ok(Parameters::default());
    };
    let Value::Seq(items) = v else {
        return Err(bad("must be a JSON list".into()));
    };
    let mut p = Parameters::default();
    for item in &items {
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("a parameter has no name".into()))?;
        // `None` for a field cleared in the UI (`""`).
        let string = || {
            item.get("string")
                .and_then(Value::as_str)
                .map(|v| (!v.is_empty()).then(|| v.to_string()))
                .ok_or_else(|| bad(format!("parameter {name} needs a string value")))
        };
        match name {
            "values-files" => {
                let Some(Value::Seq(files)) = item.get("array") else {
                    return Err(bad("parameter values-files needs an array value".into()));
                };
                let mut list = Vec::new();
                for f in files {
                    let f = f
                        .as_str()
                        .ok_or_else(|| bad("values-files holds a non-string".into()))?;
                    // An entry cleared in the UI.
                    if !f.is_empty() {
                        list.push(f.to_string());
                    }
                }
                // Empty (cleared) means unset, like a cleared string.
                p.values_files = (!list.is_empty()).then_some(list);
            }
            "chart" => p.chart = string()?,
            "release-name" => p.release_name = string()?,
            "mode" => {
                p.mode = match string()?.as_deref() {
                    None => None,
                    Some("upgrade") => Some(Mode::Upgrade),
                    Some("provisioning") => Some(Mode::Provisioning),
                    Some(other) => {
                        return Err(bad(format!(
                            "mode `{other}`: expected upgrade or provisioning"
                        )));
                    }
                }
            }
            "wave-start" => {
                p.wave_start = match string()? {
                    None => None,
                    Some(s) => Some(
                        s.parse()
                            .map_err(|_| bad(format!("wave-start `{s}` is not an integer")))?,
                    ),
                }
            }
            "dependencies" => {
                p.dependencies = match string()?.as_deref() {
                    None => None,
                    Some("enabled" | "true") => Some(true),
                    Some("disabled" | "false") => Some(false),
                    Some(other) => {
                        return Err(bad(format!(
                            "dependencies `{other}`: expected enabled or disabled"
                        )));
                    }
                }
            }
            other => {
                let known: Vec<&str> = std::iter::once(DYNAMIC.0)
                    .chain(STATIC.iter().map(|a| a.0))
                    .collect();
                return Err(bad(format!(
                    "unknown parameter `{other}` (known: {})",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(p)
}

/// Helm's release-name rule (helm `pkg/chart/v2/util/validate_name.go`,
/// `ValidateReleaseName`): lower-case DNS labels joined by `.`, at most 53
/// characters. Checked here too, so a name can never be read by helm as a
/// flag.
fn check_release_name(name: &str) -> Result<()> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if !name.is_empty() && name.len() <= 53 && name.split('.').all(label_ok) {
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

/// The repository's root: the working directory less the components of
/// `ARGOCD_APP_SOURCE_PATH`, when it ends with them; else the app's own
/// directory (the narrower boundary).
pub fn repository_root(env: &CmpEnv) -> Result<PathBuf> {
    let dir = env
        .source_dir
        .canonicalize()
        .map_err(|e| Error::io(format!("cannot resolve {}", env.source_dir.display()), e))?;
    let rel: Vec<Component> = Path::new(env.source_path.as_deref().unwrap_or(""))
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if rel.iter().any(|c| !matches!(c, Component::Normal(_))) {
        return Ok(dir);
    }
    let mut root = dir.as_path();
    for c in rel.iter().rev() {
        match (root.file_name(), c, root.parent()) {
            (Some(name), Component::Normal(want), Some(parent)) if name == *want => root = parent,
            _ => return Ok(dir),
        }
    }
    Ok(root.to_path_buf())
}

/// Resolves `file` (relative to `dir`, the app's directory) inside `root`,
/// refusing absolute paths and anything that resolves outside the root,
/// symbolic links included.
pub fn path_in(root: &Path, dir: &Path, file: &str, what: &str) -> Result<PathBuf> {
    let refuse = |why: &str| Error::msg(format!("{what} `{file}` refused: {why}"));
    let rel = Path::new(file);
    if file.is_empty() || rel.is_absolute() {
        return Err(refuse(
            "it must be a path relative to the application's directory",
        ));
    }
    let full = dir
        .join(rel)
        .canonicalize()
        .map_err(|e| Error::io(format!("{what} `{file}`"), e))?;
    if !full.starts_with(root) {
        return Err(refuse("it resolves outside the repository"));
    }
    Ok(full)
}

/// The chart to render, if any: the `chart` parameter, else the app's
/// directory when it has a `Chart.yaml`.
fn chart_of(env: &CmpEnv, root: &Path, p: &Parameters) -> Result<Option<PathBuf>> {
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
        let text = path.display().to_string();
        // helm reads --values as comma-separated values (a CSV record):
        // a comma, quote or line break would make it read other files.
        if text.contains([',', '"', '\n', '\r']) {
            return Err(Error::msg(format!(
                "values file `{f}` refused: helm would split its path ({text}) at a comma, quote or line break"
            )));
        }
        args.push(format!("--values={text}"));
    }
    Ok(args)
}

/// What helm says when Chart.yaml declares dependencies that are not in
/// `charts/` (helm `pkg/action/dependency.go`; what argo-cd
/// `util/helm/helm.go` `IsMissingDependencyErr` looks for).
fn missing_dependencies(stderr: &str) -> bool {
    stderr.contains("found in Chart.yaml, but missing in charts/ directory")
        || stderr.contains("found in requirements.yaml, but missing in charts")
}

/// `helm template`; when the chart's dependencies are not vendored, `helm
/// dependency build` and once more, as Argo CD does.
fn run_helm(env: &CmpEnv, chart: &Path, args: &[String]) -> Result<Vec<u8>> {
    let cwd = Some(env.source_dir.as_path());
    let stdout = match process::run(&env.helm, args, cwd)? {
        Ok(out) => out,
        Err(failed) if missing_dependencies(&failed.stderr) => {
            let build = [
                "dependency".to_string(),
                "build".into(),
                chart.display().to_string(),
            ];
            if let Err(f) = process::run(&env.helm, &build, cwd)? {
                return Err(f.into_error(
                    "the chart's dependencies are not in charts/, and helm dependency build",
                ));
            }
            process::run(&env.helm, args, cwd)?.map_err(|f| f.into_error("helm template"))?
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

/// Every symbolic link under `dir` (a chart: helm follows them) must
/// resolve inside `root`.
fn links_inside(root: &Path, dir: &Path) -> Result<()> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d)
            .map_err(|e| Error::io(format!("cannot list {}", d.display()), e))?;
        for e in rd {
            let e = e.map_err(|e| Error::io(format!("cannot list {}", d.display()), e))?;
            let path = e.path();
            let ft = e
                .file_type()
                .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
            if ft.is_symlink() {
                let ok = path.canonicalize().is_ok_and(|t| t.starts_with(root));
                if !ok {
                    return Err(Error::msg(format!(
                        "{} refused: a symbolic link that resolves outside the repository",
                        path.display()
                    )));
                }
            } else if ft.is_dir() {
                stack.push(path);
            }
        }
    }
    Ok(())
}

/// The directory's `values*.yaml` / `values*.yml`, in name order: the
/// default of `values-files`.
pub fn default_values_files(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    n.starts_with("values") && (n.ends_with(".yaml") || n.ends_with(".yml"))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// The directory's manifests, in name order; each must resolve inside
/// `root` (symbolic links included).
fn read_directory(root: &Path, dir: &Path) -> Result<Vec<Source>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("cannot list {}", dir.display()), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml" | "json")
                )
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            path_in(root, dir, name.as_deref().unwrap_or(""), "manifest")?;
            let bytes = std::fs::read(&p)
                .map_err(|e| Error::io(format!("cannot read {}", p.display()), e))?;
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(Source { name, bytes })
        })
        .collect()
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
        opts.wave_start = w;
    }
    if p.dependencies == Some(false) {
        opts.no_dependencies = true;
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
    if rendering.clusters.iter().all(|c| c.nodes.is_empty()) {
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
    let found = default_values_files(dir);
    let (name, title, tooltip) = DYNAMIC;
    let mut out = String::from("[{\"name\":");
    json::string(name, &mut out);
    out.push_str(",\"title\":");
    json::string(title, &mut out);
    out.push_str(",\"tooltip\":");
    json::string(tooltip, &mut out);
    out.push_str(",\"collectionType\":\"array\",\"array\":[");
    for (j, f) in found.iter().enumerate() {
        if j > 0 {
            out.push(',');
        }
        json::string(f, &mut out);
    }
    out.push_str("]}]\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_parse_and_unknown_ones_are_refused() {
        let p = parse_parameters(
            r#"[{"name":"values-files","array":["a.yaml","b.yaml"]},{"name":"mode","string":"provisioning"},{"name":"wave-start","string":"5"},{"name":"dependencies","string":"disabled"},{"name":"release-name","string":"acme"}]"#,
        )
        .unwrap();
        assert_eq!(p.values_files, Some(vec!["a.yaml".into(), "b.yaml".into()]));
        assert_eq!(p.mode, Some(Mode::Provisioning));
        assert_eq!(p.wave_start, Some(5));
        assert_eq!(p.dependencies, Some(false));
        let e = parse_parameters(r#"[{"name":"value-files","array":[]}]"#).unwrap_err();
        assert!(
            e.to_string().contains("unknown parameter `value-files`"),
            "{e}"
        );
        let e = parse_parameters(r#"[{"name":"wave-start","string":"1; rm -rf /"}]"#).unwrap_err();
        assert!(e.to_string().contains("not an integer"), "{e}");
    }

    #[test]
    fn a_field_cleared_in_the_ui_is_unset() {
        let p = parse_parameters(
            r#"[{"name":"mode","string":""},{"name":"wave-start","string":""},{"name":"release-name","string":""},{"name":"chart","string":""},{"name":"dependencies","string":""},{"name":"values-files","array":["",""]}]"#,
        )
        .unwrap();
        assert_eq!(p, Parameters::default());
    }

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

    #[test]
    fn files_may_be_anywhere_in_the_repository_and_nowhere_else() {
        let dir = std::env::temp_dir().join(format!("ew-cmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let repo = dir.join("repo");
        let app = repo.join("overlays/den/acme");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::create_dir_all(repo.join("charts/express")).unwrap();
        std::fs::write(app.join("values.yaml"), "a: 1\n").unwrap();
        std::fs::write(repo.join("common.yaml"), "a: 1\n").unwrap();
        std::fs::write(dir.join("secret.yaml"), "a: 1\n").unwrap();
        std::os::unix::fs::symlink(dir.join("secret.yaml"), app.join("link.yaml")).unwrap();
        let with_path = CmpEnv {
            source_dir: app.clone(),
            source_path: Some("overlays/den/acme".into()),
            ..CmpEnv::default()
        };
        let root = repository_root(&with_path).unwrap();
        assert_eq!(root, repo.canonicalize().unwrap());
        for ok in [
            "values.yaml",
            "./values.yaml",
            "../../../common.yaml",
            "../../../charts/express",
        ] {
            assert!(path_in(&root, &app, ok, "values file").is_ok(), "{ok}");
        }
        for bad in ["../../../../secret.yaml", "/etc/passwd", "link.yaml", ""] {
            let e = path_in(&root, &app, bad, "values file").unwrap_err();
            assert!(e.to_string().contains("refused"), "{bad}: {e}");
        }
        // A source path that does not match the directory: only the app's
        // own directory is inside.
        for sp in [None, Some("elsewhere/acme"), Some("../x")] {
            let narrow = CmpEnv {
                source_path: sp.map(str::to_string),
                ..with_path.clone()
            };
            let root = repository_root(&narrow).unwrap();
            assert_eq!(root, app.canonicalize().unwrap(), "{sp:?}");
            assert!(path_in(&root, &app, "../../../common.yaml", "values file").is_err());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
