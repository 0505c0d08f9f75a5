//! The promise, checked against Argo CD's sync as its source has it
//! (`argocd_sync.rs`): in a real Argo CD, nodes of a cluster change one at a
//! time, each only once every node changed before it is Healthy, and
//! Terminate stops every later node.
//!
//! Every scenario runs on real renders of the example chart
//! (`examples/rendered/`, what real Helm renders; `.ci/run` proves it) put
//! through the real binary. Where a scenario needs a second render, the
//! change is made to the rendered text exactly as the chart's template
//! would make it (a new `configChangeset`, a node's `up: false`, a node
//! dropped).

use std::collections::BTreeSet;

use express_waves::model::ExpressKind;
use express_waves::value::Value;

use crate::{assert_says, root};

use crate::argocd_sync::{
    self, ANN_SYNC_OPTIONS, ANN_WAVE, App, Cluster, End, LABEL_REVISION, Run, is_node, s,
};

fn example(name: &str) -> String {
    std::fs::read_to_string(root().join(format!("examples/rendered/{name}.yaml"))).unwrap()
}

use crate::documents as values;

/// `express-waves render ARGS` of `input`.
fn render_with(input: &str, args: &[&str]) -> Vec<Value> {
    let args: Vec<&str> = std::iter::once("render")
        .chain(args.iter().copied())
        .collect();
    let out = crate::run_binary(&args, &[], input.as_bytes());
    crate::assert_success(&out);
    values(&String::from_utf8(out.stdout).unwrap())
}

fn render(input: &str) -> Vec<Value> {
    render_with(input, &[])
}

/// The chart with a new `configChangeset`: every node's revision changes.
fn next_changeset(text: &str) -> String {
    text.replace("configChangeset: \"", "configChangeset: \"next-")
}

/// The document of `name` edited by `f`, the others as they are.
fn edit_doc(text: &str, name: &str, f: impl Fn(&str) -> Option<String>) -> String {
    let marker = format!("\n  name: {name}\n");
    let mut out = String::new();
    let mut found = false;
    for c in express_waves::stream::split(text.as_bytes()) {
        let doc = std::str::from_utf8(c.bytes).unwrap();
        if doc.contains(&marker) {
            found = true;
            if let Some(d) = f(doc) {
                out.push_str(&d);
            }
        } else {
            out.push_str(doc);
        }
    }
    assert!(found, "no document named {name}");
    out
}

/// The node's CR dropped from the render (taken down by absence).
fn without(text: &str, name: &str) -> String {
    edit_doc(text, name, |_| None)
}

/// The node rendered down, as the chart's `up: false` renders it.
fn down(text: &str, name: &str) -> String {
    edit_doc(text, name, |d| {
        let link = d.find("external-link:").unwrap();
        let eol = link + d[link..].find('\n').unwrap() + 1;
        let d = format!(
            "{}    express.medallia.com/up: \"false\"\n{}",
            &d[..eol],
            &d[eol..]
        );
        Some(d.replace("replicas: 1", "replicas: 0"))
    })
}

/// A settled tenant's render, and its render after a chart value change
/// that restarts every node.
fn chart_change(name: &str) -> (Vec<Value>, Vec<Value>) {
    let ex = example(name);
    (render(&ex), render(&next_changeset(&ex)))
}

/// [`rolls_one_node_at_a_time`] from the example `name`'s render to that
/// of its next changeset as `edit` leaves it.
fn a_chart_change_rolls_one_node_at_a_time(
    name: &str,
    edit: impl FnOnce(&str) -> String,
    app: &App,
) -> Run {
    let ex = example(name);
    let new = render(&edit(&next_changeset(&ex)));
    rolls_one_node_at_a_time(&render(&ex), &new, app)
}

fn wave(objs: &[Value], name: &str) -> i64 {
    let o = objs
        .iter()
        .find(|o| s(o, &["metadata", "name"]) == name)
        .unwrap();
    s(o, &["metadata", "annotations", ANN_WAVE])
        .parse()
        .unwrap()
}

fn nodes(objs: &[Value]) -> Vec<String> {
    objs.iter()
        .filter(|o| is_node(&s(o, &["kind"])))
        .map(|o| s(o, &["metadata", "name"]))
        .collect()
}

/// Whether the node `o` of a render is live at its revision: Healthy and
/// running it (a node down on purpose runs nothing: its spec is applied).
fn at_target(cluster: &Cluster, o: &Value) -> bool {
    let Some(live) = cluster.obj(&s(o, &["metadata", "name"])) else {
        return false;
    };
    let want = s(o, &["metadata", "labels", LABEL_REVISION]);
    let down = s(o, &["metadata", "annotations", "express.medallia.com/up"]) == "false";
    argocd_sync::healthy(live)
        && s(live, &["metadata", "labels", LABEL_REVISION]) == want
        && (down || s(live, &["status", "deploymentRevision"]) == want)
}

/// After `ticks` more ticks of `cluster`, a node of `target` is live at
/// its revision exactly when `rolled(name)` says so (`what`: the case, for
/// the message).
fn settles_with_exactly(
    cluster: &mut Cluster,
    ticks: usize,
    target: &[Value],
    rolled: impl Fn(&str) -> bool,
    what: &str,
) {
    for _ in 0..ticks {
        cluster.tick();
    }
    for o in target.iter().filter(|o| is_node(&s(o, &["kind"]))) {
        let name = s(o, &["metadata", "name"]);
        assert_eq!(at_target(cluster, o), rolled(&name), "{what}: {name}");
    }
}

/// Every node of `target` is live at its revision.
fn rolled_out(cluster: &Cluster, target: &[Value]) -> Result<(), String> {
    for o in target.iter().filter(|o| is_node(&s(o, &["kind"]))) {
        if !at_target(cluster, o) {
            return Err(format!(
                "{} is not Healthy at its revision",
                s(o, &["metadata", "name"])
            ));
        }
    }
    Ok(())
}

fn sync(cluster: &mut Cluster, target: &[Value], app: &App) -> Run {
    argocd_sync::sync(cluster, target, app, &[], |_, _, _| false)
}

/// The promise, checked: `target` synced over a cluster settled at `old`
/// succeeds, changes one node at a time, and leaves every node at its
/// revision. The run, for more checks.
fn rolls_one_node_at_a_time(old: &[Value], target: &[Value], app: &App) -> Run {
    let mut cluster = Cluster::settled(old);
    let run = sync(&mut cluster, target, app);
    assert_eq!(run.end, Some(End::Succeeded), "{}", run.message);
    run.one_node_at_a_time().unwrap();
    rolled_out(&cluster, target).unwrap();
    run
}

const EXAMPLES: [&str; 5] = [
    "varsamisktest",
    "acme-backend-down",
    "globex-provisioning",
    "initech-12-frontends",
    "hooli-all-down",
];

#[test]
fn one_node_per_wave_the_revisions_configmap_after_the_last_and_prune_last_on_every_node() {
    for ex in EXAMPLES {
        let objs = render(&example(ex));
        let node_waves: Vec<i64> = nodes(&objs).iter().map(|n| wave(&objs, n)).collect();
        let distinct: BTreeSet<i64> = node_waves.iter().copied().collect();
        assert_eq!(distinct.len(), node_waves.len(), "{ex}: {node_waves:?}");
        let cm = objs
            .iter()
            .find(|o| s(o, &["metadata", "name"]).ends_with("-deployment-revisions"))
            .unwrap();
        let cm_wave = wave(&objs, &s(cm, &["metadata", "name"]));
        assert_eq!(cm_wave, distinct.last().unwrap() + 1, "{ex}");
        for n in nodes(&objs) {
            let o = objs
                .iter()
                .find(|o| s(o, &["metadata", "name"]) == n)
                .unwrap();
            assert_eq!(
                s(o, &["metadata", "annotations", ANN_SYNC_OPTIONS]),
                "PruneLast=true",
                "{ex} {n}"
            );
        }
    }
}

/// A new chart value on a settled tenant: every node restarts, one at a
/// time, and the operation ends only when the last node is Healthy (the
/// revisions ConfigMap's wave comes after it: the final wave is not waited
/// on, `Sync` step 10).
#[test]
fn full_rollout_changes_one_node_at_a_time_and_succeeds_only_when_all_are_healthy() {
    for ex in EXAMPLES {
        let old = render(&example(ex));
        let new = render(&next_changeset(&example(ex)));
        let mut cluster = if ex == "globex-provisioning" {
            Cluster::default() // a new tenant: created from nothing
        } else {
            Cluster::settled(&old)
        };
        let run = sync(&mut cluster, &new, &App::default());
        assert_eq!(run.end, Some(End::Succeeded), "{ex}: {}", run.message);
        run.one_node_at_a_time()
            .unwrap_or_else(|e| panic!("{ex}: {e}"));
        rolled_out(&cluster, &new).unwrap_or_else(|e| panic!("{ex}: {e}"));
        let up = nodes(&new)
            .into_iter()
            .filter(|n| {
                !new.iter().any(|o| {
                    s(o, &["metadata", "name"]) == *n
                        && s(o, &["metadata", "annotations", "express.medallia.com/up"]) == "false"
                })
            })
            .count();
        assert!(run.changes.len() >= up, "{ex}: {:?}", run.changes);
        let waves: Vec<i64> = run.changes.iter().map(|c| c.wave).collect();
        assert!(waves.windows(2).all(|w| w[0] < w[1]), "{ex}: {waves:?}");
    }
}

/// Health is read 2 s after a wave is applied (argo-cd `controller/sync.go`,
/// `delayBetweenSyncWaves`), which upstream calls "not foolproof". With no delay at all, and an
/// operator that has not reacted yet, the waves still wait: the checks
/// compare `observedGeneration` and the revision label, so a status the
/// operator has not updated is never Healthy.
#[test]
fn waves_wait_even_when_health_is_read_before_the_operator_has_seen_the_change() {
    let no_delay = App::with(|a| a.wave_delay = 0);
    a_chart_change_rolls_one_node_at_a_time("initech-12-frontends", str::to_owned, &no_delay);
}

/// Without the revisions ConfigMap the last node's wave is the final one:
/// Argo CD reports success before that node is Healthy. This is why the
/// ConfigMap comes after the last node (and the README says so).
#[test]
fn without_the_revisions_configmap_the_sync_succeeds_before_the_last_node_is_healthy() {
    let ex = example("varsamisktest");
    let old = render_with(&ex, &["--no-revision-configmap"]);
    let new = render_with(&next_changeset(&ex), &["--no-revision-configmap"]);
    let mut cluster = Cluster::settled(&old);
    let run = sync(&mut cluster, &new, &App::default());
    assert_eq!(run.end, Some(End::Succeeded));
    run.one_node_at_a_time().unwrap();
    let last = run.changes.last().unwrap().node.clone();
    assert!(rolled_out(&cluster, &new).unwrap_err().contains(&last));
}

/// Terminate pressed before every pass of a 13-node rollout: no node of a
/// later wave ever changes, the node in flight finishes (nothing is rolled
/// back), and the operation is Failed at once (`Terminate`). The controller
/// sees Terminate at the start of a pass (argo-cd `controller/sync.go`,
/// `SyncAppState`): a pass already running (its wave delay included)
/// finishes first, so "pressed" here means "seen by the next pass".
#[test]
fn terminate_in_every_wave_stops_every_later_node_and_keeps_the_one_in_flight() {
    let (old, new) = chart_change("initech-12-frontends");
    let full = sync(&mut Cluster::settled(&old), &new, &App::default());
    assert_eq!(full.end, Some(End::Succeeded));
    let mut waves_seen = BTreeSet::new();
    for stop in 0..full.passes {
        let mut cluster = Cluster::settled(&old);
        let run = argocd_sync::sync(&mut cluster, &new, &App::default(), &[], |p, _, _| {
            p == stop
        });
        assert_eq!(run.end, Some(End::Terminated));
        assert_eq!(run.message, "Operation terminated");
        run.one_node_at_a_time().unwrap();
        // What changed is exactly what had changed when Terminate came.
        assert_eq!(
            run.changes.len(),
            full.changes.iter().filter(|c| c.pass < stop).count()
        );
        let in_flight = run.changes.last().map(|c| c.node.clone());
        let stopped = format!("stop at pass {stop}");
        settles_with_exactly(&mut cluster, 20, &new, |n| run.changed(n), &stopped);
        if let Some(n) = in_flight {
            waves_seen.insert(wave(&new, &n));
        }
    }
    assert_eq!(
        waves_seen.len(),
        nodes(&new).len(),
        "Terminate was tried in every node's wave"
    );
}

/// A node dropped from the render while the others restart, in a sync that
/// prunes (`argocd app sync --prune`, or `automated.prune: true`; without
/// it the node is left running, OutOfSync). Its prune
/// takes the wave of its live object (`sync_task.go` `wave()`), where fe2
/// now restarts; PruneLast (read from the live object, `getSyncTasks`)
/// moves it after every other wave.
#[test]
fn a_removed_node_is_deleted_after_every_other_node_has_rolled() {
    let run = a_chart_change_rolls_one_node_at_a_time(
        "varsamisktest",
        |c| without(c, "varsamisktest-fe1"),
        &App::default(),
    );
    let last = run.changes.last().unwrap();
    assert_eq!(
        (last.node.as_str(), last.what),
        ("varsamisktest-fe1", "deleted")
    );
}

/// The same change against live nodes rendered without PruneLast (an
/// express-waves before it, or the option removed): fe1 is deleted in the
/// pass that restarts fe2. The model catches it; the README's upgrade note
/// says to sync once with this version before removing a node.
#[test]
fn without_prune_last_on_the_live_node_its_deletion_shares_a_wave_with_a_restart() {
    let ex = example("varsamisktest");
    let mut old = render(&ex);
    for o in old.iter_mut().filter(|o| is_node(&s(o, &["kind"]))) {
        o.get_mut("metadata")
            .unwrap()
            .get_mut("annotations")
            .unwrap()
            .remove(ANN_SYNC_OPTIONS);
    }
    let new = render(&without(&next_changeset(&ex), "varsamisktest-fe1"));
    let run = sync(&mut Cluster::settled(&old), &new, &App::default());
    let e = run.one_node_at_a_time().unwrap_err();
    assert_says(&e, &["varsamisktest-fe1 (deleted)", "same pass"]);
}

/// A node taken down by the chart (`up: false`) changes in its own wave,
/// like any other node, and the rest roll around it.
#[test]
fn a_node_taken_down_changes_in_its_own_wave() {
    let ex = example("varsamisktest");
    let new = render(&down(&next_changeset(&ex), "varsamisktest-fe3"));
    let run = rolls_one_node_at_a_time(&render(&ex), &new, &App::default());
    let fe3 = run
        .changes
        .iter()
        .find(|c| c.node == "varsamisktest-fe3")
        .unwrap();
    assert_eq!(fe3.wave, wave(&new, "varsamisktest-fe3"));
}

/// A node that fails (Degraded) fails a manual sync: no later node changes.
#[test]
fn a_degraded_node_fails_a_manual_sync_and_no_later_node_changes() {
    let (old, new) = chart_change("varsamisktest");
    let mut cluster = Cluster::settled(&old);
    cluster.failing.insert("varsamisktest-fe2".into());
    let run = sync(&mut cluster, &new, &App::default());
    assert_eq!(run.end, Some(End::Failed));
    run.one_node_at_a_time().unwrap();
    let fe2 = wave(&new, "varsamisktest-fe2");
    for n in nodes(&new) {
        assert_eq!(run.changed(&n), wave(&new, &n) <= fe2, "{n}");
    }
}

/// On-call's escape hatch: a node known broken whose chart renders
/// `express.medallia.com/health: ignore` is Healthy to the shipped checks,
/// so the sync goes on past it and every later node gets its fix; the node
/// itself stays broken, and its health message says so.
#[test]
fn a_degraded_node_whose_health_check_on_call_ignores_lets_the_rollout_go_past_it() {
    let ex = example("varsamisktest");
    let old = render(&ex);
    // The chart renders the escape hatch on fe2 with the fix for the others.
    let fixed = edit_doc(&next_changeset(&ex), "varsamisktest-fe2", |d| {
        Some(d.replace(
            "  annotations:\n",
            "  annotations:\n    express.medallia.com/health: ignore\n    express.medallia.com/health-ignored-by: \"jdoe, INC-1234\"\n",
        ))
    });
    let new = render(&fixed);
    let mut cluster = Cluster::settled(&old);
    cluster.failing.insert("varsamisktest-fe2".into());
    let run = sync(&mut cluster, &new, &App::default());
    assert_eq!(run.end, Some(End::Succeeded), "{}", run.message);
    run.one_node_at_a_time().unwrap();
    for n in nodes(&new) {
        assert!(run.changed(&n), "{n} was not applied");
    }
    let live = cluster.obj("varsamisktest-fe2").unwrap();
    let h = express_waves::health::assess(ExpressKind::Frontend, live);
    assert!(
        h.message
            .starts_with("Health check ignored, asked by jdoe, INC-1234")
            && h.message.contains("the node is Degraded"),
        "{}",
        h.message
    );
}

/// The escape hatch without render (the annotation on the objects, but the
/// prerequisites as before): Argo CD goes past the broken node, but a node
/// that names it as a prerequisite waits for it in the operator for ever.
/// This is why the chart must render it (render then takes the node out of
/// every chain), and why `kubectl annotate` alone is not enough.
#[test]
fn a_health_check_ignored_without_render_still_leaves_its_dependents_waiting_for_it() {
    let (old, mut new) = chart_change("varsamisktest");
    let fe2 = new
        .iter_mut()
        .find(|o| s(o, &["metadata", "name"]) == "varsamisktest-fe2")
        .unwrap();
    let annotations = fe2
        .map_entry("metadata")
        .and_then(|m| m.map_entry("annotations"))
        .unwrap();
    annotations.set("express.medallia.com/health", Value::Str("ignore".into()));
    annotations.set(
        "express.medallia.com/health-ignored-by",
        Value::Str("jdoe".into()),
    );
    let mut cluster = Cluster::settled(&old);
    cluster.failing.insert("varsamisktest-fe2".into());
    let run = sync(&mut cluster, &new, &App::default());
    assert!(
        matches!(&run.end, Some(End::Hung(m)) if m.contains("varsamisktest-be")),
        "{:?}",
        run.end
    );
}

/// An automated sync retries (`Retry{Limit: 5}`, `autoSync`), each time
/// from the first wave. While the node stays Degraded no later node
/// changes; once it recovers, the retry carries the rollout on.
#[test]
fn an_automated_sync_retries_a_degraded_node_and_resumes_once_it_recovers() {
    let (old, new) = chart_change("varsamisktest");
    let automated = App::with(|a| a.retry_limit = 5);

    let mut stuck = Cluster::settled(&old);
    stuck.failing.insert("varsamisktest-fe2".into());
    let run = sync(&mut stuck, &new, &automated);
    assert_eq!((run.end.clone(), run.retries), (Some(End::Failed), 5));
    run.one_node_at_a_time().unwrap();
    let fe2 = wave(&new, "varsamisktest-fe2");
    assert!(
        run.changes.iter().all(|c| c.wave <= fe2),
        "{:?}",
        run.changes
    );

    let mut recovers = Cluster::settled(&old);
    recovers.failing.insert("varsamisktest-fe2".into());
    // An SRE fixes the node after the second retry.
    let run = argocd_sync::sync(&mut recovers, &new, &automated, &[], |_, run, cluster| {
        if run.retries == 2 {
            cluster.failing.clear();
        }
        false
    });
    assert_eq!(run.end, Some(End::Succeeded), "{}", run.message);
    assert!(run.retries >= 2);
    run.one_node_at_a_time().unwrap();
    rolled_out(&recovers, &new).unwrap();
}

/// A health check that raises a Lua error leaves the resource Unknown with
/// an error; `Sync` updates a task only without an error, so the sync waits
/// for ever (it neither fails nor moves on).
#[test]
fn a_lua_error_in_the_health_check_hangs_the_sync_on_that_node() {
    fn broken(kind: ExpressKind) -> &'static str {
        match kind {
            ExpressKind::Frontend => "return obj.status.nothing.here",
            k => argocd_sync::shipped(k),
        }
    }
    let (old, new) = chart_change("varsamisktest");
    let app = App::with(|a| a.scripts = broken);
    let run = sync(&mut Cluster::settled(&old), &new, &app);
    assert!(
        matches!(&run.end, Some(End::Hung(m)) if m.contains("varsamisktest-fe1")),
        "{:?}",
        run.end
    );
    assert_eq!(run.changes.len(), 1, "{:?}", run.changes);
}

/// Argo CD reads health from its watch-fed cache. While the cache lags no
/// more than the wave delay plus a requeue, it already holds the applied
/// node (new label, new generation) when health is read, and the waves
/// hold. The residual risk, shown: a cache lagging past the wave delay
/// still holds the node as it was before the apply (old label, Ready),
/// which no health check can tell from a settled node, so the next node
/// starts early. This is why the README and `argocd check` ask for a
/// larger `ARGOCD_SYNC_WAVE_DELAY` on a large cluster.
#[test]
fn waves_hold_while_argo_cds_cache_lags_no_more_than_the_wave_delay_and_not_past_it() {
    let (old, new) = chart_change("varsamisktest");
    // Within the default delay (2) plus a requeue (1), and a longer lag
    // with a delay as long.
    for (lag, delay) in [(2, 2), (3, 2), (4, 4)] {
        let app = App::with(|a| (a.cache_lag, a.wave_delay) = (lag, delay));
        eprintln!("cache lag {lag}, wave delay {delay}");
        rolls_one_node_at_a_time(&old, &new, &app);
    }
    let past = App::with(|a| (a.cache_lag, a.wave_delay) = (4, 2));
    let run = sync(&mut Cluster::settled(&old), &new, &past);
    assert!(
        run.one_node_at_a_time().is_err(),
        "lag 4 past delay 2 held: {:?}",
        run.changes
    );
}

/// `ApplyOutOfSyncOnly=true` drops in-sync resources before the wave is
/// chosen (`filterOutOfSyncTasks`), even one still Progressing: after a
/// Terminate, the next sync starts the next node while the one in flight is
/// not Healthy. Without it the next sync re-applies that node and waits.
#[test]
fn after_terminate_apply_out_of_sync_only_starts_the_next_node_at_once() {
    let (old, new) = chart_change("varsamisktest");
    for option in [false, true] {
        let mut cluster = Cluster::settled(&old);
        // Terminate right after the first node was applied.
        let first = argocd_sync::sync(&mut cluster, &new, &App::default(), &[], |_, run, _| {
            !run.changes.is_empty()
        });
        assert_eq!(first.end, Some(End::Terminated));
        let in_flight = first.changes[0].node.clone();
        assert!(!argocd_sync::healthy(cluster.obj(&in_flight).unwrap()));
        let app = App::with(|a| a.apply_out_of_sync_only = option);
        let second = argocd_sync::sync(
            &mut cluster,
            &new,
            &app,
            std::slice::from_ref(&in_flight),
            |_, _, _| false,
        );
        assert_eq!(second.end, Some(End::Succeeded));
        match (option, second.one_node_at_a_time()) {
            (false, Ok(())) => {}
            (true, Err(e)) => assert!(e.contains(&in_flight), "{e}"),
            (_, r) => panic!("ApplyOutOfSyncOnly={option}: {r:?}"),
        }
    }
}

/// The live objects of `cluster` in a file, as `kubectl get -o yaml` would
/// give them (JSON documents are YAML).
fn live_file(cluster: &Cluster, name: &str) -> std::path::PathBuf {
    let mut text = String::new();
    for l in cluster.live.values() {
        text.push_str("---\n");
        express_waves::json::canonical(&l.obj, &mut text);
        text.push('\n');
    }
    let path = std::env::temp_dir().join(format!(
        "express-waves-live-{}-{name}.yaml",
        std::process::id()
    ));
    std::fs::write(&path, text).unwrap();
    path
}

/// `verify --live` reports a deadlock exactly when the sync, played by the
/// model of Argo CD's waves and the operator's prerequisite rule, hangs.
/// `compare::deadlocks` predicts from the render and the live objects
/// alone; the model plays the sync tick by tick. Each scenario is one the
/// README's "Waves" names.
#[test]
fn verify_reports_a_deadlock_exactly_when_the_sync_hangs() {
    let ex = example("varsamisktest");
    let all_down = ["be", "fe1", "fe2", "fe3", "fe4"]
        .iter()
        .fold(ex.clone(), |t, k| down(&t, &format!("varsamisktest-{k}")));
    let be_version = edit_doc(&ex, "varsamisktest-be", |d| {
        Some(d.replace("express-e689.151", "express-e689.999"))
    });
    let upgrade: &[&str] = &[];
    let provisioning: &[&str] = &["--mode", "provisioning"];
    let scenarios = [
        (
            "every node changes, upgrade order",
            ex.clone(),
            next_changeset(&ex),
            upgrade,
            false,
        ),
        (
            "every node changes, provisioning order over a running cluster",
            ex.clone(),
            next_changeset(&ex),
            provisioning,
            true,
        ),
        (
            "fe1 created, its prerequisite runs live at its version",
            without(&ex, "varsamisktest-fe1"),
            ex.clone(),
            upgrade,
            false,
        ),
        (
            "fe1 created while the backend's version changes",
            without(&ex, "varsamisktest-fe1"),
            be_version.clone(),
            upgrade,
            true,
        ),
        (
            "an all-down cluster brought up in upgrade order",
            all_down.clone(),
            ex.clone(),
            upgrade,
            true,
        ),
        (
            "an all-down cluster brought up in provisioning order",
            all_down.clone(),
            ex.clone(),
            provisioning,
            false,
        ),
    ];
    for (i, (what, old, new, args, deadlock)) in scenarios.into_iter().enumerate() {
        let mut cluster = Cluster::settled(&render(&old));
        let live = live_file(&cluster, &i.to_string());
        let mut verify = vec!["verify", "--live", live.to_str().unwrap(), "-"];
        verify.extend(args);
        let out = crate::run_binary(&verify, &[], new.as_bytes());
        let stdout = String::from_utf8_lossy(&out.stdout);
        std::fs::remove_file(&live).unwrap();
        let run = sync(&mut cluster, &render_with(&new, args), &App::default());
        let hung = matches!(run.end, Some(End::Hung(_)));
        assert_eq!(
            hung, deadlock,
            "{what}: the model's sync ended {:?}",
            run.end
        );
        assert_eq!(
            (out.status.code(), stdout.contains("\ndeadlock ")),
            (Some(deadlock as i32), deadlock),
            "{what}: verify said\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if !hung {
            assert_eq!(run.end, Some(End::Succeeded), "{what}: {}", run.message);
        }
    }
}

/// Two tenants in one stream. Side by side (the default), both clusters'
/// fe1 are in wave 1, so a node Degraded in one cluster fails the sync for
/// the other too, mid-rollout. With `--clusters in-sequence` the second
/// cluster starts only after the first one's last wave: a Degraded node in
/// the first stops the sync before any node of the second changes.
#[test]
fn clusters_in_sequence_keep_a_degraded_node_of_one_tenant_from_touching_the_next() {
    let two = format!(
        "{}{}",
        example("varsamisktest"),
        example("acme-backend-down")
    );
    for (args, second_touched) in [(&[][..], true), (&["--clusters", "in-sequence"][..], false)] {
        let old = render_with(&two, args);
        let new = render_with(&next_changeset(&two), args);
        let mut cluster = Cluster::settled(&old);
        cluster.failing.insert("varsamisktest-fe2".into());
        let run = sync(&mut cluster, &new, &App::default());
        assert_eq!(run.end, Some(End::Failed), "{args:?}");
        let acme_changed = nodes(&new)
            .iter()
            .any(|n| n.starts_with("acme-") && run.changed(n));
        assert_eq!(acme_changed, second_touched, "{args:?}: {:?}", run.changes);
    }
}

/// `kubectl annotate gate NAME waves.express.medallia.com/approved=<its
/// spec.rollout>`: what `express-waves approve` does (tests/cli/approve.rs
/// checks that it runs exactly that).
fn approve(cluster: &mut Cluster, gate: &str) {
    let l = cluster
        .live
        .values_mut()
        .find(|l| s(&l.obj, &["kind"]) == "Gate" && s(&l.obj, &["metadata", "name"]) == gate)
        .unwrap_or_else(|| panic!("no live gate {gate}"));
    let rollout = s(&l.obj, &["spec", "rollout"]);
    let meta = l.obj.map_entry("metadata").unwrap();
    if meta.get("annotations").is_none() {
        meta.set("annotations", Value::Map(Vec::new()));
    }
    let ann = meta.map_entry("annotations").unwrap();
    ann.set(express_waves::gate::ANN_APPROVED, Value::Str(rollout));
    ann.set(
        express_waves::gate::ANN_APPROVED_BY,
        Value::Str("jane".into()),
    );
}

fn gate_health(cluster: &Cluster, gate: &str) -> express_waves::health::Health {
    express_waves::gate::health(cluster.obj(gate).expect("the gate is live"))
}

/// The gate after fe1 (`render --gate-after fe1`), on a settled tenant
/// whose gate was approved for the rollout before: a new chart value rolls
/// fe1, then Argo CD waits at the gate (Suspended keeps its task Running:
/// gitops-engine `sync_context.go`, `Sync`, which succeeds a running task
/// only when Healthy) for as long as nobody approves; the old approval does
/// not open it (the annotation survives the apply, but names the old
/// rollout); approving this rollout lets every later node roll, one at a
/// time.
#[test]
fn a_gate_holds_the_rollout_until_this_rollout_is_approved() {
    let ex = example("initech-12-frontends");
    let old = render_with(&ex, &["--gate-after", "fe1"]);
    let new = render_with(&next_changeset(&ex), &["--gate-after", "fe1"]);
    let gate = "initech-gate-fe1";
    let mut cluster = Cluster::settled(&old);
    approve(&mut cluster, gate);
    assert_eq!(gate_health(&cluster, gate).status.name(), "Healthy");
    let (fe1, fe2) = ("initech-fe1", "initech-fe2");
    let mut held = 0;
    let mut approved_at = None;
    let run = argocd_sync::sync(&mut cluster, &new, &App::default(), &[], |pass, run, c| {
        let waiting = run.message == format!("waiting for healthy state of Gate/{gate}");
        if waiting && approved_at.is_none() {
            // Held: fe1 rolled, nothing after it has.
            assert!(run.changed(fe1) && !run.changed(fe2), "{:?}", run.changes);
            let h = gate_health(c, gate);
            assert_eq!(h.status.name(), "Suspended");
            assert_eq!(
                h.message,
                "waiting for approval: express-waves approve tenant-400001-prod/initech --gate fe1 (the approval it has is for another rollout)"
            );
            held += 1;
            if held == 50 {
                approve(c, gate);
                approved_at = Some(pass);
            }
        }
        false
    });
    assert_eq!(
        held, 50,
        "the sync never waited at the gate: {:?}",
        run.changes
    );
    assert_eq!(run.end, Some(End::Succeeded), "{}", run.message);
    run.one_node_at_a_time().unwrap();
    rolled_out(&cluster, &new).unwrap();
    let approved_at = approved_at.unwrap();
    // Approved before pass `approved_at` ran: that pass is the first that
    // may go on.
    for c in &run.changes {
        assert_eq!(
            c.pass >= approved_at,
            c.wave > wave(&new, gate),
            "{} changed in pass {} (approved in pass {approved_at})",
            c.node,
            c.pass
        );
    }
}

/// Terminate while Argo CD waits at the gate: nothing after it is applied
/// (`Terminate` fails the operation at once), and the next sync waits at
/// the gate again until approved.
#[test]
fn terminate_at_the_gate_applies_nothing_later_and_the_next_sync_waits_again() {
    let ex = example("varsamisktest");
    let old = render_with(&ex, &["--gate-after", "fe1"]);
    let new = render_with(&next_changeset(&ex), &["--gate-after", "fe1"]);
    let gate_name = |objs: &[Value]| {
        objs.iter()
            .find(|o| s(o, &["kind"]) == "Gate")
            .map(|o| s(o, &["metadata", "name"]))
            .unwrap()
    };
    let gate = gate_name(&new);
    let mut cluster = Cluster::settled(&old);
    let waiting = format!("waiting for healthy state of Gate/{gate}");
    let run = argocd_sync::sync(&mut cluster, &new, &App::default(), &[], |_, run, _| {
        run.message == waiting
    });
    assert_eq!(run.end, Some(End::Terminated));
    let gate_wave = wave(&new, &gate);
    assert!(!run.changes.is_empty());
    assert!(
        run.changes.iter().all(|c| c.wave < gate_wave),
        "{:?}",
        run.changes
    );
    let before_the_gate = |name: &str| wave(&new, name) < gate_wave;
    settles_with_exactly(
        &mut cluster,
        50,
        &new,
        before_the_gate,
        "terminated at the gate",
    );
    // The next sync: held at the gate again, then through once approved.
    let mut held = false;
    let again = argocd_sync::sync(&mut cluster, &new, &App::default(), &[], |_, run, c| {
        if run.message == waiting && !held {
            held = true;
            approve(c, &gate);
        }
        false
    });
    assert!(held);
    assert_eq!(again.end, Some(End::Succeeded), "{}", again.message);
    rolled_out(&cluster, &new).unwrap();
}

/// Without the Gate's health check Argo CD counts the gate done the moment
/// it is applied (`GetResourceHealth` returns nil for a kind without one):
/// the rollout runs straight through. Why `argocd check` requires it.
#[test]
fn without_its_health_check_a_gate_holds_nothing() {
    let ex = example("varsamisktest");
    let old = render_with(&ex, &["--gate-after", "fe1"]);
    let new = render_with(&next_changeset(&ex), &["--gate-after", "fe1"]);
    let mut cluster = Cluster::settled(&old);
    let app = App::with(|a| a.no_gate_check = true);
    let run = sync(&mut cluster, &new, &app);
    assert_eq!(run.end, Some(End::Succeeded));
    rolled_out(&cluster, &new).unwrap();
}
