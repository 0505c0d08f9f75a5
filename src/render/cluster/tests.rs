//! One cluster decided on its own: order, waves and the revisions
//! ConfigMap's wave, from a small stream.

use super::*;
use crate::render::{Source, group, read};
use crate::value::Value;

/// `decide` on the one cluster of `text`, keeping values: its revisions
/// ConfigMap, if any, and its rollout.
fn decide_one(text: &str, opts: &Options) -> Result<(Option<Value>, ClusterRollout)> {
    let sources = [Source {
        name: "t".into(),
        bytes: text.as_bytes().to_vec(),
    }];
    let mut docs = read::documents(&sources, opts, Keep::Values)?;
    let clusters = group::clusters(&docs)?;
    let ((ns, name), members) = clusters.iter().next().expect("one cluster");
    let recorded = super::super::configmap::Placement::new(&docs).recorded(&docs, ns, name);
    let given = super::Given {
        recorded: &recorded,
        gate_after: &[],
        wave_start: opts.wave_start.unwrap_or(crate::render::WAVE_START_DEFAULT),
        frontends_before_backend: opts
            .frontends_before_backend
            .unwrap_or(crate::render::FRONTENDS_BEFORE_BACKEND_DEFAULT),
    };
    let d = decide(&mut docs, ns, name, members, &given, opts, Keep::Values)?;
    let map = d.map.map(|m| m.to_value(&docs));
    Ok((map, d.rollout.expect("kept values")))
}

fn node(kind: &str, key: &str, extra: &str) -> String {
    format!(
        "---\napiVersion: express.medallia.com/v2alpha1\nkind: {kind}\nmetadata:\n  name: acme-{key}\n  namespace: t1\n{extra}spec:\n  clusterConfig:\n    clusterName: acme\n  expressVersion: v1\n"
    )
}

fn cluster_cr(annotations: &str) -> String {
    format!(
        "---\napiVersion: express.medallia.com/v2alpha1\nkind: Cluster\nmetadata:\n  name: acme\n  namespace: t1\n{annotations}spec:\n  clusterConfig:\n    clusterName: acme\n"
    )
}

fn stream() -> String {
    [
        cluster_cr("  annotations:\n    express.medallia.com/mode: provisioning\n"),
        node("Backend", "be", ""),
        node("Frontend", "fe1", ""),
        node("Frontend", "fe2", ""),
    ]
    .concat()
}

#[test]
fn the_cluster_crs_mode_orders_the_waves_unless_the_option_overrides_it() {
    let (_, r) = decide_one(&stream(), &Options::default()).unwrap();
    let keys: Vec<&str> = r.nodes.iter().map(|n| n.key.as_str()).collect();
    assert_eq!(
        (r.mode, keys),
        (Mode::Provisioning, vec!["be", "fe1", "fe2"])
    );
    let upgrade = Options {
        mode: Some(Mode::Upgrade),
        ..Options::default()
    };
    let (_, r) = decide_one(&stream(), &upgrade).unwrap();
    let keys: Vec<&str> = r.nodes.iter().map(|n| n.key.as_str()).collect();
    assert_eq!((r.mode, keys), (Mode::Upgrade, vec!["fe1", "fe2", "be"]));
}

#[test]
fn waves_start_at_the_option_and_the_configmap_follows_the_last_node() {
    let opts = Options {
        wave_start: Some(10),
        ..Options::default()
    };
    let (map, r) = decide_one(&stream(), &opts).unwrap();
    let waves: Vec<i64> = r.nodes.iter().map(|n| n.wave).collect();
    assert_eq!(waves, [10, 11, 12]);
    assert_eq!(r.configmap_wave, Some(13));
    let wave = map
        .unwrap()
        .at(&["metadata", "annotations", "argocd.argoproj.io/sync-wave"])
        .cloned();
    assert_eq!(wave, Some(Value::Str("13".into())));
    let none = Options {
        revision_configmap: false,
        ..Options::default()
    };
    let (map, r) = decide_one(&stream(), &none).unwrap();
    assert!(map.is_none() && r.configmap_wave.is_none());
}

#[test]
fn a_prerequisite_on_a_node_outside_the_cluster_is_refused_with_its_document() {
    let text = [
        node("Backend", "be", ""),
        node(
            "Frontend",
            "fe1",
            "",
        )
        .replace(
            "  expressVersion: v1\n",
            "  expressVersion: v1\n  deploymentDependencies:\n    upgradePrerequisites:\n      - expressNode: acme-fe9\n",
        ),
    ]
    .concat();
    let e = decide_one(&text, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("document 2 (Frontend t1/acme-fe1)") && e.contains("names `acme-fe9`"),
        "{e}"
    );
}
