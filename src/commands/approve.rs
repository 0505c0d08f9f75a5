//! `approve NS/CLUSTER`: approves the rollout waiting at an approval gate
//! ([`crate::gate`]). Reads the cluster's live gates with kubectl, picks
//! the gate (`--gate KEY`, else the first in wave order not approved for
//! its rollout: where Argo CD waits), refuses when `--render`'s gate guards
//! other revisions, shows what it approves, then annotates it with kubectl
//! (argv only, no shell; `--resource-version`, so a gate changed since it
//! was read is not approved: kubectl `pkg/cmd/annotate/annotate.go`, the
//! flag: "if non-empty, the annotation update will only succeed if this is
//! the current resource-version", so an empty one is refused here).
//! Exit 0 approved (or shown, `--dry-run`), 1 nothing waits for approval,
//! 2 error or refused.

use crate::cli::ApproveArgs;
use crate::error::{Error, Result};
use crate::gate::{self, Gate};
use crate::live::Kubectl;
use crate::value::Value;

use super::{Context, Outcome, read_inputs};

mod report;

use report::{Approved, GateReport, Report};

/// A live gate: what it says, its name and wave as Argo CD reads them, who
/// approved its rollout (if anyone), and its resourceVersion.
struct LiveGate {
    gate: Gate,
    name: String,
    wave: i64,
    approved_by: Option<String>,
    resource_version: String,
}

pub fn run(args: &ApproveArgs, ctx: &mut Context<'_>) -> Result<Outcome> {
    let (namespace, cluster) = args
        .cluster
        .split_once('/')
        .filter(|(n, c)| !n.is_empty() && !c.is_empty() && !c.contains('/'))
        .ok_or_else(|| {
            Error::msg(format!(
                "approve: `{}` is not NAMESPACE/CLUSTER (the Cluster CR's namespace and name)",
                args.cluster
            ))
        })?;
    let rendered = match &args.render {
        Some(path) => Some(rendered_gates(ctx, args, path, namespace, cluster)?),
        None => None,
    };
    let k = Kubectl::from_env(args.context.clone(), Some(namespace.to_string()));
    let (live, foreign) = live_gates(&k, namespace, cluster, rendered.as_deref())?;
    // Approved, with a render: for the render's rollout (a live gate
    // still the last rollout's, approved then, is not this one's).
    let approved = |l: &LiveGate| {
        l.approved_by.is_some()
            && rendered.as_ref().is_none_or(|r| {
                r.iter()
                    .any(|g| g.after == l.gate.after && g.rollout == l.gate.rollout)
            })
    };
    let json = args.report.output.format.is_json("approve")?;
    let report = |result, gate| Report {
        namespace,
        cluster,
        result,
        gate,
        already: live
            .iter()
            .filter(|l| approved(l))
            .map(Approved::of)
            .collect(),
        others: foreign.iter().map(Foreign::describe).collect(),
    };
    let chosen = match choose(&live, args.gate.as_deref(), &approved, namespace, cluster)? {
        Some(l) => l,
        None => {
            return Ok(Outcome::found(
                report("nothing-waits", None).print(json),
                true,
            ));
        }
    };
    if let Some(rendered) = &rendered {
        check_render(namespace, &chosen.gate, rendered)?;
    }
    if chosen.approved_by.is_some() {
        return Ok(Outcome::found(
            report("nothing-waits", None).print(json),
            true,
        ));
    }
    let by = args
        .by
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .filter(|b| !b.is_empty());
    if args.dry_run {
        let shown = GateReport::of(chosen, None);
        return Ok(Outcome::ok(report("dry-run", Some(shown)).print(json)));
    }
    annotate(
        &k,
        args.context.as_deref(),
        namespace,
        chosen,
        by.as_deref(),
    )?;
    let shown = GateReport::of(chosen, by.as_deref());
    Ok(Outcome::ok(report("approved", Some(shown)).print(json)))
}

/// The cluster's live gates, in wave order as Argo CD reaches them: only
/// express-waves' gates of this namespace (what else kubectl printed is
/// not approved), each checked for what approving needs; with a render,
/// only the render's (a gate an earlier render wrote, not pruned yet, is
/// not where Argo CD waits). And the other gates that hold the cluster's
/// rollout as `status` shows them ([`gate::holds`]), not Healthy: one not
/// written by express-waves for this cluster, which approve does not
/// approve, and says so.
fn live_gates(
    k: &Kubectl,
    namespace: &str,
    cluster: &str,
    rendered: Option<&[Gate]>,
) -> Result<(Vec<LiveGate>, Vec<Foreign>)> {
    // Every gate of the namespace: one that names no cluster holds this
    // one's rollout too.
    let list = k.get(&k.get_args(&[gate::RESOURCE], &[]))?;
    let mut live = Vec::new();
    let mut foreign = Vec::new();
    for obj in list
        .iter()
        .filter(|o| gate::is_gate(o) && gate::holds(o, namespace, cluster))
    {
        let name = obj.str_at(&["metadata", "name"]);
        // express-waves' gate of this cluster: approved here, or refused if
        // broken.
        if !gate::written_for(obj, cluster) {
            let health = gate::health(obj);
            if health.status != crate::health::Status::Healthy {
                foreign.push(Foreign {
                    name: name.to_string(),
                    health,
                });
            }
            continue;
        }
        live.push(approvable(obj, namespace, cluster)?);
    }
    live.sort_by_key(|l| l.wave);
    if let Some(rendered) = rendered {
        keep_the_renders(&mut live, rendered, namespace, cluster)?;
    }
    if live.is_empty() {
        let held = foreign
            .iter()
            .map(|f| format!("; it is held by {}", f.describe()))
            .collect::<String>();
        return Err(Error::msg(format!(
            "approve: cluster {namespace}/{cluster} has no live gate of express-waves (was it rendered with --gate-after, and has Argo CD applied it yet?){held}"
        )));
    }
    Ok((live, foreign))
}

/// express-waves' live gate `obj` of `cluster`, checked for what approving
/// it needs: a spec that names the cluster its label does, not Degraded,
/// and a resourceVersion to approve it at.
fn approvable(obj: &Value, namespace: &str, cluster: &str) -> Result<LiveGate> {
    let name = obj.str_at(&["metadata", "name"]);
    let g = Gate::from_value(obj)
        .map_err(|m| Error::msg(format!("approve: gate {namespace}/{name}: {m}")))?;
    if g.cluster != cluster {
        return Err(Error::msg(format!(
            "approve: gate {namespace}/{name} is labelled for cluster {cluster} but its spec names `{}`: refusing to approve a gate that says two things",
            g.cluster
        )));
    }
    let health = gate::health(obj);
    if health.status == crate::health::Status::Degraded {
        return Err(Error::msg(format!(
            "approve: gate {namespace}/{name} is Degraded ({}): nothing to approve",
            health.message
        )));
    }
    let resource_version = obj.str_at(&["metadata", "resourceVersion"]);
    if resource_version.is_empty() {
        return Err(Error::msg(format!(
            "approve: gate {namespace}/{name} has no metadata.resourceVersion (not read from the API server?): refusing to approve what may have changed since"
        )));
    }
    Ok(LiveGate {
        approved_by: gate::approved_by(obj),
        resource_version: resource_version.to_string(),
        wave: gate::wave_of(obj),
        name: name.to_string(),
        gate: g,
    })
}

/// Only the live gates the render has (one an earlier render wrote, not
/// pruned yet, is not where Argo CD waits); a render with none, or none of
/// whose gates is live yet, is refused.
fn keep_the_renders(
    live: &mut Vec<LiveGate>,
    rendered: &[Gate],
    namespace: &str,
    cluster: &str,
) -> Result<()> {
    if rendered.is_empty() {
        return Err(Error::msg(format!(
            "approve: the render has no approval gate in {namespace}/{cluster} (rendered without --gate-after?)"
        )));
    }
    let before = live.len();
    live.retain(|l| rendered.iter().any(|r| r.after == l.gate.after));
    if live.is_empty() && before > 0 {
        let afters: Vec<&str> = rendered.iter().map(|r| r.after.as_str()).collect();
        return Err(Error::msg(format!(
            "approve: none of the render's gates in {namespace}/{cluster} (after {}) is live yet: Argo CD has not applied them",
            afters.join(", after ")
        )));
    }
    Ok(())
}

/// A gate that holds the cluster's rollout but is not one express-waves
/// wrote for it.
struct Foreign {
    name: String,
    health: crate::health::Health,
}

impl Foreign {
    fn describe(&self) -> String {
        format!(
            "gate {}, not one express-waves wrote for this cluster ({}: {}), which approve does not approve: remove it, or approve it as its author means",
            self.name,
            self.health.status.name(),
            self.health.message
        )
    }
}

/// The gate to approve: the one after `key`, else the first not
/// `approved` (where Argo CD waits); `None` when every gate is.
fn choose<'l>(
    live: &'l [LiveGate],
    key: Option<&str>,
    approved: &dyn Fn(&LiveGate) -> bool,
    namespace: &str,
    cluster: &str,
) -> Result<Option<&'l LiveGate>> {
    match key {
        Some(key) => live
            .iter()
            .find(|l| l.gate.after == key)
            .map(Some)
            .ok_or_else(|| {
                let afters: Vec<&str> = live.iter().map(|l| l.gate.after.as_str()).collect();
                Error::msg(format!(
                    "approve: cluster {namespace}/{cluster} has no gate after {key} (its gates: after {})",
                    afters.join(", after ")
                ))
            }),
        None => Ok(live.iter().find(|l| !approved(l))),
    }
}

/// `kubectl annotate` of the live gate with its rollout, on the condition
/// that it is still the object read (`--resource-version`).
fn annotate(
    k: &Kubectl,
    context: Option<&str>,
    namespace: &str,
    chosen: &LiveGate,
    by: Option<&str>,
) -> Result<()> {
    let mut argv = vec![
        "annotate".to_string(),
        gate::RESOURCE.to_string(),
        chosen.name.clone(),
        "--overwrite".into(),
        format!("--resource-version={}", chosen.resource_version),
        format!("{}={}", gate::ANN_APPROVED, chosen.gate.rollout),
        format!("{}={}", gate::ANN_APPROVED_BY, by.unwrap_or("")),
        format!("--namespace={namespace}"),
    ];
    if let Some(c) = context {
        argv.push(format!("--context={c}"));
    }
    let what = format!("kubectl {}", argv.join(" "));
    crate::process::run(&k.program, &argv, None, None, None)?.map_err(|f| f.into_error(&what))?;
    Ok(())
}

/// `--render`'s gates of the cluster.
fn rendered_gates(
    ctx: &mut Context<'_>,
    args: &ApproveArgs,
    path: &std::path::Path,
    namespace: &str,
    cluster: &str,
) -> Result<Vec<Gate>> {
    let opts = args.report.options.to_options();
    let sources = read_inputs(ctx, std::slice::from_ref(&path.to_path_buf()), &opts)?;
    let analysis = crate::render::analyse(&sources, &opts)?;
    let c = analysis
        .clusters
        .iter()
        // A render may leave the namespace out (`kubectl apply -n`).
        .find(|c| crate::model::same_namespace(&c.namespace, namespace) && c.name == cluster)
        .ok_or_else(|| {
            Error::msg(format!(
                "approve: {} holds no cluster {namespace}/{cluster}",
                path.display()
            ))
        })?;
    Ok(c.gates.clone())
}

/// Refuses a gate that guards other revisions than the render's gate in
/// its place: approving it would approve a rollout nobody reviewed.
fn check_render(namespace: &str, live: &Gate, rendered: &[Gate]) -> Result<()> {
    let Some(r) = rendered.iter().find(|r| r.after == live.after) else {
        return Err(Error::msg(format!(
            "approve: refused: the render has no gate after {} in {namespace}/{} (its gates: {})",
            live.after,
            live.cluster,
            if rendered.is_empty() {
                "none".to_string()
            } else {
                rendered
                    .iter()
                    .map(|r| format!("after {}", r.after))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )));
    };
    if r.rollout == live.rollout {
        return Ok(());
    }
    let mut differ = Vec::new();
    for (key, rev) in &r.revisions {
        match live.revisions.iter().find(|(k, _)| k == key) {
            Some((_, l)) if l == rev => {}
            Some((_, l)) => differ.push(format!("{key}: live gate {l}, render {rev}")),
            None => differ.push(format!("{key}: not in the live gate, render {rev}")),
        }
    }
    for (key, l) in &live.revisions {
        if !r.revisions.iter().any(|(k, _)| k == key) {
            differ.push(format!("{key}: live gate {l}, not in the render"));
        }
    }
    if differ.is_empty() {
        differ.push("the revisions agree, but the specs behind them differ (a revision the chart set kept over a changed spec)".into());
    }
    Err(Error::msg(format!(
        "approve: refused: the live gate after {} of {namespace}/{} guards another rollout than the render's ({} live, {} rendered): {} (has Argo CD applied this render's gate yet?)",
        live.after,
        live.cluster,
        short(&live.rollout),
        short(&r.rollout),
        differ.join("; ")
    )))
}

/// A rollout's first characters, for messages.
fn short(rollout: &str) -> &str {
    &rollout[..rollout.len().min(12)]
}
