//! A stand-in for Argo CD's sync of one Application, written from
//! gitops-engine's source (argo-cd repository, `gitops-engine/pkg/sync/`,
//! read at commit 37ee0097cf85, 2026-08), and a fake Express operator.
//! Argo CD cannot run here; this follows the upstream code path by path, and
//! `waves.rs` runs it on real renders. Each rule cites where it comes from:
//!
//! - **Tasks** (`sync_context.go` `getSyncTasks`): one per target object and
//!   one *prune* task per live object with no target. Rebuilt on every pass
//!   from the current live state; results of earlier passes are kept
//!   (`WithInitialState`).
//! - **Wave** (`sync_task.go` `wave()`, `syncwaves.Wave`): the target's
//!   `argocd.argoproj.io/sync-wave` (`strconv.Atoi`, else 0); a prune task
//!   has no target, so its wave comes from the *live* object. The distinct
//!   prune waves are mirrored onto each other (`getSyncTasks`, "symmetric
//!   swap on prune waves"; Argo CD ≥ 2.11, 2.10.10). A prune whose live
//!   object has `PruneLast=true` in `argocd.argoproj.io/sync-options`
//!   (`HasAnnotationOption` on `task.liveObj`), or every prune when the
//!   Application sets `PruneLast=true`, moves to one wave after the largest
//!   (`syncPhaseLastWave + 1`, with 0 as the floor).
//! - **Order** (`sync_tasks.go` `syncTasks.Less`): phase (all Sync here: no
//!   hooks), wave, `kindOrder` (custom resources 0, after every built-in
//!   kind), name.
//! - **One pass** (`sync_context.go` `Sync`): (3) every Running task's health
//!   is read from the live object: none (no health check) or Healthy →
//!   Succeeded, Degraded → Failed, anything else (Progressing, Suspended,
//!   Unknown, a Lua error) → still Running; (4) any task Running → wait;
//!   (5) a pruned object still being deleted → wait; (6) any task failed →
//!   the operation Fails; (7) the pending tasks, less the in-sync ones under
//!   `ApplyOutOfSyncOnly=true` (`filterOutOfSyncTasks`): none → Succeeded;
//!   else the lowest wave runs; (8) `runTasks`: its prunes, then its applies,
//!   in the same pass; an apply leaves the task Running, a prune is done at
//!   once; (9) `delayBetweenSyncWaves` (argo-cd `controller/sync.go`,
//!   `ARGOCD_SYNC_WAVE_DELAY`, 2 s), skipped for the final wave; (10) no
//!   remaining task → Succeeded at once: **the final wave is not waited
//!   on**.
//! - **Terminate** (`sync_context.go` `Terminate`): the operation is Failed
//!   ("Operation terminated") at once; nothing is waited for or rolled back.
//! - **Retry** (argo-cd `controller/appcontroller.go`: `autoSync` gives an
//!   automated operation `Retry{Limit: 5}` unless the Application sets one;
//!   `processRequestedAppOperation` retries a Failed, non-terminated
//!   operation from scratch after a backoff).
//! - **Health** (argo-cd `util/lua/lua.go`; `gitops-engine/pkg/health`):
//!   Express kinds by the shipped Lua in the sandbox of `health.rs`, where a
//!   Lua error leaves the status Unknown with an error, so the task stays
//!   Running; a Service (ClusterIP) is Healthy; a ConfigMap has no health
//!   check.
//!
//! - **The cache** (argo-cd `controller/state.go`, `CompareAppState` →
//!   `GetManagedLiveObjs`): tasks, health and deletions are read from the
//!   controller's watch-fed cache, which may lag behind the API server
//!   (`App::cache_lag`); applies and deletes go to the API server.
//!
//! Time is counted in operator *ticks*: one between controller passes (the
//! requeue) and `App::wave_delay` more after a wave is applied.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use express_waves::health;
use express_waves::model::ExpressKind;
use express_waves::value::Value;

use crate::health::{LuaHealth, run_lua};

pub const ANN_WAVE: &str = "argocd.argoproj.io/sync-wave";
pub const ANN_SYNC_OPTIONS: &str = "argocd.argoproj.io/sync-options";
pub const LABEL_REVISION: &str = "express.medallia.com/deployment-revision";

/// A resource's identity. The sort key of `syncTasks.Less` has no
/// namespace; the examples have one namespace per render.
pub type Key = (String, String, String);

pub fn s(v: &Value, path: &[&str]) -> String {
    v.at(path).and_then(Value::as_str).unwrap_or("").to_string()
}

pub fn key_of(obj: &Value) -> Key {
    (
        s(obj, &["kind"]),
        s(obj, &["metadata", "namespace"]),
        s(obj, &["metadata", "name"]),
    )
}

pub fn is_node(kind: &str) -> bool {
    matches!(kind, "Backend" | "Frontend")
}

/// `kindOrder` of `sync_tasks.go` for the kinds in the renders; custom
/// resources get 0 (after every built-in kind). Any other built-in kind
/// would need its value from upstream: refuse it rather than guess.
fn kind_order(kind: &str) -> i32 {
    match kind {
        "Namespace" => -35,
        "ConfigMap" => -26,
        "Service" => -13,
        k if ExpressKind::from_name(k).is_some() || k == express_waves::gate::KIND => 0,
        k => panic!("kindOrder of {k} is not modelled"),
    }
}

fn has_sync_option(obj: &Value, option: &str) -> bool {
    s(obj, &["metadata", "annotations", ANN_SYNC_OPTIONS])
        .split(',')
        .any(|o| o.trim() == option)
}

/// gitops-engine `pkg/sync/syncwaves/waves.go`, `Wave`: `strconv.Atoi` of
/// the annotation, else `pkg/sync/hook/helm/weight.go`, `Weight`: the same
/// of `helm.sh/hook-weight`, else 0.
fn wave_of(obj: &Value) -> i64 {
    let atoi = |key| s(obj, &["metadata", "annotations", key]).parse().ok();
    atoi(ANN_WAVE)
        .or_else(|| atoi("helm.sh/hook-weight"))
        .unwrap_or(0)
}

/// Health as the controller computes it from a live object.
#[derive(Clone, Debug, PartialEq)]
pub enum Health {
    /// No health check for the kind (`GetResourceHealth` returns nil).
    None,
    Status(String),
    /// The Lua raised an error (status Unknown, error returned).
    LuaError,
}

/// The Lua of a kind; tests may swap in another script.
pub type Scripts = fn(ExpressKind) -> &'static str;

pub fn shipped(kind: ExpressKind) -> &'static str {
    health::lua(kind)
}

pub fn health_of(obj: &Value, scripts: Scripts) -> Health {
    let kind = s(obj, &["kind"]);
    match ExpressKind::from_name(&kind) {
        Some(k) => match run_lua(scripts(k), obj) {
            LuaHealth::Status(st, _) => Health::Status(st),
            LuaHealth::Error(_) => Health::LuaError,
        },
        // express-waves' approval gate, by its shipped Lua.
        None if kind == express_waves::gate::KIND => match run_lua(express_waves::gate::LUA, obj) {
            LuaHealth::Status(st, _) => Health::Status(st),
            LuaHealth::Error(_) => Health::LuaError,
        },
        None if kind == "Service" => Health::Status("Healthy".into()),
        None => Health::None,
    }
}

pub fn healthy(obj: &Value) -> bool {
    health_of(obj, shipped) == Health::Status("Healthy".into())
}

/// What a node's change means to the operator: its spec, its revision and
/// whether it is up. A wave or sync-options change alone restarts nothing.
fn node_state(obj: &Value) -> (Option<&Value>, String, String) {
    (
        obj.get("spec"),
        s(obj, &["metadata", "labels", LABEL_REVISION]),
        s(obj, &["metadata", "annotations", "express.medallia.com/up"]),
    )
}

/// Ticks a node takes to roll out: longer than the wave delay plus a
/// requeue, as a real node restart (minutes) is longer than 2 s.
const ROLLOUT: u32 = 5;

/// A live object in the fake cluster.
#[derive(Clone, Debug)]
pub struct Live {
    pub obj: Value,
    /// Ticks left before a deleted object is gone (the operator's
    /// finalizer); `None` while it is not being deleted.
    pub deleting: Option<u32>,
    /// Ticks since the operator saw its spec change.
    pub ticks: u32,
    /// What was last applied (`kubectl.kubernetes.io/last-applied-configuration`).
    pub applied: Option<Value>,
}

/// The Kubernetes side: live objects, and the Express operator.
#[derive(Clone, Debug, Default)]
pub struct Cluster {
    pub live: BTreeMap<Key, Live>,
    /// Nodes (by name) the operator fails to roll out (they go Degraded).
    pub failing: BTreeSet<String>,
    /// The live objects at the end of each recent tick, newest last: what
    /// a watch cache that lags behind the API server still shows.
    history: VecDeque<BTreeMap<Key, Live>>,
}

impl Cluster {
    /// Every object of `objs` live and settled: nodes Ready at their revision.
    pub fn settled(objs: &[Value]) -> Cluster {
        let mut c = Cluster::default();
        for o in objs {
            c.apply(o);
        }
        for _ in 0..200 {
            c.tick();
        }
        for o in objs {
            if is_node(&key_of(o).0) {
                assert!(
                    healthy(&c.live[&key_of(o)].obj),
                    "{:?} did not settle",
                    key_of(o)
                );
            }
        }
        c
    }

    /// The objects as Argo CD's cache shows them `lag` ticks behind the API
    /// server (the controller reads live objects and their health from its
    /// watch-fed cluster cache: argo-cd `controller/state.go`,
    /// `GetManagedLiveObjs`).
    pub fn cache(&self, lag: usize) -> BTreeMap<Key, Live> {
        match lag {
            0 => self.live.clone(),
            n => self.history.len().checked_sub(n).map_or_else(
                || self.history.front().cloned().unwrap_or_default(),
                |i| self.history[i].clone(),
            ),
        }
    }

    pub fn obj(&self, name: &str) -> Option<&Value> {
        self.live
            .values()
            .find(|l| s(&l.obj, &["metadata", "name"]) == name)
            .map(|l| &l.obj)
    }

    /// `kubectl apply` of `target`: the API server keeps `status`, and bumps
    /// `metadata.generation` when the spec changes (custom resources with a
    /// status subresource). The three-way merge keeps an annotation only the
    /// live object has, never applied (`kubectl annotate`'s, as an
    /// approval is): it is neither in the target nor in the last-applied
    /// configuration (k8s `apply` strategic/JSON merge patch from
    /// last-applied to target, onto live).
    pub fn apply(&mut self, target: &Value) {
        let key = key_of(target);
        let mut obj = target.clone();
        if let Some(old) = self.live.get(&key)
            && let Some(Value::Map(live_ann)) = old.obj.at(&["metadata", "annotations"])
        {
            let applied = |k: &str| {
                old.applied
                    .as_ref()
                    .and_then(|a| a.at(&["metadata", "annotations", k]))
                    .is_some()
            };
            let kept: Vec<(String, Value)> = live_ann
                .iter()
                .filter(|(k, _)| {
                    target
                        .at(&["metadata", "annotations", k.as_str()])
                        .is_none()
                        && !applied(k)
                })
                .cloned()
                .collect();
            for (k, v) in kept {
                let meta = obj.map_entry("metadata").unwrap();
                if meta.get("annotations").is_none() {
                    meta.set("annotations", Value::Map(Vec::new()));
                }
                meta.map_entry("annotations").unwrap().set(&k, v);
            }
        }
        // (generation, deleting, ticks) carried over from the live object.
        let (generation, deleting, ticks) = match self.live.get(&key) {
            Some(old) => {
                let generation = match old.obj.at(&["metadata", "generation"]) {
                    Some(Value::Int(g)) => *g,
                    _ => 1,
                };
                let bumped = old.obj.get("spec") != target.get("spec");
                if let Some(st) = old.obj.get("status") {
                    obj.set("status", st.clone());
                }
                let ticks = if node_state(&old.obj) == node_state(target) {
                    old.ticks
                } else {
                    0
                };
                (generation + i128::from(bumped), old.deleting, ticks)
            }
            None => (1, None, 0),
        };
        obj.map_entry("metadata")
            .unwrap()
            .set("generation", Value::Int(generation));
        self.live.insert(
            key,
            Live {
                obj,
                deleting,
                ticks,
                applied: Some(target.clone()),
            },
        );
    }

    /// A delete: nodes and the Cluster CR carry the operator's finalizer
    /// and go away after a few ticks; other objects at once.
    pub fn delete(&mut self, key: &Key) {
        if ExpressKind::from_name(&key.0).is_some() {
            if let Some(l) = self.live.get_mut(key) {
                l.deleting.get_or_insert(3);
            }
        } else {
            self.live.remove(key);
        }
    }

    /// One step of the operator. A node rolls out (its status reports the
    /// revision of its label, Ready) `ROLLOUT` ticks after it changed, and only
    /// once every prerequisite of the list that applies is Ready (its
    /// `Ready` condition True: a node down has none) at the
    /// `expressVersion` and `deploymentRevision` the entry names
    /// (CONTEXT.md, "the operator will not (re)create/upgrade a node until
    /// each prerequisite node is Ready at the stated expressVersion /
    /// deploymentRevision"): `provisioningPrerequisites` for a node
    /// without status (being created), `upgradePrerequisites` otherwise.
    pub fn tick(&mut self) {
        let ready: BTreeMap<String, (String, String)> = self
            .live
            .values()
            .filter(|l| {
                is_node(&s(&l.obj, &["kind"])) && l.deleting.is_none() && ready_condition(&l.obj)
            })
            .map(|l| {
                (
                    s(&l.obj, &["metadata", "name"]),
                    (
                        s(&l.obj, &["status", "deploymentRevision"]),
                        s(&l.obj, &["spec", "expressVersion"]),
                    ),
                )
            })
            .collect();
        let mut gone = Vec::new();
        for (key, l) in self.live.iter_mut() {
            if let Some(left) = &mut l.deleting {
                *left = left.saturating_sub(1);
                if *left == 0 {
                    gone.push(key.clone());
                }
                continue;
            }
            l.ticks += 1;
            let kind = key.0.as_str();
            if kind == "Cluster" {
                set_status(&mut l.obj, "", false);
                continue;
            }
            if !is_node(kind)
                || s(
                    &l.obj,
                    &["metadata", "annotations", "express.medallia.com/up"],
                ) == "false"
            {
                continue;
            }
            let list = if l.obj.get("status").is_none() {
                "provisioningPrerequisites"
            } else {
                "upgradePrerequisites"
            };
            let prereqs_ready = match l.obj.at(&["spec", "deploymentDependencies", list]) {
                Some(Value::Seq(entries)) => entries.iter().all(|e| {
                    let states = |field: &str, have: &str| {
                        e.get(field)
                            .and_then(Value::as_str)
                            .is_none_or(|want| want == have)
                    };
                    ready
                        .get(&s(e, &["expressNode"]))
                        .is_some_and(|(revision, version)| {
                            states("deploymentRevision", revision)
                                && states("expressVersion", version)
                        })
                }),
                _ => true,
            };
            if l.ticks < ROLLOUT || !prereqs_ready {
                continue;
            }
            let revision = s(&l.obj, &["metadata", "labels", LABEL_REVISION]);
            let failed = self.failing.contains(&key.2);
            set_status(&mut l.obj, &revision, failed);
        }
        for k in gone {
            self.live.remove(&k);
        }
        self.history.push_back(self.live.clone());
        if self.history.len() > 16 {
            self.history.pop_front();
        }
    }
}

/// Whether the node's `Ready` condition is True (what the operator waits
/// for; not Argo CD's health, which calls a node down on purpose Healthy).
fn ready_condition(obj: &Value) -> bool {
    match obj.at(&["status", "conditions"]) {
        Some(Value::Seq(conditions)) => conditions
            .iter()
            .any(|c| s(c, &["type"]) == "Ready" && s(c, &["status"]) == "True"),
        _ => false,
    }
}

fn set_status(obj: &mut Value, revision: &str, failed: bool) {
    let generation = obj
        .at(&["metadata", "generation"])
        .cloned()
        .unwrap_or(Value::Int(1));
    let cond = |t: &str, st: bool| {
        Value::Map(vec![
            ("type".into(), Value::Str(t.into())),
            (
                "status".into(),
                Value::Str(if st { "True" } else { "False" }.into()),
            ),
        ])
    };
    obj.set(
        "status",
        Value::Map(vec![
            ("observedGeneration".into(), generation),
            ("deploymentRevision".into(), Value::Str(revision.into())),
            (
                "phase".into(),
                Value::Str(if failed { "Broken" } else { "Running" }.into()),
            ),
            ("message".into(), Value::Str("cache rebuild failed".into())),
            (
                "conditions".into(),
                Value::Seq(vec![cond("Ready", !failed)]),
            ),
        ]),
    );
}

/// The Application's settings that change the sync.
#[derive(Clone, Debug)]
pub struct App {
    /// `syncOptions: [ApplyOutOfSyncOnly=true]`.
    pub apply_out_of_sync_only: bool,
    /// `syncOptions: [PruneLast=true]` (every prune last).
    pub prune_last: bool,
    /// The operation prunes (`prune: true`).
    pub prune: bool,
    /// `Retry.Limit`: 5 for an automated sync without its own `retry`, 0
    /// for a manual sync.
    pub retry_limit: u32,
    /// Selective sync: only these resources (by name).
    pub only: Option<BTreeSet<String>>,
    /// `ARGOCD_SYNC_WAVE_DELAY` in ticks.
    pub wave_delay: u32,
    /// How many ticks the controller's cache lags behind the API server.
    pub cache_lag: usize,
    pub scripts: Scripts,
    /// Argo CD without the Gate's health check installed.
    pub no_gate_check: bool,
}

impl Default for App {
    fn default() -> Self {
        App {
            apply_out_of_sync_only: false,
            prune_last: false,
            prune: true,
            retry_limit: 0,
            only: None,
            wave_delay: 2,
            cache_lag: 0,
            scripts: shipped,
            no_gate_check: false,
        }
    }
}

impl App {
    /// The default Application with `set` applied: `App::with(|a| a.prune = false)`.
    pub fn with(set: impl FnOnce(&mut App)) -> App {
        let mut app = App::default();
        set(&mut app);
        app
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum TaskState {
    Running,
    Succeeded,
    Failed,
}

struct Task {
    key: Key,
    target: Option<Value>,
    wave: i64,
}

/// How an operation ended.
#[derive(Clone, Debug, PartialEq)]
pub enum End {
    Succeeded,
    Failed,
    Terminated,
    /// Still Running after the model's pass budget (it waits forever).
    Hung(String),
}

/// Something the sync did to a node, and the state of the others then.
#[derive(Clone, Debug)]
pub struct Change {
    pub pass: usize,
    pub node: String,
    pub wave: i64,
    pub what: &'static str,
    /// Nodes changed earlier in this run that were not Healthy then.
    pub not_healthy: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Run {
    pub end: Option<End>,
    pub changes: Vec<Change>,
    /// The message of the last pass (as `status.operationState.message`).
    pub message: String,
    pub passes: usize,
    pub retries: u32,
}

impl Run {
    pub fn changed(&self, node: &str) -> bool {
        self.changes.iter().any(|c| c.node == node)
    }

    /// The promise: one node changes at a time, and only when every node
    /// changed before it is Healthy.
    pub fn one_node_at_a_time(&self) -> Result<(), String> {
        for (i, c) in self.changes.iter().enumerate() {
            if let Some(o) = self.changes[..i].iter().find(|o| o.pass == c.pass) {
                return Err(format!(
                    "{} ({}) and {} ({}) change in the same pass {}",
                    o.node, o.what, c.node, c.what, c.pass
                ));
            }
            if !c.not_healthy.is_empty() {
                return Err(format!(
                    "{} ({}, wave {}) changes while {:?} are not Healthy",
                    c.node, c.what, c.wave, c.not_healthy
                ));
            }
        }
        Ok(())
    }
}

/// One sync operation of `target` against `cluster`. `before_pass` is
/// called before every pass (it may change the cluster, as a person would);
/// returning true presses Terminate then. `earlier` are nodes changed by an
/// earlier operation, which the promise counts as changed before this one's.
pub fn sync(
    cluster: &mut Cluster,
    target: &[Value],
    app: &App,
    earlier: &[String],
    mut before_pass: impl FnMut(usize, &Run, &mut Cluster) -> bool,
) -> Run {
    let mut run = Run::default();
    let mut results: BTreeMap<Key, TaskState> = BTreeMap::new();
    let mut changed_nodes: Vec<String> = earlier.to_vec();
    let selected = |obj: &Value| {
        app.only
            .as_ref()
            .is_none_or(|only| only.contains(&s(obj, &["metadata", "name"])))
    };
    for pass in 0..400 {
        run.passes = pass + 1;
        if before_pass(pass, &run, cluster) {
            // `Terminate`: Failed at once; nothing waited for, nothing undone.
            run.message = "Operation terminated".into();
            run.end = Some(End::Terminated);
            return run;
        }
        // What the controller sees: its cache.
        let view = cluster.cache(app.cache_lag);
        // getSyncTasks: targets, then prunes for live objects without one.
        let mut tasks: Vec<Task> = target
            .iter()
            .filter(|t| selected(t))
            .map(|t| Task {
                key: key_of(t),
                target: Some(t.clone()),
                wave: wave_of(t),
            })
            .collect();
        let targets: BTreeSet<Key> = tasks.iter().map(|t| t.key.clone()).collect();
        for (key, l) in &view {
            if !targets.contains(key) && selected(&l.obj) {
                tasks.push(Task {
                    key: key.clone(),
                    target: None,
                    wave: wave_of(&l.obj),
                });
            }
        }
        // Prune waves mirrored onto each other.
        let prune_waves: Vec<i64> = tasks
            .iter()
            .filter(|t| t.target.is_none())
            .map(|t| t.wave)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for t in tasks.iter_mut().filter(|t| t.target.is_none()) {
            let i = prune_waves.iter().position(|&w| w == t.wave).unwrap();
            t.wave = prune_waves[prune_waves.len() - 1 - i];
        }
        // PruneLast: one wave after the largest (floor 0).
        let last = tasks.iter().map(|t| t.wave).max().unwrap_or(0).max(0) + 1;
        for t in tasks.iter_mut().filter(|t| t.target.is_none()) {
            if app.prune_last || has_sync_option(&view[&t.key].obj, "PruneLast=true") {
                t.wave = last;
            }
        }
        tasks.sort_by(|a, b| {
            (a.wave, kind_order(&a.key.0), &a.key.2).cmp(&(b.wave, kind_order(&b.key.0), &b.key.2))
        });
        let multi_step = tasks.first().map(|t| t.wave) != tasks.last().map(|t| t.wave);

        // (3) Health of running tasks, from the live objects.
        for t in &tasks {
            if results.get(&t.key) != Some(&TaskState::Running) {
                continue;
            }
            let Some(l) = view.get(&t.key) else {
                // Not in the cache: a live GET; gone there too, the task
                // fails ("Resource ... is missing").
                if !cluster.live.contains_key(&t.key) {
                    results.insert(t.key.clone(), TaskState::Failed);
                }
                continue;
            };
            let health = if app.no_gate_check && t.key.0 == express_waves::gate::KIND {
                Health::None
            } else {
                health_of(&l.obj, app.scripts)
            };
            match health {
                Health::None => {
                    results.insert(t.key.clone(), TaskState::Succeeded);
                }
                Health::Status(st) if st == "Healthy" => {
                    results.insert(t.key.clone(), TaskState::Succeeded);
                }
                Health::Status(st) if st == "Degraded" => {
                    results.insert(t.key.clone(), TaskState::Failed);
                }
                _ => {}
            }
        }
        let mut outcome: Option<End> = None;
        // (4) Anything still running: wait.
        if let Some(t) = tasks
            .iter()
            .find(|t| multi_step && results.get(&t.key) == Some(&TaskState::Running))
        {
            run.message = format!("waiting for healthy state of {}/{}", t.key.0, t.key.2);
        // (5) Pruned objects still being deleted: wait.
        } else if let Some(t) = tasks.iter().find(|t| {
            t.target.is_none()
                && results.contains_key(&t.key)
                && view.get(&t.key).is_some_and(|l| l.deleting.is_some())
        }) {
            run.message = format!("waiting for deletion of {}/{}", t.key.0, t.key.2);
        // (6) A failed task fails the operation.
        } else if results.values().any(|&r| r == TaskState::Failed) {
            run.message = "one or more synchronization tasks completed unsuccessfully".into();
            outcome = Some(End::Failed);
        } else {
            // (7) Pending tasks, less in-sync ones under ApplyOutOfSyncOnly.
            let pending: Vec<&Task> = tasks
                .iter()
                .filter(|t| !results.contains_key(&t.key))
                .filter(|t| {
                    !app.apply_out_of_sync_only
                        || match (&t.target, view.get(&t.key)) {
                            (Some(target), Some(l)) => modified(target, &l.obj),
                            _ => true,
                        }
                })
                .collect();
            match pending.first() {
                None => {
                    run.message = "successfully synced (no more tasks)".into();
                    outcome = Some(End::Succeeded);
                }
                Some(first) => {
                    let wave = first.wave;
                    let (this, rest): (Vec<&Task>, Vec<&Task>) =
                        pending.iter().partition(|t| t.wave == wave);
                    // (8) runTasks: prunes, then applies, in this pass.
                    let mut record = |node: &str, what: &'static str, cluster: &Cluster| {
                        let not_healthy = changed_nodes
                            .iter()
                            .filter(|n| cluster.obj(n).is_some_and(|o| !healthy(o)))
                            .cloned()
                            .collect();
                        run.changes.push(Change {
                            pass,
                            node: node.into(),
                            wave,
                            what,
                            not_healthy,
                        });
                        changed_nodes.push(node.into());
                    };
                    for t in this.iter().filter(|t| t.target.is_none()) {
                        let live = &view[&t.key].obj;
                        if app.prune && !has_sync_option(live, "Prune=false") {
                            if is_node(&t.key.0) {
                                record(&t.key.2, "deleted", cluster);
                            }
                            cluster.delete(&t.key);
                        }
                        results.insert(t.key.clone(), TaskState::Succeeded);
                    }
                    for t in this.iter().filter(|t| t.target.is_some()) {
                        let target = t.target.as_ref().unwrap();
                        if is_node(&t.key.0) {
                            let before =
                                cluster.live.get(&t.key).map(|l| node_state(&l.obj).clone());
                            let what = match before {
                                None => Some("created"),
                                Some(b) if b != node_state(target) => Some("restarted"),
                                _ => None,
                            };
                            if let Some(what) = what {
                                record(&t.key.2, what, cluster);
                            }
                        }
                        cluster.apply(target);
                        results.insert(t.key.clone(), TaskState::Running);
                    }
                    // (9) delayBetweenSyncWaves, skipped for the final wave.
                    if !rest.is_empty() {
                        for _ in 0..app.wave_delay {
                            cluster.tick();
                        }
                    }
                    // (10) No task left: Succeeded without waiting.
                    if rest.is_empty() {
                        run.message = "successfully synced (all tasks run)".into();
                        outcome = Some(End::Succeeded);
                    }
                }
            }
        }
        match outcome {
            Some(End::Failed) if run.retries < app.retry_limit => {
                // processRequestedAppOperation: from scratch after a backoff.
                run.retries += 1;
                results.clear();
                for _ in 0..5 {
                    cluster.tick();
                }
            }
            Some(end) => {
                run.end = Some(end);
                return run;
            }
            None => {}
        }
        cluster.tick(); // the requeue before the next pass
    }
    run.end = Some(End::Hung(run.message.clone()));
    run
}

/// Whether the live object differs from the target (what the diff of
/// `modificationResult` says), ignoring what only the live object has.
fn modified(target: &Value, live: &Value) -> bool {
    target.get("spec") != live.get("spec")
        || target.at(&["metadata", "labels"]) != live.at(&["metadata", "labels"])
        || target.at(&["metadata", "annotations"]) != live.at(&["metadata", "annotations"])
        || (target.get("data").is_some() && target.get("data") != live.get("data"))
}
