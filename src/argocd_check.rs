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

use crate::argocd::health_key;
use crate::error::{Error, Result};
use crate::health;
use crate::model::ExpressKind;
use crate::report;
use crate::value::Value;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq)]
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

const KINDS: [ExpressKind; 3] = [
    ExpressKind::Backend,
    ExpressKind::Frontend,
    ExpressKind::Cluster,
];

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    v.at(path).and_then(Value::as_str)
}

fn place(v: &Value) -> String {
    let ns = s(v, &["metadata", "namespace"]).unwrap_or("");
    let name = s(v, &["metadata", "name"]).unwrap_or("?");
    if ns.is_empty() {
        name.to_string()
    } else {
        format!("{ns}/{name}")
    }
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
    check_health(cm, settings, &mut report)?;
    for app in apps {
        report.checked.push(format!("{} {}", kind(app), place(app)));
        check_application(app, settings, &mut report);
    }
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
        check_controller(c, &mut report);
    }
    Ok(report)
}

/// The health checks in `argocd-cm`, for every Express kind.
fn check_health(cm: &Value, settings: &Settings, report: &mut Report) -> Result<()> {
    let data = cm.get("data");
    let get = |key: &str| data.and_then(|d| d.get(key)).and_then(Value::as_str);
    // The older form: one YAML block keyed by `group/Kind`.
    let old_block = match get("resource.customizations") {
        Some(text) => Some(parse_block(text)?),
        None => None,
    };
    let place = place(cm);
    for kind in KINDS {
        let key = health_key(&settings.group, kind);
        let old_key = format!("{}/{}", settings.group, kind.name());
        let script = get(&key).map(str::to_string).or_else(|| {
            old_block
                .as_ref()
                .and_then(|b| b.get(&old_key))
                .and_then(|o| o.get("health.lua"))
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        let want = health::lua(kind);
        match script {
            None => report.findings.push(Finding {
                severity: Severity::Breaks,
                place: place.clone(),
                check: "health-check-missing",
                problem: format!("no health check for {}/{} ({key})", settings.group, kind.name()),
                why: "Argo CD counts a resource without a health check as done the moment it is applied: the waves do not wait for this kind".into(),
                fix: "express-waves argocd config > health.yaml && kubectl -n argocd patch configmap argocd-cm --type merge --patch-file health.yaml".into(),
            }),
            Some(have) if have.trim_end() != want.trim_end() => report.findings.push(Finding {
                severity: Severity::Breaks,
                place: place.clone(),
                check: "health-check-stale",
                problem: format!(
                    "the health check for {}/{} ({key}) is not the one this express-waves {} prints",
                    settings.group,
                    kind.name(),
                    env!("CARGO_PKG_VERSION")
                ),
                why: "a check from another version (or edited by hand) may not wait for what this version renders".into(),
                fix: "express-waves argocd config > health.yaml && kubectl -n argocd patch configmap argocd-cm --type merge --patch-file health.yaml".into(),
            }),
            Some(_) => {}
        }
        let libs = format!(
            "resource.customizations.useOpenLibs.{}_{}",
            settings.group,
            kind.name()
        );
        if get(&libs).is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            report.findings.push(Finding {
                severity: Severity::Warning,
                place: place.clone(),
                check: "use-open-libs",
                problem: format!("{libs} is true"),
                why: "the checks need only Argo CD's sandbox (base and table); opening every library gives them os and io for nothing".into(),
                fix: format!("remove {libs} from argocd-cm"),
            });
        }
    }
    Ok(())
}

/// The `resource.customizations` block, read like any other YAML.
fn parse_block(text: &str) -> Result<Value> {
    let bad = |m: String| Error::msg(format!("argocd-cm resource.customizations: {m}"));
    let node = crate::yaml::read_document(text, Default::default()).map_err(|e| bad(e.message))?;
    match node {
        Some(n) => crate::value::from_node(&n, "").map_err(bad),
        None => Ok(Value::Map(Vec::new())),
    }
}

/// The spec of an Application, or of an ApplicationSet's template.
fn app_spec(app: &Value) -> Option<&Value> {
    if s(app, &["kind"]) == Some("ApplicationSet") {
        app.at(&["spec", "template", "spec"])
    } else {
        app.get("spec")
    }
}

/// Whether one of the sources names `plugin` (or `plugin-<version>`, the
/// socket name of a plugin.yaml with `spec.version`:
/// `cmpserver/plugin/config.go`, `Address`).
pub fn names_plugin(app: &Value, plugin: &str) -> bool {
    let Some(spec) = app_spec(app) else {
        return false;
    };
    let sources: Vec<&Value> = match (spec.get("source"), spec.get("sources")) {
        (_, Some(Value::Seq(list))) => list.iter().collect(),
        (Some(one), _) => vec![one],
        _ => Vec::new(),
    };
    sources.iter().any(|src| {
        s(src, &["plugin", "name"]).is_some_and(|n| {
            n == plugin
                || n.strip_prefix(plugin)
                    .is_some_and(|rest| rest.starts_with('-'))
        })
    })
}

/// One Application, or an ApplicationSet's template.
fn check_application(app: &Value, settings: &Settings, report: &mut Report) {
    let place = place(app);
    let appset = s(app, &["kind"]) == Some("ApplicationSet");
    let spec = app_spec(app).cloned().unwrap_or(Value::Null);
    let mut add = |severity, check, problem: String, why: &str, fix: String| {
        report.findings.push(Finding {
            severity,
            place: place.clone(),
            check,
            problem,
            why: why.into(),
            fix,
        });
    };
    if appset && app.at(&["spec", "templatePatch"]).is_some() {
        add(
            Severity::Warning,
            "template-patch",
            "spec.templatePatch is not evaluated here".into(),
            "it may change the sync policy or the source of the generated Applications",
            "run argocd check on the generated Applications (--kubectl --app NAME)".into(),
        );
    }

    let names_plugin = names_plugin(app, &settings.plugin);
    if !names_plugin {
        add(
            Severity::Breaks,
            "plugin-not-named",
            format!(
                "no source names the plugin (source.plugin.name: {})",
                settings.plugin
            ),
            "the plugin has no discover rule, so Argo CD uses it only for an Application that names it: without it nothing assigns waves",
            format!("set spec.source.plugin.name: {}", settings.plugin),
        );
    }

    let options: Vec<String> = match spec.at(&["syncPolicy", "syncOptions"]) {
        Some(Value::Seq(o)) => o
            .iter()
            .filter_map(Value::as_str)
            .map(|o| o.trim().to_string())
            .collect(),
        _ => Vec::new(),
    };
    if options.iter().any(|o| o == "ApplyOutOfSyncOnly=true") {
        add(
            Severity::Breaks,
            "apply-out-of-sync-only",
            "syncOptions has ApplyOutOfSyncOnly=true".into(),
            "in-sync resources are dropped before the next wave is chosen, even a node still Progressing or Degraded: after a Terminate or a failure the next sync starts the next node at once",
            "remove ApplyOutOfSyncOnly=true from spec.syncPolicy.syncOptions".into(),
        );
    }
    if options.iter().any(|o| o == "Replace=true") {
        add(
            Severity::Warning,
            "replace",
            "syncOptions has Replace=true".into(),
            "nodes are replaced whole (kubectl replace) instead of applied: fields the operator set on them (its finalizers, for one) are dropped on every sync",
            "remove Replace=true (use it per resource, on kinds that need it)".into(),
        );
    }

    // Selective sync: an operation that names resources.
    for (path, severity, when) in [
        (
            &["operation", "sync", "resources"][..],
            Severity::Breaks,
            "the operation in progress",
        ),
        (
            &["status", "operationState", "operation", "sync", "resources"][..],
            Severity::Warning,
            "the last operation was",
        ),
    ] {
        if matches!(app.at(path), Some(Value::Seq(r)) if !r.is_empty()) {
            add(
                severity,
                "selective-sync",
                format!("{when} a selective sync ({})", path.join(".")),
                "only the selected resources are synced: nodes left out are not waited on, and their waves do not hold back the selected ones",
                "sync the whole Application (argocd app sync NAME, no --resource)".into(),
            );
        }
    }

    // Automated sync: what Terminate and a failure do, and how to stop.
    let automated = spec.at(&["syncPolicy", "automated"]);
    let enabled = automated.is_some_and(|a| !matches!(a.get("enabled"), Some(Value::Bool(false))));
    if enabled {
        let limit = match spec.at(&["syncPolicy", "retry", "limit"]) {
            Some(Value::Int(n)) => *n,
            Some(Value::Str(n)) => n.parse().unwrap_or(5),
            _ => 5,
        };
        let retries = if limit < 0 {
            "retried without limit".to_string()
        } else {
            format!("retried up to {limit} times (each from the first wave)")
        };
        add(
            Severity::Warning,
            "automated-sync",
            "automated sync is on".into(),
            &format!(
                "Terminate stops this operation and the same commit is not synced again, but the next commit starts the rollout again from the first node; a Degraded node fails the sync, which is {retries}, and the rollout carries on once the node recovers"
            ),
            "to stop a rollout for good: turn automated sync off (argocd app set NAME --sync-policy none) and Terminate, or revert the commit".into(),
        );
    }
}

/// The application controller's settings.
fn check_controller(c: &Value, report: &mut Report) {
    let place = format!("{} {}", s(c, &["kind"]).unwrap_or(""), place(c));
    let containers = match c.at(&["spec", "template", "spec", "containers"]) {
        Some(Value::Seq(list)) => list.as_slice(),
        _ => &[],
    };
    let Some(container) = containers
        .iter()
        .find(|k| s(k, &["name"]) == Some("argocd-application-controller"))
        .or(containers.first())
    else {
        report
            .not_checked
            .push(format!("{place}: no container to read"));
        return;
    };
    let delay = match container.get("env") {
        Some(Value::Seq(env)) => env
            .iter()
            .find(|e| s(e, &["name"]) == Some("ARGOCD_SYNC_WAVE_DELAY"))
            .and_then(|e| s(e, &["value"]))
            .map(str::to_string),
        _ => None,
    };
    let why = "health is read from the controller's cache this long after a wave is applied (upstream: \"not foolproof\"); the health checks also compare status.observedGeneration, so the waves hold as long as the operator sets it";
    match delay.as_deref().map(|d| d.trim().parse::<i64>()) {
        None => report.findings.push(Finding {
            severity: Severity::Warning,
            place: place.clone(),
            check: "sync-wave-delay",
            problem: "ARGOCD_SYNC_WAVE_DELAY is not set (2 s)".into(),
            why: format!("{why}; on a large cluster the cache can lag more than 2 s"),
            fix: "on a large cluster set ARGOCD_SYNC_WAVE_DELAY (seconds) on the application controller, e.g. 10".into(),
        }),
        Some(Ok(n)) if n < 2 => report.findings.push(Finding {
            severity: Severity::Warning,
            place: place.clone(),
            check: "sync-wave-delay",
            problem: format!("ARGOCD_SYNC_WAVE_DELAY is {n}"),
            why: why.into(),
            fix: "set ARGOCD_SYNC_WAVE_DELAY to 2 or more".into(),
        }),
        _ => {}
    }
    let image = s(container, &["image"]).unwrap_or("");
    match version_of(image) {
        Some(v) if v < (2, 0, 0) => report.findings.push(Finding {
            severity: Severity::Breaks,
            place,
            check: "argocd-version",
            problem: format!("Argo CD {}.{}.{} ({image})", v.0, v.1, v.2),
            why: "before v2.0 Argo CD does not read PruneLast from a resource: a removed node is deleted in the wave where another node restarts".into(),
            fix: "upgrade Argo CD to v2.11 or later".into(),
        }),
        Some(v) if v < (2, 11, 0) && !(v.0 == 2 && v.1 == 10 && v.2 >= 10) => {
            report.findings.push(Finding {
                severity: Severity::Warning,
                place,
                check: "argocd-version",
                problem: format!("Argo CD {}.{}.{} ({image})", v.0, v.1, v.2),
                why: "express-waves is modelled and tested against Argo CD's sync from v2.11 (prune waves reversed, deletions waited for)".into(),
                fix: "upgrade Argo CD to v2.11 or later".into(),
            })
        }
        Some(_) => {}
        None => report.not_checked.push(format!(
            "Argo CD's version: the image `{image}` has no vX.Y.Z tag"
        )),
    }
}

/// `vX.Y.Z` from an image reference's tag.
fn version_of(image: &str) -> Option<(u32, u32, u32)> {
    let name = image.split('@').next()?;
    let last = name.rsplit('/').next()?;
    let tag = last.rsplit_once(':')?.1;
    let core = tag.strip_prefix('v')?.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
    let v = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(v)
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
    let findings: Vec<serde_json::Value> = r
        .findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "severity": f.severity.name(),
                "place": f.place,
                "check": f.check,
                "problem": f.problem,
                "why": f.why,
                "fix": f.fix,
            })
        })
        .collect();
    report::json(&serde_json::json!({
        "checked": r.checked,
        "findings": findings,
        "breaks": r.breaks(),
        "not_checked": r.not_checked,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_come_from_image_tags() {
        assert_eq!(
            version_of("quay.io/argoproj/argocd:v2.10.9"),
            Some((2, 10, 9))
        );
        assert_eq!(
            version_of("quay.io/argoproj/argocd:v3.1.0-rc2"),
            Some((3, 1, 0))
        );
        assert_eq!(
            version_of("registry:5000/argocd:v2.11.3@sha256:ab"),
            Some((2, 11, 3))
        );
        assert_eq!(version_of("quay.io/argoproj/argocd:latest"), None);
        assert_eq!(version_of("argocd"), None);
    }
}
