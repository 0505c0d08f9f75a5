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

/// Go's `strconv.ParseBool`.
fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// `*` and `?` globbing, as Argo CD matches override keys and resource
/// exclusions (`util/glob`).
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// A resource override as Argo CD assembles it from `argocd-cm`: the
/// `resource.customizations` block, then the split keys over it
/// (`util/settings/settings.go`, `GetResourceOverrides`,
/// `appendResourceOverridesFromSplitKeys`).
#[derive(Clone, Debug, Default)]
struct Override {
    health: Option<String>,
    open_libs: bool,
}

/// Overrides by `group/Kind` key (wildcards kept), in the order read.
type Overrides = Vec<(String, Override)>;

/// The overrides, and the keys Argo CD could not load (which fail every
/// sync).
fn overrides(data: Option<&Value>) -> Result<(Overrides, Vec<String>)> {
    let mut out: Overrides = Vec::new();
    let mut bad = Vec::new();
    let get = |key: &str| data.and_then(|d| d.get(key)).and_then(Value::as_str);
    let entry = |out: &mut Overrides, key: &str| -> usize {
        match out.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                out.push((key.to_string(), Override::default()));
                out.len() - 1
            }
        }
    };
    if let Some(text) = get("resource.customizations")
        && let Value::Map(block) = parse_block(text)?
    {
        for (key, o) in &block {
            let i = entry(&mut out, key);
            out[i].1.health = o
                .get("health.lua")
                .and_then(Value::as_str)
                .map(str::to_string);
            out[i].1.open_libs = matches!(o.get("health.lua.useOpenLibs"), Some(Value::Bool(true)));
        }
    }
    if let Some(Value::Map(d)) = data {
        for (k, v) in d {
            let parts: Vec<&str> = k.splitn(4, '.').collect();
            let [_, "customizations", kind @ ("health" | "useOpenLibs"), gk] = parts[..] else {
                continue;
            };
            if parts[0] != "resource" {
                continue;
            }
            let key = match gk.rsplit_once('_') {
                Some((g, k)) => format!("{g}/{k}"),
                None => gk.to_string(),
            };
            let v = v.as_str().unwrap_or("");
            let i = entry(&mut out, &key);
            if kind == "health" {
                out[i].1.health = Some(v.to_string());
            } else {
                match parse_bool(v) {
                    Some(b) => out[i].1.open_libs = b,
                    None => bad.push(format!("{k}: `{v}` is not a boolean")),
                }
            }
        }
    }
    Ok((out, bad))
}

/// The health script Argo CD runs for `group/kind` (`util/lua/lua.go`,
/// `GetHealthScript`: the exact key, else a wildcard key that matches), and
/// whether other wildcard keys match with a different script (Argo CD then
/// picks one at random: it ranges over a map).
fn script_for<'a>(overrides: &'a Overrides, key: &str) -> (Option<&'a Override>, bool) {
    if let Some((_, o)) = overrides
        .iter()
        .find(|(k, o)| k == key && o.health.as_deref().is_some_and(|h| !h.is_empty()))
    {
        return (Some(o), false);
    }
    let matching: Vec<&Override> = overrides
        .iter()
        .filter(|(k, o)| {
            k.contains(['*', '?'])
                && glob(k, key)
                && o.health.as_deref().is_some_and(|h| !h.is_empty())
        })
        .map(|(_, o)| o)
        .collect();
    let ambiguous = matching.windows(2).any(|w| w[0].health != w[1].health);
    (matching.first().copied(), ambiguous)
}

/// A script as Argo CD runs it: line endings and surrounding blank space
/// do not change what Lua does.
fn same_script(a: &str, b: &str) -> bool {
    a.replace("\r\n", "\n").trim() == b.replace("\r\n", "\n").trim()
}

/// The health checks in `argocd-cm`, for every Express kind, and what
/// would keep Argo CD from loading them or from seeing the nodes at all.
fn check_health(cm: &Value, settings: &Settings, report: &mut Report) -> Result<()> {
    let data = cm.get("data");
    let place = place(cm);
    let (overrides, bad) = overrides(data)?;
    let install = "express-waves argocd config > health.yaml && kubectl -n argocd patch configmap argocd-cm --type merge --patch-file health.yaml";
    for b in bad {
        report.findings.push(Finding {
            severity: Severity::Breaks,
            place: place.clone(),
            check: "argocd-cm-unloadable",
            problem: b,
            why: "Argo CD cannot load its resource overrides, and every sync fails (\"Failed to load resource overrides\")".into(),
            fix: "set it to true or false".into(),
        });
    }
    for kind in KINDS {
        let key = format!("{}/{}", settings.group, kind.name());
        let (found, ambiguous) = script_for(&overrides, &key);
        let want = health::lua(kind);
        match found {
            None => report.findings.push(Finding {
                severity: Severity::Breaks,
                place: place.clone(),
                check: "health-check-missing",
                problem: format!("no health check for {key} ({})", health_key(&settings.group, kind)),
                why: "Argo CD counts a resource without a health check as done the moment it is applied: the waves do not wait for this kind".into(),
                fix: install.into(),
            }),
            Some(o) if !same_script(o.health.as_deref().unwrap_or(""), want) || ambiguous => {
                report.findings.push(Finding {
                    severity: Severity::Breaks,
                    place: place.clone(),
                    check: "health-check-stale",
                    problem: if ambiguous {
                        format!("several wildcard health checks match {key}, with different scripts")
                    } else {
                        format!(
                            "the health check for {key} is not the one this express-waves {} prints",
                            env!("CARGO_PKG_VERSION")
                        )
                    },
                    why: "a check from another version (or edited by hand) may not wait for what this version renders".into(),
                    fix: install.into(),
                })
            }
            Some(o) if o.open_libs => report.findings.push(Finding {
                severity: Severity::Warning,
                place: place.clone(),
                check: "use-open-libs",
                problem: format!("the health check for {key} runs with useOpenLibs"),
                why: "the checks need only Argo CD's sandbox (base and table); opening every library gives them os and io for nothing".into(),
                fix: format!(
                    "remove resource.customizations.useOpenLibs.{}_{} from argocd-cm",
                    settings.group,
                    kind.name()
                ),
            }),
            Some(_) => {}
        }
    }
    check_exclusions(data, settings, &place, report)?;
    Ok(())
}

/// `resource.exclusions` / `resource.inclusions` that hide the Express
/// kinds from Argo CD (`util/settings/settings.go`,
/// `FilteredResource`): it then never applies nor waits for them, and the
/// sync goes green.
fn check_exclusions(
    data: Option<&Value>,
    settings: &Settings,
    place: &str,
    report: &mut Report,
) -> Result<()> {
    let get = |key: &str| data.and_then(|d| d.get(key)).and_then(Value::as_str);
    let matches = |rule: &Value, kind: &str| {
        let any = |field: &str, text: &str| match rule.get(field) {
            Some(Value::Seq(pats)) if !pats.is_empty() => {
                pats.iter().filter_map(Value::as_str).any(|p| glob(p, text))
            }
            _ => true,
        };
        any("apiGroups", &settings.group) && any("kinds", kind)
    };
    let rules = |key: &str| -> Result<Vec<Value>> {
        Ok(match get(key) {
            Some(text) => match parse_block(text)? {
                Value::Seq(r) => r,
                _ => Vec::new(),
            },
            None => Vec::new(),
        })
    };
    let exclusions = rules("resource.exclusions")?;
    let inclusions = rules("resource.inclusions")?;
    for kind in KINDS.map(ExpressKind::name) {
        let excluded = exclusions.iter().any(|r| matches(r, kind))
            || (!inclusions.is_empty() && !inclusions.iter().any(|r| matches(r, kind)));
        if excluded {
            report.findings.push(Finding {
                severity: Severity::Breaks,
                place: place.to_string(),
                check: "resource-excluded",
                problem: format!(
                    "resource.exclusions/resource.inclusions hide {}/{kind} from Argo CD",
                    settings.group
                ),
                why: "Argo CD neither applies nor waits for an excluded kind, and the sync still goes green".into(),
                fix: format!("exclude no {} kind", settings.group),
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

/// The sources Argo CD renders (argo-cd `pkg/apis/application/v1alpha1/types.go`,
/// `GetSources`: the hydrator's dry source when there is one, else
/// `sources` when not empty, else `source`).
fn sources_of(spec: &Value) -> Vec<&Value> {
    if let Some(dry) = spec.at(&["sourceHydrator", "drySource"]) {
        return vec![dry];
    }
    match (spec.get("source"), spec.get("sources")) {
        (_, Some(Value::Seq(list))) if !list.is_empty() => list.iter().collect(),
        (Some(one), _) => vec![one],
        _ => Vec::new(),
    }
}

/// Whether a source names `plugin` (or `plugin-<version>`, the socket name
/// of a plugin.yaml with `spec.version`: `cmpserver/plugin/config.go`,
/// `Address`).
fn source_names_plugin(src: &Value, plugin: &str) -> bool {
    s(src, &["plugin", "name"]).is_some_and(|n| {
        n == plugin
            || n.strip_prefix(plugin)
                .is_some_and(|rest| rest.starts_with('-'))
    })
}

/// Whether one of the sources names `plugin`.
pub fn names_plugin(app: &Value, plugin: &str) -> bool {
    app_spec(app).is_some_and(|spec| {
        sources_of(spec)
            .iter()
            .any(|src| source_names_plugin(src, plugin))
    })
}

/// Whether the Application's status lists resources of `group`: it syncs
/// Express CRs, with or without the plugin.
pub fn manages_group(app: &Value, group: &str) -> bool {
    matches!(app.at(&["status", "resources"]), Some(Value::Seq(list))
        if list.iter().any(|r| s(r, &["group"]) == Some(group)))
}

/// The sync options of a list, as Argo CD matches them: exactly
/// (`SyncOptions.HasOption`, no trimming).
fn has_option(list: Option<&Value>, option: &str) -> bool {
    matches!(list, Some(Value::Seq(o)) if o.iter().any(|v| v.as_str() == Some(option)))
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
    if appset {
        let generator_templates = matches!(app.at(&["spec", "generators"]), Some(Value::Seq(g))
        if g.iter().any(|g| match g {
            Value::Map(m) => m.iter().any(|(_, v)| v.get("template").is_some()),
            _ => false,
        }));
        let templated = format!("{:?}", app.at(&["spec", "template"])).contains("{{");
        if app.at(&["spec", "templatePatch"]).is_some() || generator_templates || templated {
            add(
                Severity::Warning,
                "template-not-evaluated",
                "the ApplicationSet has a templatePatch, generator-level templates or templated fields, which are not evaluated here".into(),
                "they may change the sync policy or the source of the generated Applications",
                "run argocd check on the generated Applications (--kubectl --app NAME)".into(),
            );
        }
    }

    let sources = sources_of(&spec);
    if !sources
        .iter()
        .any(|src| source_names_plugin(src, &settings.plugin))
    {
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
    } else if sources.len() > 1 {
        for (n, src) in sources.iter().enumerate() {
            let only_ref =
                src.get("ref").is_some() && src.get("path").is_none() && src.get("chart").is_none();
            if !only_ref && !source_names_plugin(src, &settings.plugin) {
                add(
                    Severity::Warning,
                    "source-without-plugin",
                    format!("source {n} does not use the plugin"),
                    "every source is synced in the same operation: Express nodes it renders get no waves, no dependencies and no revision",
                    "render Express nodes only through the plugin's source".into(),
                );
            }
        }
    }

    let policy_options = spec.at(&["syncPolicy", "syncOptions"]);
    for (list, severity, when) in [
        (
            policy_options,
            Severity::Breaks,
            "spec.syncPolicy.syncOptions has",
        ),
        (
            app.at(&["operation", "sync", "syncOptions"]),
            Severity::Breaks,
            "the operation in progress has",
        ),
        (
            app.at(&[
                "status",
                "operationState",
                "operation",
                "sync",
                "syncOptions",
            ]),
            Severity::Warning,
            "the last operation had",
        ),
    ] {
        if has_option(list, "ApplyOutOfSyncOnly=true") {
            add(
                severity,
                "apply-out-of-sync-only",
                format!("{when} ApplyOutOfSyncOnly=true"),
                "in-sync resources are dropped before the next wave is chosen, even a node still Progressing or Degraded: after a Terminate or a failure the next sync starts the next node at once",
                "remove ApplyOutOfSyncOnly=true (from spec.syncPolicy.syncOptions; for a manual sync, do not tick it)".into(),
            );
        }
    }
    if has_option(policy_options, "Replace=true") {
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
            "the operation in progress is",
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

    // Automated sync (`automated: null` is off; `enabled: false` too).
    let automated = spec.at(&["syncPolicy", "automated"]).filter(|a| {
        matches!(a, Value::Map(_)) && !matches!(a.get("enabled"), Some(Value::Bool(false)))
    });
    if let Some(automated) = automated {
        // `retry` replaces the default whole (`op.Retry = *Retry`): a
        // `retry` without `limit` retries nothing.
        let limit = match spec.at(&["syncPolicy", "retry"]) {
            None | Some(Value::Null) => 5,
            Some(r) => match r.get("limit") {
                Some(Value::Int(n)) => *n as i64,
                Some(Value::Str(n)) => n.parse().unwrap_or(0),
                _ => 0,
            },
        };
        let failure = match limit {
            0 => "a Degraded node fails the sync, which is not retried: the rollout stays stopped until the next commit or a manual sync".to_string(),
            n if n < 0 => "a Degraded node fails the sync, which is retried without limit, each time from the first wave: the rollout carries on once the node recovers".to_string(),
            n => format!("a Degraded node fails the sync, which is retried up to {n} times, each from the first wave: the rollout carries on if the node recovers meanwhile"),
        };
        add(
            Severity::Warning,
            "automated-sync",
            "automated sync is on".into(),
            &format!(
                "Terminate stops this operation and the same commit is not synced again, but the next commit starts the rollout again from the first node; {failure}"
            ),
            "to stop a rollout for good: turn automated sync off (argocd app set NAME --sync-policy none) and Terminate, or revert the commit".into(),
        );
        if matches!(automated.get("selfHeal"), Some(Value::Bool(true))) {
            add(
                Severity::Warning,
                "self-heal",
                "automated sync heals itself (selfHeal: true)".into(),
                "a self-heal sync syncs only the resources that drifted (a selective sync: appcontroller.go, autoSync); the waves hold among those, but a node that did not drift and is still rolling out is not waited on",
                "turn selfHeal off, or keep hand edits off the nodes".into(),
            );
        }
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
    // Kubernetes keeps the last of duplicate names.
    let entry = match container.get("env") {
        Some(Value::Seq(env)) => env
            .iter()
            .rev()
            .find(|e| s(e, &["name"]) == Some("ARGOCD_SYNC_WAVE_DELAY")),
        _ => None,
    };
    let why = "health is read from the controller's cache this long after a wave is applied (upstream: \"not foolproof\"); the health checks also compare status.observedGeneration, so the waves hold as long as the operator sets it and the cache keeps up";
    match entry {
        Some(e) if e.get("value").is_none() => report.not_checked.push(format!(
            "{place}: ARGOCD_SYNC_WAVE_DELAY comes from valueFrom"
        )),
        None => report.findings.push(Finding {
            severity: Severity::Warning,
            place: place.clone(),
            check: "sync-wave-delay",
            problem: "ARGOCD_SYNC_WAVE_DELAY is not set (2 s)".into(),
            why: format!("{why}; on a large cluster the cache can lag more than 2 s"),
            fix: "on a large cluster set ARGOCD_SYNC_WAVE_DELAY (seconds) on the application controller, e.g. 10".into(),
        }),
        Some(e) => {
            // `delayBetweenSyncWaves`: strconv.Atoi, else the default 2.
            let text = s(e, &["value"]).unwrap_or("");
            let n = go_atoi(text).unwrap_or(2);
            if n < 2 {
                report.findings.push(Finding {
                    severity: Severity::Warning,
                    place: place.clone(),
                    check: "sync-wave-delay",
                    problem: format!("ARGOCD_SYNC_WAVE_DELAY is {n}"),
                    why: why.into(),
                    fix: "set ARGOCD_SYNC_WAVE_DELAY to 2 or more".into(),
                });
            }
        }
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

/// Go's `strconv.Atoi`: an optional sign and decimal digits, nothing else.
fn go_atoi(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
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
    fn globs_match_as_argo_cd_keys_do() {
        assert!(glob(
            "express.medallia.com/*",
            "express.medallia.com/Backend"
        ));
        assert!(glob("*.medallia.com/*end", "express.medallia.com/Frontend"));
        assert!(glob(
            "express.medallia.com/?ackend",
            "express.medallia.com/Backend"
        ));
        assert!(!glob("apps/*", "express.medallia.com/Backend"));
        assert!(!glob(
            "express.medallia.com/Backend",
            "express.medallia.com/Frontend"
        ));
    }

    fn cm(data: &str) -> Value {
        let text = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: argocd-cm}}\ndata:\n{data}"
        );
        let node = crate::yaml::read_document(&text, Default::default())
            .unwrap()
            .unwrap();
        crate::value::from_node(&node, "").unwrap()
    }

    fn settings() -> Settings {
        Settings {
            group: "express.medallia.com".into(),
            plugin: "express-waves".into(),
        }
    }

    #[test]
    fn excluded_or_not_included_express_kinds_break_the_guarantee() {
        for data in [
            "  resource.exclusions: |\n    - apiGroups: [\"*.medallia.com\"]\n      kinds: [\"*\"]\n",
            "  resource.inclusions: |\n    - apiGroups: [apps]\n      kinds: [Deployment]\n",
        ] {
            let mut r = Report::default();
            check_health(&cm(data), &settings(), &mut r).unwrap();
            let excluded = r
                .findings
                .iter()
                .filter(|f| f.check == "resource-excluded")
                .count();
            assert_eq!(excluded, 3, "{data}");
        }
        let mut r = Report::default();
        check_health(
            &cm("  resource.exclusions: |\n    - apiGroups: [apps]\n      kinds: [\"*\"]\n"),
            &settings(),
            &mut r,
        )
        .unwrap();
        assert!(r.findings.iter().all(|f| f.check != "resource-excluded"));
    }

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
