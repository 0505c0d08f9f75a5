//! `approve NS/CLUSTER`: against a fake `kubectl` serving the live gate a
//! real render wrote (`render --gate-after fe1`), recording every argv.
//! The approval it writes is applied to that gate and read by the gate's
//! health rules (the same as its Lua, `health.rs`): it must open this
//! rollout's gate, and nothing else.

use std::path::{Path, PathBuf};

use express_waves::gate;
use express_waves::value::Value;

use crate::{Scratch, assert_exit, assert_says, assert_success, refused, root, run_binary};

/// A fake kubectl whose `get` prints the gates it was given (a List) and
/// whose other commands only record their argv.
fn fake(name: &str, gates: &[Value]) -> Scratch {
    let scratch = Scratch::new("approve", name);
    let list = Value::Map(vec![
        ("apiVersion".into(), Value::Str("v1".into())),
        ("kind".into(), Value::Str("List".into())),
        ("items".into(), Value::Seq(gates.to_vec())),
    ]);
    let mut text = String::new();
    express_waves::emit::document(&list, &mut text);
    let listed = scratch.dir.join("gates.yaml");
    std::fs::write(&listed, text).unwrap();
    scratch.fake_kubectl(&format!(
        "case \"$1\" in get) cat '{}' ;; esac",
        listed.display()
    ));
    scratch
}

/// What `approve NS/acme EXTRA` against the fake kubectl `k` prints,
/// checked to succeed.
fn approved(k: &Scratch, extra: &[&str]) -> String {
    let cluster = format!("{NS}/acme");
    let mut args = vec![cluster.as_str()];
    args.extend_from_slice(extra);
    let out = approve(k, &args);
    assert_success(&out);
    String::from_utf8(out.stdout).unwrap()
}

/// `approve NS/acme --render PATH` against the fake kubectl `k`.
fn approve_render(k: &Scratch, path: &Path) -> std::process::Output {
    approve(
        k,
        &[&format!("{NS}/acme"), "--render", path.to_str().unwrap()],
    )
}

/// `approve ARGS` against the fake kubectl `k`, as the user `ops-bot`.
fn approve(k: &Scratch, args: &[&str]) -> std::process::Output {
    let mut all = vec!["approve"];
    all.extend_from_slice(args);
    k.run_with_fake_kubectl(&all, &[("USER", "ops-bot".as_ref())])
}

const NS: &str = "tenant-200001-prod";

fn example() -> String {
    std::fs::read_to_string(root().join("examples/rendered/acme-backend-down.yaml")).unwrap()
}

/// The documents of `render ARGS` of `input`.
fn render(input: &str, args: &[&str]) -> (String, Vec<Value>) {
    let mut all = vec!["render"];
    all.extend_from_slice(args);
    let out = run_binary(&all, &[], input.as_bytes());
    assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let docs = crate::documents(&text);
    (text, docs)
}

/// The gates of a render, as the API server would serve them.
fn live_gates(docs: &[Value]) -> Vec<Value> {
    docs.iter()
        .filter(|d| gate::is_gate(d))
        .map(|d| {
            let mut d = d.clone();
            d.map_entry("metadata")
                .unwrap()
                .set("resourceVersion", Value::Str("4711".into()));
            d
        })
        .collect()
}

/// `kubectl annotate … KEY=VALUE …` applied to `obj`.
fn apply_annotate(obj: &mut Value, argv: &[String]) {
    let meta = obj.map_entry("metadata").unwrap();
    if meta.get("annotations").is_none() {
        meta.set("annotations", Value::Map(Vec::new()));
    }
    let ann = meta.map_entry("annotations").unwrap();
    for a in argv.iter().filter(|a| !a.starts_with("--")) {
        if let Some((k, v)) = a.split_once('=') {
            ann.set(k, Value::Str(v.into()));
        }
    }
}

/// A live gate approved for the rollout it guards, as `approve` leaves it.
fn approve_its_rollout(gate: &mut Value) {
    let rollout = gate
        .at(&["spec", "rollout"])
        .and_then(Value::as_str)
        .unwrap()
        .to_string();
    apply_annotate(gate, &[format!("{}={rollout}", gate::ANN_APPROVED)]);
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn approve_shows_the_nodes_around_the_gate_then_annotates_exactly_that_rollout() {
    let (_, docs) = render(&example(), &["--gate-after", "fe1"]);
    let gates = live_gates(&docs);
    let k = fake("ok", &gates);
    let text = approved(&k, &["--by", "jane (canary fe1 ok)"]);
    let rollout = gates[0]
        .at(&["spec", "rollout"])
        .and_then(Value::as_str)
        .unwrap();
    let rev = |name: &str| {
        docs.iter()
            .find(|d| d.at(&["metadata", "name"]).and_then(Value::as_str) == Some(name))
            .and_then(|d| {
                d.at(&[
                    "metadata",
                    "labels",
                    "express.medallia.com/deployment-revision",
                ])
            })
            .and_then(Value::as_str)
            .unwrap()
            .to_string()
    };
    assert_eq!(
        text,
        format!(
            "{NS}/acme: the gate after fe1 (rollout {rollout})\n  before the gate:\n    fe1  {}\n  after the gate (held until approved):\n    fe2  {}\n    be   {}\n    fe3  {}\napproved by jane (canary fe1 ok)\n",
            rev("acme-fe1"),
            rev("acme-fe2"),
            rev("acme-be"),
            rev("acme-fe3")
        )
    );
    let calls = k.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(
        calls[0],
        [
            "get",
            gate::RESOURCE,
            "--output=yaml",
            &format!("--namespace={NS}"),
        ]
    );
    assert_eq!(
        calls[1],
        [
            "annotate".to_string(),
            gate::RESOURCE.into(),
            "acme-gate-fe1".into(),
            "--overwrite".into(),
            "--resource-version=4711".into(),
            format!("{}={rollout}", gate::ANN_APPROVED),
            format!("{}=jane (canary fe1 ok)", gate::ANN_APPROVED_BY),
            format!("--namespace={NS}"),
        ]
    );
    // The approval opens this gate, and no gate of the next rollout.
    let mut live = gates[0].clone();
    assert_eq!(gate::health(&live).status.name(), "Suspended");
    apply_annotate(&mut live, &calls[1]);
    let h = gate::health(&live);
    assert_eq!(
        (h.status.name(), h.message.as_str()),
        ("Healthy", "Approved by jane (canary fe1 ok)")
    );
    let next = example().replace("configChangeset: \"", "configChangeset: \"next-");
    let (_, next_docs) = render(&next, &["--gate-after", "fe1"]);
    let mut next_gate = live_gates(&next_docs).remove(0);
    apply_annotate(&mut next_gate, &calls[1]);
    assert_eq!(gate::health(&next_gate).status.name(), "Suspended");
}

#[test]
fn approve_refuses_a_gate_that_guards_another_rollout_than_the_render() {
    let (_, docs) = render(&example(), &["--gate-after", "fe1"]);
    let k = fake("refuse", &live_gates(&docs));
    // The render being rolled out is the next chart value: the live gate is
    // still the last rollout's (Argo CD has not applied the new one).
    let next = example().replace("configChangeset: \"", "configChangeset: \"next-");
    let (text, _) = render(&next, &["--gate-after", "fe1"]);
    let path = write(&k.dir, "next.yaml", &text);
    let err = refused(&approve_render(&k, &path));
    assert_says(
        &err,
        &[
            "refused: the live gate after fe1 of tenant-200001-prod/acme guards another rollout than the render's",
            "fe2: live gate ",
        ],
    );
    assert!(
        k.calls().iter().all(|c| c[0] != "annotate"),
        "{:?}",
        k.calls()
    );
    // The same render is approved.
    let (same, _) = render(&example(), &["--gate-after", "fe1"]);
    let path = write(&k.dir, "same.yaml", &same);
    assert_success(&approve_render(&k, &path));
    let annotate = k.calls().into_iter().find(|c| c[0] == "annotate").unwrap();
    assert!(annotate.contains(&format!("{}=ops-bot", gate::ANN_APPROVED_BY)));
    // The live gate approved for the last rollout is not "already
    // approved" for the render's: refused, as not applied yet.
    let mut approved = live_gates(&docs).remove(0);
    approve_its_rollout(&mut approved);
    let k2 = fake("refuse-approved", &[approved]);
    let path = write(&k2.dir, "next.yaml", &text);
    let err = refused(&approve_render(&k2, &path));
    assert_says(&err, &["guards another rollout than the render's"]);
    // A render that leaves the namespace to `kubectl apply -n` guards the
    // same rollout.
    let (bare, _) = render(
        &example().replace(&format!("  namespace: {NS}\n"), ""),
        &["--gate-after", "fe1"],
    );
    assert!(!bare.contains(NS));
    let path = write(&k.dir, "bare.yaml", &bare);
    assert_success(&approve(
        &k,
        &[
            &format!("{NS}/acme"),
            "--render",
            path.to_str().unwrap(),
            "--dry-run",
        ],
    ));
}

#[test]
fn approve_with_nothing_waiting_exits_1_and_dry_run_changes_nothing() {
    let (_, docs) = render(&example(), &["--gate-after", "fe1,fe2"]);
    let mut gates = live_gates(&docs);
    let k = fake("dry", &gates);
    // Without --gate: the first gate in wave order (fe1's), where Argo CD
    // waits.
    let text = approved(&k, &["--dry-run"]);
    assert!(
        text.contains("the gate after fe1 ") && text.ends_with("not approved (--dry-run)\n"),
        "{text}"
    );
    assert!(k.calls().iter().all(|c| c[0] == "get"));
    gates.iter_mut().for_each(approve_its_rollout);
    // For bots: -o json says the same.
    let out = approve(&k, &[&format!("{NS}/acme"), "--dry-run", "-o", "json"]);
    assert_success(&out);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["result"], "dry-run");
    assert_eq!(j["gate"]["after"], "fe1");
    assert_eq!(
        j["gate"]["before"],
        serde_json::json!([{"node": "fe1", "revision": j["gate"]["before"][0]["revision"]}])
    );
    let held: Vec<&str> = j["gate"]["heldUntilApproved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["node"].as_str().unwrap())
        .collect();
    assert_eq!(held, ["fe2", "be", "fe3"]);
    assert_eq!(j["alreadyApproved"], serde_json::json!([]));
    let k = fake("done", &gates);
    let out = approve(&k, &[&format!("{NS}/acme"), "-o", "json"]);
    assert_exit(&out, 1);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["result"], "nothing-waits");
    assert_eq!(j["alreadyApproved"].as_array().unwrap().len(), 2);
    let out = approve(&k, &[&format!("{NS}/acme")]);
    assert_exit(&out, 1);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_says(
        &text,
        &[
            "the gate after fe1 is already approved",
            "the gate after fe2 is already approved",
        ],
    );
    assert!(k.calls().iter().all(|c| c[0] == "get"));
}

/// What kubectl printed is checked before anything is annotated: a gate
/// of another namespace or not express-waves' is not offered; one read
/// without a resourceVersion (no precondition) or Degraded is refused; the
/// live name is annotated; with --render, a gate an earlier render wrote
/// (not pruned yet) is passed over for the render's.
#[test]
fn approve_checks_what_kubectl_printed_before_annotating() {
    let (_, docs) = render(&example(), &["--gate-after", "fe1"]);
    let good = live_gates(&docs).remove(0);
    let set = |v: &Value, path: &[&str], to: Option<&str>| {
        let mut v = v.clone();
        let (last, parents) = path.split_last().unwrap();
        let mut at = &mut v;
        for p in parents {
            at = at.map_entry(p).unwrap();
        }
        match to {
            Some(t) => at.set(last, Value::Str(t.into())),
            None => {
                if let Value::Map(m) = at {
                    m.retain(|(k, _)| k != last);
                }
            }
        }
        v
    };
    // `base` renamed, naming `cluster` in its spec and `label` as its
    // cluster label (None: no label).
    let named_for = |base: &Value, name: &str, cluster: &str, label: Option<&str>| {
        let v = set(base, &["metadata", "name"], Some(name));
        let v = set(&v, &["spec", "cluster"], Some(cluster));
        set(
            &v,
            &["metadata", "labels", "express.medallia.com/cluster"],
            label,
        )
    };
    let other_ns = set(&good, &["metadata", "namespace"], Some("elsewhere"));
    let k = fake("other-ns", &[other_ns]);
    assert!(refused(&approve(&k, &[&format!("{NS}/acme")])).contains("has no live gate"));
    let foreign = set(
        &good,
        &["metadata", "labels", "app.kubernetes.io/created-by"],
        None,
    );
    let k = fake("foreign", std::slice::from_ref(&foreign));
    let err = refused(&approve(&k, &[&format!("{NS}/acme")]));
    assert_says(
        &err,
        &[
            "has no live gate of express-waves",
            "it is held by gate acme-gate-fe1, not one express-waves wrote for this cluster (Suspended: ",
        ],
    );
    // Beside one of ours, a gate not ours that holds the rollout (as
    // `status` shows it; here one naming no cluster) is named, not
    // approved.
    let unnamed = named_for(&foreign, "hand-made", "", None);
    let k = fake("foreign-beside", &[good.clone(), unnamed]);
    let text = approved(&k, &[]);
    assert!(
        text.contains(&format!(
            "\n{NS}/acme: also held by gate hand-made, not one express-waves wrote for this cluster (Suspended: "
        )) && text.ends_with(
            "), which approve does not approve: remove it, or approve it as its author means\n"
        ),
        "{text}"
    );
    let annotate = k.calls().into_iter().find(|c| c[0] == "annotate").unwrap();
    assert_eq!(annotate[2], "acme-gate-fe1");
    // One of express-waves' own that names no cluster holds it too (found
    // in review), and another cluster's, however broken, is no concern.
    let ours_unnamed = named_for(&good, "no-cluster", "", None);
    let others = named_for(&good, "other-gate-fe1", "other", Some("other"));
    let broken = set(
        &others,
        &["metadata", "annotations", "argocd.argoproj.io/sync-wave"],
        Some("2x"),
    );
    let k = fake("holders", &[good.clone(), ours_unnamed, broken]);
    let text = approved(&k, &["--dry-run"]);
    assert!(
        text.contains("also held by gate no-cluster, not one express-waves wrote for this cluster")
            && !text.contains("other-gate-fe1"),
        "{text}"
    );
    let no_rv = set(&good, &["metadata", "resourceVersion"], None);
    let k = fake("no-rv", &[no_rv]);
    assert!(
        refused(&approve(&k, &[&format!("{NS}/acme")])).contains("has no metadata.resourceVersion")
    );
    let degraded = set(&good, &["spec", "rollout"], Some(""));
    let k = fake("degraded", &[degraded]);
    assert!(refused(&approve(&k, &[&format!("{NS}/acme")])).contains("is Degraded"));
    assert!(k.calls().iter().all(|c| c[0] == "get"));
    // Renamed live: the live name is what is annotated.
    let renamed = set(&good, &["metadata", "name"], Some("acme-gate-fe1-live"));
    let k = fake("renamed", &[renamed]);
    assert_success(&approve(&k, &[&format!("{NS}/acme")]));
    let annotate = k.calls().into_iter().find(|c| c[0] == "annotate").unwrap();
    assert_eq!(annotate[2], "acme-gate-fe1-live");
    // A stale gate after fe1 (an earlier render's) and the render's after
    // fe2: with --render, the fe2 one.
    let (text, docs2) = render(&example(), &["--gate-after", "fe2"]);
    let k = fake("stale", &[good.clone(), live_gates(&docs2).remove(0)]);
    let path = write(&k.dir, "r.yaml", &text);
    let out = approve_render(&k, &path);
    assert_success(&out);
    let annotate = k.calls().into_iter().find(|c| c[0] == "annotate").unwrap();
    assert_eq!(annotate[2], "acme-gate-fe2");
}

#[test]
fn approve_errors_name_what_is_wrong() {
    let k = fake("errors", &[]);
    let err = refused(&approve(&k, &["acme"]));
    assert_says(&err, &["`acme` is not NAMESPACE/CLUSTER"]);
    let err = refused(&approve(&k, &[&format!("{NS}/acme")]));
    assert_says(&err, &["cluster tenant-200001-prod/acme has no live gate"]);
    let (_, docs) = render(&example(), &["--gate-after", "fe1"]);
    let k = fake("errors2", &live_gates(&docs));
    let err = refused(&approve(&k, &[&format!("{NS}/acme"), "--gate", "fe2"]));
    assert_says(&err, &["has no gate after fe2 (its gates: after fe1)"]);
}

/// What the API server checks of a custom resource against its CRD's
/// structural schema, for the types the Gate's uses: `type`, `required`,
/// `properties` (structural schemas prune unknown fields, so one render
/// writes outside them would be lost), `items`.
fn conforms(schema: &Value, v: &Value, path: &str) -> Result<(), String> {
    let ty = schema.get("type").and_then(Value::as_str).unwrap_or("");
    match (ty, v) {
        ("object", Value::Map(entries)) => {
            if let Some(Value::Seq(req)) = schema.get("required") {
                for r in req.iter().filter_map(Value::as_str) {
                    if v.get(r).is_none() {
                        return Err(format!("{path}.{r} is required"));
                    }
                }
            }
            if let Some(props) = schema.get("properties") {
                for (k, sub) in entries {
                    let s = props
                        .get(k)
                        .ok_or_else(|| format!("{path}.{k} is not in the schema (pruned)"))?;
                    conforms(s, sub, &format!("{path}.{k}"))?;
                }
            }
            Ok(())
        }
        ("array", Value::Seq(items)) => items.iter().enumerate().try_for_each(|(i, it)| {
            conforms(schema.get("items").unwrap(), it, &format!("{path}[{i}]"))
        }),
        ("string", Value::Str(_)) => Ok(()),
        _ => Err(format!("{path}: not a {ty}")),
    }
}

#[test]
fn every_rendered_gate_conforms_to_the_gate_crd_schema() {
    let crd = crate::yaml_file(&root().join("examples/argocd/gate-crd.yaml"));
    let Some(Value::Seq(versions)) = crd.at(&["spec", "versions"]) else {
        panic!()
    };
    let schema = versions[0].at(&["schema", "openAPIV3Schema"]).unwrap();
    // metadata is the API server's; the spec is checked.
    let spec_schema = schema.at(&["properties", "spec"]).unwrap();
    let (_, docs) = render(&example(), &["--gate-after", "fe1,fe2,be"]);
    let gates: Vec<&Value> = docs.iter().filter(|d| gate::is_gate(d)).collect();
    assert_eq!(gates.len(), 3);
    for g in gates {
        conforms(spec_schema, g.get("spec").unwrap(), "spec").unwrap();
        assert_eq!(
            g.get("apiVersion").and_then(Value::as_str),
            Some(
                format!(
                    "{}/{}",
                    gate::GROUP,
                    versions[0].get("name").and_then(Value::as_str).unwrap()
                )
                .as_str()
            )
        );
    }
    // And the check can fail.
    let bad = Value::Map(vec![("cluster".into(), Value::Str("a".into()))]);
    assert!(conforms(spec_schema, &bad, "spec").is_err());
}
