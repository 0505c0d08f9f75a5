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
mod tenants;

pub use report::{json, markdown, table};
pub use tenants::{NameFrom, Tenant, tenants};

use tenants::helm_flags;

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
