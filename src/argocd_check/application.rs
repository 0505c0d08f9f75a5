//! An Application (or an ApplicationSet's template): the plugin named by
//! its sources, its sync options and policy, and the operation it runs.

use crate::value::Value;

use super::{Finding, Report, Settings, Severity, place, s};

/// The spec of an Application, or of an ApplicationSet's template.
fn app_spec(app: &Value) -> Option<&Value> {
    if s(app, &["kind"]) == Some("ApplicationSet") {
        app.at(&["spec", "template", "spec"])
    } else {
        app.get("spec")
    }
}

/// The sources whose manifests Argo CD renders: the hydrator's dry source
/// when there is one (argo-cd `controller/hydrator/hydrator.go`,
/// `getManifests`: `GetDrySource`; the sync then applies the hydrated
/// branch), else `sources` when not empty, else `source`
/// (`pkg/apis/application/v1alpha1/types.go`, `GetSources`).
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

/// Findings about one Application, in the report.
struct Out<'r> {
    report: &'r mut Report,
    place: String,
}

impl Out<'_> {
    fn add(
        &mut self,
        severity: Severity,
        check: &'static str,
        problem: String,
        why: &str,
        fix: &str,
    ) {
        self.report.findings.push(Finding {
            severity,
            place: self.place.clone(),
            check,
            problem,
            why: why.into(),
            fix: fix.into(),
        });
    }
}

/// One Application, or an ApplicationSet's template.
pub(super) fn check(app: &Value, settings: &Settings, report: &mut Report) {
    let mut out = Out {
        report,
        place: place(app),
    };
    let spec = app_spec(app).cloned().unwrap_or(Value::Null);
    if s(app, &["kind"]) == Some("ApplicationSet") {
        templates(app, &mut out);
    }
    sources(&spec, settings, &mut out);
    options(app, &spec, &mut out);
    selective(app, &mut out);
    automated(&spec, &mut out);
}

/// Where an ApplicationSet's template may be templated without changing
/// anything these checks read: the Application's metadata and the tenant's
/// own place and values (its project, destination, its sources'
/// repository, revision, path, ref and chart name, and its plugin's
/// parameters); the plugin's name is read.
/// `*` stands for any item of a list.
const UNREAD: &[&[&str]] = &[
    &["metadata"],
    &["spec", "project"],
    &["spec", "destination"],
    &["spec", "source", "repoURL"],
    &["spec", "source", "targetRevision"],
    &["spec", "source", "path"],
    &["spec", "source", "ref"],
    &["spec", "source", "chart"],
    &["spec", "source", "plugin", "parameters"],
    &["spec", "sources", "*", "repoURL"],
    &["spec", "sources", "*", "targetRevision"],
    &["spec", "sources", "*", "path"],
    &["spec", "sources", "*", "ref"],
    &["spec", "sources", "*", "chart"],
    &["spec", "sources", "*", "plugin", "parameters"],
];

/// Whether the template `v` (at `path` in it) fills in something these
/// checks read: a templated key or string anywhere but under [`UNREAD`].
fn templated_where_checked(v: &Value, path: &mut Vec<String>) -> bool {
    if UNREAD
        .iter()
        .any(|u| u.len() == path.len() && u.iter().zip(path.iter()).all(|(a, b)| a == b))
    {
        return false;
    }
    let under = |key: &str, v: &Value, path: &mut Vec<String>| {
        path.push(key.to_string());
        let t = templated_where_checked(v, path);
        path.pop();
        t
    };
    match v {
        Value::Str(s) => s.contains("{{"),
        Value::Seq(items) => items.iter().any(|i| under("*", i, path)),
        Value::Map(entries) => entries
            .iter()
            .any(|(k, v)| k.contains("{{") || under(k, v, path)),
        _ => false,
    }
}

/// What an ApplicationSet leaves to its controller, which is not evaluated
/// here: `templatePatch`, generator-level templates, templated fields the
/// checks read.
fn templates(app: &Value, out: &mut Out<'_>) {
    let generator_templates = matches!(app.at(&["spec", "generators"]), Some(Value::Seq(g))
    if g.iter().any(|g| match g {
        Value::Map(m) => m.iter().any(|(_, v)| v.get("template").is_some()),
        _ => false,
    }));
    let patch = app.at(&["spec", "templatePatch"]).is_some();
    if patch
        || generator_templates
        || app
            .at(&["spec", "template"])
            .is_some_and(|t| templated_where_checked(t, &mut Vec::new()))
    {
        out.add(
            Severity::Warning,
            "template-not-evaluated",
            "the ApplicationSet has a templatePatch, generator-level templates or templated fields the checks read (its sync policy, its sources' plugin or tools), which are not evaluated here".into(),
            "they may change the sync policy or the source of the generated Applications",
            "run argocd check on the generated Applications (--kubectl --app NAME)",
        );
    }
}

/// The plugin named by a source; other sources that render manifests.
fn sources(spec: &Value, settings: &Settings, out: &mut Out<'_>) {
    let sources = sources_of(spec);
    if !sources
        .iter()
        .any(|src| source_names_plugin(src, &settings.plugin))
    {
        out.add(
            Severity::Breaks,
            "plugin-not-named",
            format!(
                "no source names the plugin (source.plugin.name: {})",
                settings.plugin
            ),
            "the plugin has no discover rule, so Argo CD uses it only for an Application that names it: without it nothing assigns waves",
            &format!("set spec.source.plugin.name: {}", settings.plugin),
        );
        return;
    }
    if sources.len() < 2 {
        return;
    }
    for (n, src) in sources.iter().enumerate() {
        let only_ref =
            src.get("ref").is_some() && src.get("path").is_none() && src.get("chart").is_none();
        if !only_ref && !source_names_plugin(src, &settings.plugin) {
            out.add(
                Severity::Warning,
                "source-without-plugin",
                format!("source {n} does not use the plugin"),
                "every source is synced in the same operation: Express nodes it renders get no waves, no dependencies and no revision",
                "render Express nodes only through the plugin's source",
            );
        }
    }
}

/// `ApplyOutOfSyncOnly=true` wherever Argo CD reads sync options (the
/// policy, the operation's own, the last operation's), and `Replace=true`.
fn options(app: &Value, spec: &Value, out: &mut Out<'_>) {
    let policy = spec.at(&["syncPolicy", "syncOptions"]);
    let last = [
        "status",
        "operationState",
        "operation",
        "sync",
        "syncOptions",
    ];
    for (list, severity, when) in [
        (policy, Severity::Breaks, "spec.syncPolicy.syncOptions has"),
        (
            app.at(&["operation", "sync", "syncOptions"]),
            Severity::Breaks,
            "the operation in progress has",
        ),
        (app.at(&last), Severity::Warning, "the last operation had"),
    ] {
        if has_option(list, "ApplyOutOfSyncOnly=true") {
            out.add(
                severity,
                "apply-out-of-sync-only",
                format!("{when} ApplyOutOfSyncOnly=true"),
                "in-sync resources are dropped before the next wave is chosen, even a node still Progressing or Degraded, or an approval gate still waiting: after a Terminate or a failure the next sync starts the next node at once",
                "remove ApplyOutOfSyncOnly=true (from spec.syncPolicy.syncOptions; for a manual sync, do not tick it)",
            );
        }
    }
    if has_option(policy, "Replace=true") {
        out.add(
            Severity::Warning,
            "replace",
            "syncOptions has Replace=true".into(),
            "nodes are replaced whole (kubectl replace) instead of applied: fields the operator set on them (its finalizers, for one) are dropped on every sync, and so is an approval gate's approval (it waits again)",
            "remove Replace=true (use it per resource, on kinds that need it)",
        );
    }
}

/// Selective sync: an operation (running, or the last) that names resources.
fn selective(app: &Value, out: &mut Out<'_>) {
    let last = ["status", "operationState", "operation", "sync", "resources"];
    for (path, severity, when) in [
        (
            &["operation", "sync", "resources"][..],
            Severity::Breaks,
            "the operation in progress is",
        ),
        (&last[..], Severity::Warning, "the last operation was"),
    ] {
        if matches!(app.at(path), Some(Value::Seq(r)) if !r.is_empty()) {
            out.add(
                severity,
                "selective-sync",
                format!("{when} a selective sync ({})", path.join(".")),
                "only the selected resources are synced: nodes left out are not waited on, and their waves do not hold back the selected ones",
                "sync the whole Application (argocd app sync NAME, no --resource)",
            );
        }
    }
}

/// Automated sync (`automated: null` is off; `enabled: false` too): what
/// Terminate, a failure and retries do; self-heal.
fn automated(spec: &Value, out: &mut Out<'_>) {
    let Some(automated) = spec.at(&["syncPolicy", "automated"]).filter(|a| {
        matches!(a, Value::Map(_)) && !matches!(a.get("enabled"), Some(Value::Bool(false)))
    }) else {
        return;
    };
    // `retry` replaces the default whole (`op.Retry = *Retry`): a `retry`
    // without `limit` retries nothing.
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
    out.add(
        Severity::Warning,
        "automated-sync",
        "automated sync is on".into(),
        &format!(
            "Terminate stops this operation and the same commit is not synced again, but the next commit starts the rollout again from the first node; {failure}"
        ),
        "to stop a rollout for good: turn automated sync off (argocd app set NAME --sync-policy none) and Terminate, or revert the commit",
    );
    if matches!(automated.get("selfHeal"), Some(Value::Bool(true))) {
        out.add(
            Severity::Warning,
            "self-heal",
            "automated sync heals itself (selfHeal: true)".into(),
            "a self-heal sync syncs only the resources that drifted (a selective sync: appcontroller.go, autoSync); the waves hold among those, but a node that did not drift and is still rolling out is not waited on",
            "turn selfHeal off, or keep hand edits off the nodes",
        );
    }
}

/// Whether an Application or ApplicationSet (its template) asks for
/// approval gates: a plugin parameter `gate-after` with a value, in a
/// source Argo CD renders ([`sources_of`]).
pub fn uses_gates(app: &Value) -> bool {
    let Some(spec) = app_spec(app) else {
        return false;
    };
    sources_of(spec)
        .iter()
        .any(|src| match src.at(&["plugin", "parameters"]) {
            Some(Value::Seq(params)) => params.iter().any(|p| {
                p.get("name").and_then(Value::as_str) == Some("gate-after")
                    && match p.get("array") {
                        Some(Value::Seq(keys)) => keys
                            .iter()
                            .any(|k| k.as_str().is_some_and(|k| !k.is_empty())),
                        // Templated, or some other shape: counted as asking.
                        Some(_) => true,
                        None => false,
                    }
            }),
            _ => false,
        })
}
