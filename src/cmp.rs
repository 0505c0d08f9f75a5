//! `cmp`: the Argo CD Config Management Plugin (sidecar) commands.
//!
//! `generate` runs in the Application's source directory. With a
//! `Chart.yaml` it runs `helm template` (argv only, never a shell) with the
//! release name, namespace, Kubernetes version and API versions Argo CD
//! gives, and the values files of the `values-files` parameter; without one
//! it reads the directory's `*.yaml`, `*.yml` and `*.json` files in name
//! order. Then it renders in-process. helm failing or printing nothing, or a
//! render without any Express node, is an error: Argo CD prunes what an empty
//! render leaves out.
//!
//! Parameters (`ARGOCD_APP_PARAMETERS`): `values-files` (array),
//! `release-name`, `mode`, `wave-start`, `dependencies` (`enabled` or
//! `disabled`). An unknown parameter is an error, so a typo is not ignored.

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
    pub values_files: Vec<String>,
    pub release_name: Option<String>,
    pub mode: Option<Mode>,
    pub wave_start: Option<i64>,
    pub dependencies: Option<bool>,
}

/// The parameters announced to Argo CD's UI (`plugin.yaml` lists the same).
pub const ANNOUNCED: [(&str, &str, &str); 5] = [
    (
        "values-files",
        "Helm values files",
        "Values files inside the application's directory, applied in order (helm -f).",
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

/// Parses `ARGOCD_APP_PARAMETERS`.
pub fn parse_parameters(json_text: &str) -> Result<Parameters> {
    let bad = |m: String| Error::msg(format!("ARGOCD_APP_PARAMETERS: {m}"));
    let node =
        crate::yaml::read_document(json_text, Default::default()).map_err(|e| bad(e.message))?;
    let Some(node) = node else {
        return Ok(Parameters::default());
    };
    let v = value::from_node(&node, "").map_err(bad)?;
    let Value::Seq(items) = v else {
        return Err(bad("must be a JSON list".into()));
    };
    let mut p = Parameters::default();
    for item in &items {
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("a parameter has no name".into()))?;
        let string = || {
            item.get("string")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| bad(format!("parameter {name} needs a string value")))
        };
        match name {
            "values-files" => {
                let Some(Value::Seq(files)) = item.get("array") else {
                    return Err(bad("parameter values-files needs an array value".into()));
                };
                for f in files {
                    let f = f
                        .as_str()
                        .ok_or_else(|| bad("values-files holds a non-string".into()))?;
                    p.values_files.push(f.to_string());
                }
            }
            "release-name" => p.release_name = Some(string()?),
            "mode" => {
                p.mode = Some(match string()?.as_str() {
                    "upgrade" => Mode::Upgrade,
                    "provisioning" => Mode::Provisioning,
                    other => {
                        return Err(bad(format!(
                            "mode `{other}`: expected upgrade or provisioning"
                        )));
                    }
                })
            }
            "wave-start" => {
                let s = string()?;
                p.wave_start = Some(
                    s.parse()
                        .map_err(|_| bad(format!("wave-start `{s}` is not an integer")))?,
                );
            }
            "dependencies" => {
                p.dependencies = Some(match string()?.as_str() {
                    "enabled" | "true" => true,
                    "disabled" | "false" => false,
                    other => {
                        return Err(bad(format!(
                            "dependencies `{other}`: expected enabled or disabled"
                        )));
                    }
                })
            }
            other => {
                let known: Vec<&str> = ANNOUNCED.iter().map(|a| a.0).collect();
                return Err(bad(format!(
                    "unknown parameter `{other}` (known: {})",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(p)
}

/// Helm's release-name rule: lower-case DNS label of at most 53 characters.
/// Checked here too so a name can never be read by helm as a flag.
fn check_release_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 53
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::msg(format!(
            "release name `{name}` is not valid for Helm (lower-case DNS labels joined by '.', at most 53 characters)"
        )))
    }
}

/// Resolves a values file inside `dir`, refusing absolute paths, `..` and
/// symbolic links that lead out of it.
pub fn values_file_in(dir: &Path, file: &str) -> Result<PathBuf> {
    let refuse = |why: &str| Error::msg(format!("values file `{file}` refused: {why}"));
    let rel = Path::new(file);
    if file.is_empty() || rel.is_absolute() {
        return Err(refuse(
            "it must be a path inside the application's directory",
        ));
    }
    if rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(refuse("`..` is not allowed"));
    }
    let root = dir
        .canonicalize()
        .map_err(|e| Error::io(format!("cannot resolve {}", dir.display()), e))?;
    let full = root
        .join(rel)
        .canonicalize()
        .map_err(|e| Error::io(format!("values file `{file}`"), e))?;
    if !full.starts_with(&root) {
        return Err(refuse("it leads out of the application's directory"));
    }
    Ok(full)
}

/// The argv of `helm template` (after the program name).
pub fn helm_args(env: &CmpEnv, p: &Parameters) -> Result<Vec<String>> {
    let release = p
        .release_name
        .clone()
        .or_else(|| env.app_name.clone())
        .unwrap_or_else(|| "release".into());
    check_release_name(&release)?;
    let mut args = vec!["template".to_string(), release, ".".to_string()];
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
    for f in &p.values_files {
        let path = values_file_in(&env.source_dir, f)?;
        args.push(format!("--values={}", path.display()));
    }
    Ok(args)
}

fn run_helm(env: &CmpEnv, args: &[String]) -> Result<Vec<u8>> {
    let stdout = process::captured(&env.helm, args, Some(&env.source_dir), "helm template")?;
    if stdout.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::msg(
            "helm template printed nothing; refusing an empty render",
        ));
    }
    Ok(stdout)
}

/// The directory's manifests, in name order.
fn read_directory(dir: &Path) -> Result<Vec<Source>> {
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
    let sources = if env.source_dir.join("Chart.yaml").is_file() {
        let args = helm_args(env, &p)?;
        let bytes = run_helm(env, &args)?;
        vec![Source {
            name: "helm template".into(),
            bytes,
        }]
    } else {
        if !p.values_files.is_empty() {
            return Err(Error::msg(
                "values-files given, but the directory has no Chart.yaml",
            ));
        }
        read_directory(&env.source_dir)?
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

/// `cmp parameters`: the dynamic announcement, with the values files found
/// in the directory as the default of `values-files`.
pub fn parameters(dir: &Path) -> String {
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    n.starts_with("values") && (n.ends_with(".yaml") || n.ends_with(".yml"))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    let mut out = String::from("[");
    for (i, (name, title, tooltip)) in ANNOUNCED.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":");
        json::string(name, &mut out);
        out.push_str(",\"title\":");
        json::string(title, &mut out);
        out.push_str(",\"tooltip\":");
        json::string(tooltip, &mut out);
        if *name == "values-files" {
            out.push_str(",\"collectionType\":\"array\",\"array\":[");
            for (j, f) in found.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                json::string(f, &mut out);
            }
            out.push(']');
        }
        out.push('}');
    }
    out.push_str("]\n");
    out
}

/// `cmp discover`: the first file (in path order) under `dir` that mentions
/// `group`, or `None`. Skips `.git`, links, and files over 4 MiB.
pub fn discover(dir: &Path, group: &str) -> Option<PathBuf> {
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    let mut files = Vec::new();
    while let Some((d, depth)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let Ok(ft) = e.file_type() else { continue };
            let path = e.path();
            if ft.is_dir() && depth < 16 && e.file_name() != ".git" {
                stack.push((path, depth + 1));
            } else if ft.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    files.into_iter().find(|p| {
        let ext_ok = matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json" | "tpl")
        );
        ext_ok
            && std::fs::metadata(p).is_ok_and(|m| m.len() <= 4 << 20)
            && std::fs::read(p).is_ok_and(|b| b.windows(group.len()).any(|w| w == group.as_bytes()))
    })
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
        assert_eq!(p.values_files, ["a.yaml", "b.yaml"]);
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
    fn hostile_release_names_are_refused() {
        for name in [
            "x; rm -rf /",
            "$(id)",
            "--post-renderer=/tmp/x",
            "-x",
            "UPPER",
            "",
        ] {
            assert!(check_release_name(name).is_err(), "{name}");
        }
        check_release_name("acme-prod-1").unwrap();
    }

    #[test]
    fn values_files_stay_inside_the_directory() {
        let dir = std::env::temp_dir().join(format!("ew-cmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("app")).unwrap();
        std::fs::write(dir.join("app/values.yaml"), "a: 1\n").unwrap();
        std::fs::write(dir.join("secret.yaml"), "a: 1\n").unwrap();
        std::os::unix::fs::symlink(dir.join("secret.yaml"), dir.join("app/link.yaml")).unwrap();
        let app = dir.join("app");
        assert!(values_file_in(&app, "values.yaml").is_ok());
        assert!(values_file_in(&app, "./values.yaml").is_ok());
        for bad in [
            "../secret.yaml",
            "/etc/passwd",
            "link.yaml",
            "sub/../../secret.yaml",
            "",
        ] {
            assert!(values_file_in(&app, bad).is_err(), "{bad}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
