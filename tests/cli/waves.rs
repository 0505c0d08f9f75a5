//! Proof that the waves make Argo CD apply one node at a time and that
//! Terminate stops every later node.
//!
//! Argo CD cannot run here, so this models gitops-engine's sync loop as its
//! source documents it: resources ordered by sync phase, then wave, then
//! kind, then name; one wave applied at a time; the next wave only when every
//! resource of the current one is Healthy (custom resources by their Lua
//! health check, run here under a real Lua 5.1 sandbox; Degraded fails the
//! operation); Terminate lets the wave in flight finish and applies nothing
//! after it. A fake operator moves each applied node's status along, and
//! only once the node's prerequisites are Ready at the stated revision, as
//! the real operator would.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use express_waves::health;
use express_waves::model::ExpressKind;
use express_waves::value::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct Resource {
    kind: String,
    name: String,
    namespace: String,
    wave: i64,
    obj: Value,
    /// How many operator steps it has had since it was applied.
    steps: u32,
}

fn s(v: &Value, path: &[&str]) -> String {
    v.at(path).and_then(Value::as_str).unwrap_or("").to_string()
}

fn rendered(example: &str) -> Vec<Resource> {
    let out = Command::new(env!("CARGO_BIN_EXE_express-waves"))
        .args(["render", &format!("examples/rendered/{example}.yaml")])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    express_waves::stream::split(text.as_bytes())
        .iter()
        .filter_map(|c| {
            let node = express_waves::yaml::read_document(
                std::str::from_utf8(c.bytes).unwrap(),
                Default::default(),
            )
            .unwrap()?;
            let obj = express_waves::value::from_node(&node, "").unwrap();
            let wave = s(
                &obj,
                &["metadata", "annotations", "argocd.argoproj.io/sync-wave"],
            )
            .parse()
            .unwrap_or(0);
            Some(Resource {
                kind: s(&obj, &["kind"]),
                name: s(&obj, &["metadata", "name"]),
                namespace: s(&obj, &["metadata", "namespace"]),
                wave,
                obj,
                steps: 0,
            })
        })
        .collect()
}

fn express_kind(kind: &str) -> Option<ExpressKind> {
    match kind {
        "Cluster" => Some(ExpressKind::Cluster),
        "Backend" => Some(ExpressKind::Backend),
        "Frontend" => Some(ExpressKind::Frontend),
        _ => None,
    }
}

/// Health as Argo CD sees it: the shipped Lua for Express kinds; the
/// built-in kinds used here (ConfigMap, ClusterIP Service) are Healthy.
fn lua_health(r: &Resource) -> String {
    match express_kind(&r.kind) {
        Some(k) => crate::health::lua_status(health::lua(k), &r.obj),
        None => "Healthy".into(),
    }
}

/// Which node should fail (become Degraded) instead of getting Ready.
type Failing<'a> = Option<&'a str>;

/// The fake operator: a node gets status only after its prerequisites (of
/// the list `list`) are Ready at the revision the entry names.
fn operator_step(resources: &mut [Resource], applied: &[usize], list: &str, failing: Failing<'_>) {
    let ready: BTreeMap<String, String> = applied
        .iter()
        .map(|&i| &resources[i])
        .filter(|r| lua_health(r) == "Healthy")
        .map(|r| (r.name.clone(), s(&r.obj, &["status", "deploymentRevision"])))
        .collect();
    for &i in applied {
        let r = &resources[i];
        if !matches!(r.kind.as_str(), "Backend" | "Frontend" | "Cluster") {
            continue;
        }
        let prereqs_ready = match r.obj.at(&["spec", "deploymentDependencies", list]) {
            Some(Value::Seq(entries)) => entries.iter().all(|e| {
                let dep = s(e, &["expressNode"]);
                match e.get("deploymentRevision").and_then(Value::as_str) {
                    Some(rev) => ready.get(&dep).is_some_and(|have| have == rev),
                    None => ready.contains_key(&dep),
                }
            }),
            _ => true,
        };
        let r = &mut resources[i];
        r.steps += 1;
        if r.steps < 2 || !prereqs_ready {
            continue;
        }
        let generation = Value::Int(1);
        let revision = s(
            &r.obj,
            &[
                "metadata",
                "labels",
                "express.medallia.com/deployment-revision",
            ],
        );
        let failed = failing == Some(r.name.as_str());
        let status = Value::Map(vec![
            ("observedGeneration".into(), generation.clone()),
            ("deploymentRevision".into(), Value::Str(revision)),
            (
                "phase".into(),
                Value::Str(if failed { "Broken" } else { "Running" }.into()),
            ),
            ("message".into(), Value::Str("cache rebuild failed".into())),
            (
                "conditions".into(),
                Value::Seq(vec![Value::Map(vec![
                    ("type".into(), Value::Str("Ready".into())),
                    (
                        "status".into(),
                        Value::Str(if failed { "False" } else { "True" }.into()),
                    ),
                ])]),
            ),
        ]);
        r.obj.set("status", status);
        if let Some(meta) = r.obj.get_mut("metadata") {
            meta.set("generation", generation);
        }
    }
}

#[derive(Debug, PartialEq)]
enum End {
    Succeeded,
    Terminated,
    Failed(String),
}

/// gitops-engine's loop, modelled. Returns the order resources were applied
/// in and how the operation ended.
fn sync(
    resources: &mut [Resource],
    list: &str,
    terminate_after_wave: Option<i64>,
    failing: Failing<'_>,
) -> (Vec<usize>, End) {
    let kind_rank = |k: &str| match k {
        "Namespace" => 0,
        "ConfigMap" => 1,
        "Service" => 2,
        _ => 9, // custom resources last
    };
    let mut order: Vec<usize> = (0..resources.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (&resources[a], &resources[b]);
        (ra.wave, kind_rank(&ra.kind), &ra.name).cmp(&(rb.wave, kind_rank(&rb.kind), &rb.name))
    });
    let mut waves: Vec<i64> = order.iter().map(|&i| resources[i].wave).collect();
    waves.dedup();
    let mut applied = Vec::new();
    for wave in waves {
        let this: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| resources[i].wave == wave)
            .collect();
        for &i in &this {
            // Nothing is applied before its prerequisites are Healthy.
            if let Some(Value::Seq(entries)) =
                resources[i]
                    .obj
                    .at(&["spec", "deploymentDependencies", list])
            {
                for e in entries {
                    let dep = s(e, &["expressNode"]);
                    let d = resources
                        .iter()
                        .find(|r| r.name == dep && r.namespace == resources[i].namespace)
                        .unwrap();
                    assert_eq!(
                        lua_health(d),
                        "Healthy",
                        "{} applied before {dep} was Healthy",
                        resources[i].name
                    );
                }
            }
            applied.push(i);
        }
        let mut ticks = 0;
        loop {
            let states: Vec<String> = this.iter().map(|&i| lua_health(&resources[i])).collect();
            if let Some(p) = states.iter().position(|h| h == "Degraded") {
                return (applied, End::Failed(resources[this[p]].name.clone()));
            }
            if states.iter().all(|h| h == "Healthy") {
                break;
            }
            ticks += 1;
            assert!(ticks < 50, "wave {wave} never became healthy: {states:?}");
            operator_step(resources, &applied, list, failing);
        }
        if terminate_after_wave == Some(wave) {
            return (applied, End::Terminated);
        }
    }
    (applied, End::Succeeded)
}

fn mode_list(resources: &[Resource]) -> &'static str {
    let provisioning = resources.iter().any(|r| {
        r.kind == "Cluster"
            && s(
                &r.obj,
                &["metadata", "annotations", "express.medallia.com/mode"],
            ) == "provisioning"
    });
    if provisioning {
        "provisioningPrerequisites"
    } else {
        "upgradePrerequisites"
    }
}

const EXAMPLES: [&str; 5] = [
    "varsamisktest",
    "acme-backend-down",
    "globex-provisioning",
    "initech-12-frontends",
    "hooli-all-down",
];

#[test]
fn one_node_per_wave_and_revisions_configmap_last() {
    for ex in EXAMPLES {
        let resources = rendered(ex);
        let mut per_wave: BTreeMap<i64, usize> = BTreeMap::new();
        let mut last_node_wave = i64::MIN;
        for r in resources
            .iter()
            .filter(|r| matches!(r.kind.as_str(), "Backend" | "Frontend"))
        {
            *per_wave.entry(r.wave).or_default() += 1;
            last_node_wave = last_node_wave.max(r.wave);
        }
        assert!(per_wave.values().all(|&n| n == 1), "{ex}: {per_wave:?}");
        let cm = resources
            .iter()
            .find(|r| r.name.ends_with("-deployment-revisions"))
            .unwrap();
        assert!(
            resources.iter().all(|r| r.wave <= cm.wave),
            "{ex}: the revisions ConfigMap is not last"
        );
        assert_eq!(cm.wave, last_node_wave + 1, "{ex}");
    }
}

#[test]
fn full_sync_applies_in_wave_order_each_after_its_prerequisites() {
    for ex in EXAMPLES {
        let mut resources = rendered(ex);
        let list = mode_list(&resources);
        let (applied, end) = sync(&mut resources, list, None, None);
        assert_eq!(end, End::Succeeded, "{ex}");
        assert_eq!(
            applied.len(),
            resources.len(),
            "{ex}: every resource applied"
        );
        let last = &resources[*applied.last().unwrap()];
        assert!(
            last.name.ends_with("-deployment-revisions"),
            "{ex}: last applied is {}",
            last.name
        );
    }
}

#[test]
fn terminate_during_wave_k_applies_no_later_node() {
    let ex = "initech-12-frontends";
    let waves: Vec<i64> = {
        let mut w: Vec<i64> = rendered(ex).iter().map(|r| r.wave).collect();
        w.sort();
        w.dedup();
        w
    };
    for &k in &waves {
        let mut resources = rendered(ex);
        let list = mode_list(&resources);
        let (applied, end) = sync(&mut resources, list, Some(k), None);
        assert_eq!(end, End::Terminated);
        for (i, r) in resources.iter().enumerate() {
            assert_eq!(
                applied.contains(&i),
                r.wave <= k,
                "terminate after wave {k}: {} (wave {})",
                r.name,
                r.wave
            );
        }
    }
}

#[test]
fn a_degraded_node_fails_the_sync_and_stops_the_rollout() {
    let mut resources = rendered("varsamisktest");
    let list = mode_list(&resources);
    let (applied, end) = sync(&mut resources, list, None, Some("varsamisktest-fe2"));
    assert_eq!(end, End::Failed("varsamisktest-fe2".into()));
    let fe2_wave = resources
        .iter()
        .find(|r| r.name == "varsamisktest-fe2")
        .unwrap()
        .wave;
    for (i, r) in resources.iter().enumerate() {
        assert_eq!(applied.contains(&i), r.wave <= fe2_wave, "{}", r.name);
    }
}
