//! `fleet plan`: what a change to the shared chart does to every tenant,
//! before it is merged.
//!
//! Each tenant is a values file. Its release is rendered with `helm
//! template` (argv only, the flags `cmp generate` passes, the namespace
//! the values file's `namespace`, as the example ApplicationSet's
//! destination) for the new chart
//! and, when given, the old one, and each render is read as `render` reads
//! it; the two are compared as `diff` compares them, or, without an old
//! chart, the new render against the tenant's live objects
//! (`--live-dir/<release>.yaml`). Per tenant: the nodes that restart,
//! start, stop, are new or removed, and the fields of their hashed inputs
//! that change; with live objects, the deadlocks and early deletions `plan
//! --live` warns about; and every node whose health check is ignored. In
//! total, each changed field with how many nodes in how many tenants.
//!
//! A tenant whose render fails is reported with its error, and the others
//! are not hidden. Tenants are planned on a bounded pool of threads, in any
//! order; the report is in the order the tenants were given.

mod report;

pub use report::{json, markdown, table};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use crate::diff::{Side, What};
use crate::error::{Error, Result};
use crate::input::Source;
use crate::live::{self, Live};
use crate::render::{self, Analysis};

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

/// How tenants are rendered and compared.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The charts, as absolute paths (helm runs with no working directory
    /// of the tenant's).
    pub chart: PathBuf,
    pub old_chart: Option<PathBuf>,
    pub helm: PathBuf,
    pub live_dir: Option<PathBuf>,
    /// How long one helm run may take.
    pub helm_timeout: std::time::Duration,
    pub render: render::Options,
}

/// What a chart change does to one tenant.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantPlan {
    pub tenant: String,
    pub release: String,
    pub values: String,
    /// Node names, per what happens to them.
    pub restart: Vec<String>,
    pub start: Vec<String>,
    pub stop: Vec<String>,
    pub new: Vec<String>,
    pub removed: Vec<String>,
    /// The fields of the hashed inputs that change, as JSON pointers, each
    /// with the nodes it changes on.
    pub fields: BTreeMap<String, usize>,
    /// Deadlocks and early deletions (with live objects), and nodes whose
    /// health check is ignored.
    pub warnings: Vec<String>,
    /// Why the tenant could not be planned; nothing else is then known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A field of the hashed input that changes across the fleet.
#[derive(Clone, Debug, Serialize)]
pub struct Field {
    pub pointer: String,
    pub nodes: usize,
    pub tenants: usize,
}

/// The fleet's totals.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    pub tenants: usize,
    pub failed: usize,
    pub restart: usize,
    pub start: usize,
    pub stop: usize,
    pub new: usize,
    pub removed: usize,
}

/// What a chart change does to the fleet.
#[derive(Clone, Debug, Serialize)]
pub struct FleetPlan {
    pub tenants: Vec<TenantPlan>,
    /// Most nodes first.
    pub fields: Vec<Field>,
    pub totals: Totals,
}

impl FleetPlan {
    /// `fleet plan`'s exit code: 2 when a tenant failed, 1 when a node
    /// restarts, starts, stops, appears or goes, else 0 (as `diff`).
    pub fn exit_code(&self) -> u8 {
        let t = &self.totals;
        if t.failed > 0 {
            2
        } else if t.restart + t.start + t.stop + t.new + t.removed > 0 {
            1
        } else {
            0
        }
    }
}

/// Plans every tenant on `jobs` threads, calling `progress(done, failed)`
/// after each; the report keeps the tenants' order.
pub fn plan(
    tenants: &[Tenant],
    settings: &Settings,
    jobs: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> FleetPlan {
    let next = AtomicUsize::new(0);
    let done = Mutex::new((0usize, 0usize));
    let slots: Vec<Mutex<Option<TenantPlan>>> = tenants.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, tenants.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(t) = tenants.get(i) else { break };
                    let p = plan_tenant(t, settings);
                    let failed = p.error.is_some();
                    *slots[i].lock().expect("no thread panics holding it") = Some(p);
                    let mut d = done.lock().expect("no thread panics holding it");
                    d.0 += 1;
                    d.1 += usize::from(failed);
                    progress(d.0, d.1);
                }
            });
        }
    });
    let plans = slots
        .into_iter()
        .map(|s| {
            s.into_inner()
                .expect("no thread panics holding it")
                .expect("every tenant is planned")
        })
        .collect();
    aggregate(plans)
}

/// One tenant's plan; an error is kept in it.
fn plan_tenant(t: &Tenant, s: &Settings) -> TenantPlan {
    let mut p = TenantPlan {
        tenant: t.name.clone(),
        release: t.release.clone(),
        values: t.values.display().to_string(),
        ..TenantPlan::default()
    };
    if let Err(e) = compare(t, s, &mut p) {
        p = TenantPlan {
            tenant: p.tenant,
            release: p.release,
            values: p.values,
            error: Some(e.chain()),
            ..TenantPlan::default()
        };
    }
    p
}

/// Renders the tenant with the new chart and compares it with the old
/// chart's render, else its live objects, else nothing.
fn compare(t: &Tenant, s: &Settings, p: &mut TenantPlan) -> Result<()> {
    let flags = helm_flags(t)?;
    let new = analyse(t, &flags, &s.chart, s, &mut p.warnings)?;
    let live = match &s.live_dir {
        Some(dir) => {
            let file = dir.join(format!("{}.yaml", t.release));
            match file.is_file() {
                true => Some(Live::new(
                    live::read_file(&file, &mut std::io::empty())?,
                    &s.render.group,
                )),
                false => {
                    p.warnings.push(format!(
                        "no live objects ({} is not there): {}",
                        file.display(),
                        match s.old_chart {
                            Some(_) => "no deadlock checked",
                            None => "every node is counted new",
                        }
                    ));
                    None
                }
            }
        }
        None => None,
    };
    let old = match (&s.old_chart, &live) {
        (Some(chart), _) => Side::of_render(&analyse(t, &flags, chart, s, &mut p.warnings)?),
        (None, Some(live)) => Side::of_live(live),
        (None, None) => Side::default(),
    };
    for d in crate::diff::diff(&old, &Side::of_render(&new)) {
        let name = format!("{}-{}", d.cluster, d.key);
        match d.what() {
            What::Restart => p.restart.push(name),
            What::Start => p.start.push(name),
            What::Stop => p.stop.push(name),
            What::New => p.new.push(name),
            What::Removed => p.removed.push(name),
            What::ChangedWhileDown | What::SameRevision => {}
        }
        for c in d.changes {
            *p.fields.entry(c.pointer).or_default() += 1;
        }
    }
    p.warnings
        .extend(crate::plan::warnings(&new, live.as_ref()));
    Ok(())
}

/// `helm template` of the tenant with `chart`, read as `render` reads it;
/// a render without any Express node is an error (a failed chart, not an
/// empty tenant). helm's warnings go to `helm_warnings`.
fn analyse(
    t: &Tenant,
    flags: &[String],
    chart: &Path,
    s: &Settings,
    helm_warnings: &mut Vec<String>,
) -> Result<Analysis> {
    let mut args = vec![
        "template".to_string(),
        t.release.clone(),
        chart.display().to_string(),
        "--include-crds".to_string(),
    ];
    args.extend(flags.iter().cloned());
    // helm's warnings, kept with the tenant (tenants run side by side).
    let mut warnings = Vec::new();
    let bytes = crate::cmp::template(
        &s.helm,
        None,
        chart,
        &args,
        Some(s.helm_timeout),
        Some(&mut warnings),
    )?;
    for line in String::from_utf8_lossy(&warnings)
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        helm_warnings.push(format!("helm ({}): {line}", chart.display()));
    }
    if bytes.len() > s.render.max_input_bytes {
        return Err(Error::msg(format!(
            "helm printed {} bytes, over the limit of {} (--max-input-bytes)",
            bytes.len(),
            s.render.max_input_bytes
        )));
    }
    let sources = [Source {
        name: format!("helm template {} {}", t.release, chart.display()),
        bytes,
    }];
    let analysis = render::analyse(&sources, &s.render)?;
    if analysis.nodes() == 0 {
        return Err(Error::msg(format!(
            "the render of {} holds no {} Backend or Frontend",
            chart.display(),
            s.render.group
        )));
    }
    Ok(analysis)
}

/// The tenant's own flags to `helm template`, the same for both charts:
/// its namespace, and its values file.
fn helm_flags(t: &Tenant) -> Result<Vec<String>> {
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

/// The fleet's plan from its tenants' plans.
fn aggregate(tenants: Vec<TenantPlan>) -> FleetPlan {
    let mut fields: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut totals = Totals {
        tenants: tenants.len(),
        ..Totals::default()
    };
    for t in &tenants {
        totals.failed += usize::from(t.error.is_some());
        totals.restart += t.restart.len();
        totals.start += t.start.len();
        totals.stop += t.stop.len();
        totals.new += t.new.len();
        totals.removed += t.removed.len();
        for (pointer, nodes) in &t.fields {
            let f = fields.entry(pointer).or_default();
            f.0 += nodes;
            f.1 += 1;
        }
    }
    let mut fields: Vec<Field> = fields
        .into_iter()
        .map(|(pointer, (nodes, tenants))| Field {
            pointer: pointer.to_string(),
            nodes,
            tenants,
        })
        .collect();
    fields.sort_by(|a, b| {
        b.nodes
            .cmp(&a.nodes)
            .then_with(|| a.pointer.cmp(&b.pointer))
    });
    FleetPlan {
        tenants,
        fields,
        totals,
    }
}
