//! `argocd check`: reads Argo CD's own objects (Applications,
//! ApplicationSets, `argocd-cm`, optionally the application controller) and
//! reports every setting that breaks the guarantee (one node at a time, each
//! waited on until Healthy, Terminate stops the rest) or weakens it, each
//! with the reason and the fix.
//!
//! What each check rests on (argo-cd, read at 37ee0097cf85, 2026-08):
//!
//! - health checks: a custom resource without one is done as soon as it is
//!   applied (`gitops-engine/pkg/sync/sync_context.go`, `Sync`: a nil health
//!   is `OperationSucceeded`); keys `resource.customizations.health.<group>_<kind>`
//!   (`util/settings/settings.go`, `appendResourceOverridesFromSplitKeys`),
//!   or the older `resource.customizations` block.
//! - `useOpenLibs`: the checks need only the sandbox (`util/lua/lua.go`).
//! - the plugin: without `discover`, Argo CD uses a sidecar plugin only for
//!   an Application that names it (`reposerver/repository/repository.go`,
//!   `cmpSupports`).
//! - `ApplyOutOfSyncOnly=true`, selective sync: in-sync resources are never
//!   waited on (`sync_context.go`, `filterOutOfSyncTasks`; `controller/sync.go`,
//!   `WithResourcesFilter`).
//! - `Replace=true`: objects are replaced whole (`kubectl replace`/`create`),
//!   dropping what the operator set on them.
//! - automated sync: `Retry{Limit: 5}` unless the Application sets one, and
//!   the next commit starts a new sync (`controller/appcontroller.go`,
//!   `autoSync`, `alreadyAttemptedSync`).
//! - `ARGOCD_SYNC_WAVE_DELAY` (`controller/sync.go`, `delayBetweenSyncWaves`).
//! - the version: `PruneLast` is read from live objects since v2.0; prune
//!   waves are reversed since v2.11 (and v2.10.10); this project's model of
//!   the sync follows the code after both.
//!
//! Nothing is reported as clean unless it was read: no Application or no
//! `argocd-cm` in the input is an error, and what could not be checked
//! (no controller in the input) is listed as not checked.

mod application;
mod config;
mod controller;

use crate::error::{Error, Result};
use crate::model::ExpressKind;
use crate::report;
use crate::value::Value;

pub use application::{manages_group, names_plugin};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The guarantee does not hold (exit 1).
    Breaks,
    /// It holds, with a caveat an SRE must know.
    Warning,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Breaks => "breaks",
            Severity::Warning => "warning",
        }
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// `namespace/name` of the Application, or `argocd-cm`, or the
    /// controller.
    pub place: String,
    /// A stable name for the check.
    pub check: &'static str,
    pub problem: String,
    pub why: String,
    pub fix: String,
}

/// What was read and what the checks found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The Applications and ApplicationSets checked (`Kind ns/name`).
    pub checked: Vec<String>,
    pub not_checked: Vec<String>,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn breaks(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Breaks)
    }
}

/// What to check against.
#[derive(Clone, Debug)]
pub struct Settings {
    pub group: String,
    /// The plugin's name (`metadata.name` in plugin.yaml).
    pub plugin: String,
}

pub(crate) const KINDS: [ExpressKind; 3] = [
    ExpressKind::Backend,
    ExpressKind::Frontend,
    ExpressKind::Cluster,
];

pub(crate) fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    v.at(path).and_then(Value::as_str)
}

pub(crate) fn place(v: &Value) -> String {
    let ns = s(v, &["metadata", "namespace"]).unwrap_or("");
    let name = s(v, &["metadata", "name"]).unwrap_or("?");
    crate::model::qualified(ns, name)
}

/// Checks `objects` (any mix of Applications, ApplicationSets, ConfigMaps,
/// controller workloads; others are ignored).
pub fn check(objects: &[Value], settings: &Settings) -> Result<Report> {
    let kind = |o: &Value| s(o, &["kind"]).unwrap_or("").to_string();
    let apps: Vec<&Value> = objects
        .iter()
        .filter(|o| matches!(kind(o).as_str(), "Application" | "ApplicationSet"))
        .collect();
    if apps.is_empty() {
        return Err(Error::msg(
            "argocd check: no Application or ApplicationSet in the input (give its manifest, or --kubectl --app NAME)",
        ));
    }
    let cms: Vec<&Value> = objects
        .iter()
        .filter(|o| kind(o) == "ConfigMap" && s(o, &["metadata", "name"]) == Some("argocd-cm"))
        .collect();
    let cm = match cms.as_slice() {
        [cm] => *cm,
        [] => {
            return Err(Error::msg(
                "argocd check: no argocd-cm ConfigMap in the input, so the health checks cannot be checked (add `kubectl -n argocd get configmap argocd-cm -o yaml`)",
            ));
        }
        _ => {
            return Err(Error::msg(
                "argocd check: more than one argocd-cm ConfigMap in the input",
            ));
        }
    };
    let mut report = Report::default();
    let gates = apps.iter().any(|a| application::uses_gates(a));
    config::check(cm, settings, gates, &mut report)?;
    for app in apps {
        report.checked.push(format!("{} {}", kind(app), place(app)));
        application::check(app, settings, &mut report);
    }
    let params = objects.iter().find(|o| {
        kind(o) == "ConfigMap" && s(o, &["metadata", "name"]) == Some("argocd-cmd-params-cm")
    });
    let controllers: Vec<&Value> = objects
        .iter()
        .filter(|o| {
            matches!(kind(o).as_str(), "StatefulSet" | "Deployment")
                && s(o, &["metadata", "name"]) == Some("argocd-application-controller")
        })
        .collect();
    if controllers.is_empty() {
        report.not_checked.push(
            "the application controller (ARGOCD_SYNC_WAVE_DELAY, Argo CD's version): give its StatefulSet, e.g. `kubectl -n argocd get statefulset argocd-application-controller -o yaml`".into(),
        );
    }
    for c in controllers {
        controller::check(c, params, &mut report);
    }
    Ok(report)
}

/// The report as text: one block per finding, then what was checked.
pub fn text(r: &Report) -> String {
    let mut out = String::new();
    for f in &r.findings {
        out.push_str(&format!(
            "{} {}: {} [{}]\n  why: {}\n  fix: {}\n",
            f.severity.name(),
            f.place,
            f.problem,
            f.check,
            f.why,
            f.fix
        ));
    }
    if !r.findings.is_empty() {
        out.push('\n');
    }
    let breaks = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Breaks)
        .count();
    out.push_str(&format!(
        "checked argocd-cm and {}: {} break{} the guarantee, {} warning{}\n",
        r.checked.join(", "),
        breaks,
        if breaks == 1 { "s" } else { "" },
        r.findings.len() - breaks,
        if r.findings.len() - breaks == 1 {
            ""
        } else {
            "s"
        },
    ));
    for n in &r.not_checked {
        out.push_str(&format!("not checked: {n}\n"));
    }
    out
}

/// The report as JSON.
pub fn json(r: &Report) -> String {
    #[derive(serde::Serialize)]
    struct Json<'a> {
        checked: &'a [String],
        findings: &'a [Finding],
        breaks: bool,
        not_checked: &'a [String],
    }
    report::json(&Json {
        checked: &r.checked,
        findings: &r.findings,
        breaks: r.breaks(),
        not_checked: &r.not_checked,
    })
}
