//! The repository as the plugin sees it (Argo CD's copy, the app's
//! directory below its root): which files parameters may name, the default
//! values files, a directory of manifests.

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};
use crate::render::Source;

use super::CmpEnv;

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

/// Every symbolic link under `dir` (a chart: helm follows them) must
/// resolve inside `root`.
pub(super) fn links_inside(root: &Path, dir: &Path) -> Result<()> {
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
pub(super) fn read_directory(root: &Path, dir: &Path) -> Result<Vec<Source>> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
