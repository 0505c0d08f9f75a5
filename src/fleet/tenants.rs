//! The tenants of a fleet: each a values file, named in the report by
//! where it is, with the flags its release gets from `helm template`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// One tenant: its name in the report, its release name and its values
/// file.
#[derive(Clone, Debug)]
pub struct Tenant {
    /// The values file's directory (or, by file name, the file less its
    /// extension) below the directory all tenants share: `den/acme`.
    pub name: String,
    pub release: String,
    pub values: PathBuf,
}

/// Where a tenant's release name comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameFrom {
    /// The values file's directory (`overlays/den/acme/values.yaml`: `acme`),
    /// what the example ApplicationSet passes as `release-name`.
    Dir,
    /// The values file's name less its extension (`tenants/acme.yaml`).
    File,
}

/// The tenants of `values`, each named as `from` says (paths as given,
/// links not followed: a tenant is where its file is). A path that is no
/// file, a release name Helm would refuse, or a file given twice is an
/// error naming it. Two tenants may share a release name (one tenant in
/// two data centres).
pub fn tenants(values: &[PathBuf], from: NameFrom) -> Result<Vec<Tenant>> {
    let mut places = Vec::with_capacity(values.len());
    for v in values {
        if !v.is_file() {
            return Err(Error::msg(format!(
                "{}: not a values file (no such file, or a directory)",
                v.display()
            )));
        }
        let abs = std::path::absolute(v)
            .map_err(|e| Error::io(format!("cannot resolve {}", v.display()), e))?;
        let place = match from {
            NameFrom::Dir => abs.parent().map(Path::to_path_buf),
            NameFrom::File => Some(abs.with_extension("")),
        }
        .filter(|p| p.file_name().is_some())
        .ok_or_else(|| {
            Error::msg(format!(
                "{}: no tenant name can be taken from it",
                v.display()
            ))
        })?;
        let release = place
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        crate::cmp::check_release_name(&release)
            .map_err(|e| Error::msg(format!("{}: {e}", v.display())))?;
        places.push((place, release, v.clone()));
    }
    // Named below the directory every tenant shares.
    let shared = places
        .iter()
        .map(|(p, ..)| p.parent().unwrap_or(p).to_path_buf())
        .reduce(|a, b| common_dir(&a, &b))
        .unwrap_or_default();
    let mut seen: BTreeMap<String, &Path> = BTreeMap::new();
    let mut out = Vec::with_capacity(places.len());
    for (place, release, v) in &places {
        let name = place
            .strip_prefix(&shared)
            .unwrap_or(place)
            .display()
            .to_string();
        if let Some(first) = seen.insert(name.clone(), v) {
            return Err(Error::msg(format!(
                "{} and {} are both tenant `{name}`",
                first.display(),
                v.display()
            )));
        }
        out.push(Tenant {
            name,
            release: release.clone(),
            values: v.clone(),
        });
    }
    Ok(out)
}

/// The deepest directory holding both `a` and `b`.
fn common_dir(a: &Path, b: &Path) -> PathBuf {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

/// The tenant's own flags to `helm template`, the same for both charts:
/// its namespace, and its values file.
pub(super) fn helm_flags(t: &Tenant) -> Result<Vec<String>> {
    let values = t.values.canonicalize().map_err(|e| {
        Error::io(
            format!("cannot read the values file {}", t.values.display()),
            e,
        )
    })?;
    let mut flags = Vec::new();
    if let Some(ns) = namespace_of(&values)? {
        flags.push(format!("--namespace={ns}"));
    }
    flags.push(crate::cmp::values_flag(
        &values,
        &t.values.display().to_string(),
    )?);
    Ok(flags)
}

/// The tenant's namespace, the values file's top-level `namespace`: what
/// the example ApplicationSet makes the Application's destination, so
/// what Argo CD passes helm (`--namespace`). A file this cannot read is
/// left to helm, which says what is wrong with it.
fn namespace_of(values: &Path) -> Result<Option<String>> {
    let text = std::fs::read_to_string(values)
        .map_err(|e| Error::io(format!("cannot read {}", values.display()), e))?;
    let v = crate::value::read(&text, Default::default()).ok().flatten();
    Ok(v.as_ref()
        .and_then(|v| v.get("namespace"))
        .and_then(crate::value::Value::as_str)
        .filter(|ns| crate::model::is_dns_label(ns))
        .map(str::to_string))
}
