//! Unit tests of `order`.

use super::*;

fn members(spec: &str) -> Vec<Member> {
    // "be fe1 -fe2" : a leading '-' marks a down node.
    spec.split_whitespace()
        .map(|k| {
            let (up, key) = match k.strip_prefix('-') {
                Some(k) => (false, k),
                None => (true, k),
            };
            Member {
                key: key.into(),
                role: if key.starts_with("be") {
                    Role::Backend
                } else {
                    Role::Frontend
                },
                up,
                ignored: false,
                managed: true,
                rendered: [vec![], vec![]],
            }
        })
        .collect()
}

fn keys(ms: &[Member], idx: &[usize]) -> String {
    idx.iter()
        .map(|&i| ms[i].key.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn chain(ms: &[Member], p: &Order, list: List) -> String {
    let mut out = Vec::new();
    for (i, ds) in p.deps[list as usize].iter().enumerate() {
        for d in ds {
            out.push(format!("{}<{}", ms[i].key, ms[d.target].key));
        }
    }
    out.sort();
    out.join(" ")
}

#[test]
fn natural_sort() {
    let mut v = vec!["fe10", "fe9", "fe1", "fe01a", "fe2", "be"];
    v.sort_by(|a, b| natural_cmp(a, b));
    assert_eq!(v, ["be", "fe1", "fe01a", "fe2", "fe9", "fe10"]);
}

#[test]
fn default_orders() {
    let ms = members("fe3 fe10 be fe1 fe2 fe4 fe9");
    assert_eq!(
        keys(&ms, &default_order(&ms, Mode::Upgrade, 2)),
        "fe1 fe2 be fe3 fe4 fe9 fe10"
    );
    assert_eq!(
        keys(&ms, &default_order(&ms, Mode::Provisioning, 2)),
        "be fe1 fe2 fe3 fe4 fe9 fe10"
    );
    assert_eq!(
        keys(&ms, &default_order(&ms, Mode::Upgrade, 0)),
        "be fe1 fe2 fe3 fe4 fe9 fe10"
    );
}

#[test]
fn all_up_chains() {
    let ms = members("be fe1 fe2 fe3 fe4");
    let p = resolve(&ms, Mode::Upgrade, 2).unwrap();
    assert_eq!(
        chain(&ms, &p, List::Upgrade),
        "be<fe2 fe2<fe1 fe3<be fe4<fe3"
    );
    assert_eq!(
        chain(&ms, &p, List::Provisioning),
        "fe1<be fe2<fe1 fe3<fe2 fe4<fe3"
    );
    assert_eq!(keys(&ms, &p.waves), "fe1 fe2 be fe3 fe4");
}

#[test]
fn down_nodes_leave_the_chain_but_keep_their_wave() {
    let ms = members("-be fe1 -fe2 fe3");
    let p = resolve(&ms, Mode::Upgrade, 2).unwrap();
    assert_eq!(chain(&ms, &p, List::Upgrade), "fe3<fe1");
    assert_eq!(chain(&ms, &p, List::Provisioning), "fe3<fe1");
    assert_eq!(keys(&ms, &p.waves), "fe1 fe2 be fe3");
}

#[test]
fn a_node_whose_health_is_ignored_keeps_its_prerequisites_and_nobody_waits_for_it() {
    let mut ms = members("be fe1 fe2 fe3");
    ms[2].ignored = true;
    let p = resolve(&ms, Mode::Upgrade, 2).unwrap();
    // Without it: fe2<fe1 be<fe2 fe3<be.
    assert_eq!(chain(&ms, &p, List::Upgrade), "be<fe1 fe2<fe1 fe3<be");
    assert_eq!(keys(&ms, &p.waves), "fe1 fe2 be fe3");
    // A chart's prerequisite on it is followed to the node it waits for.
    ms[3].rendered[List::Upgrade as usize] = vec![2];
    let p = resolve(&ms, Mode::Upgrade, 2).unwrap();
    assert_eq!(chain(&ms, &p, List::Upgrade), "be<fe1 fe2<fe1 fe3<fe1");
}

#[test]
fn absent_and_down_frontends_give_the_same_chain() {
    let absent = members("be fe2 fe3 fe4");
    let down = members("be -fe1 fe2 fe3 fe4");
    let pa = resolve(&absent, Mode::Upgrade, 2).unwrap();
    let pd = resolve(&down, Mode::Upgrade, 2).unwrap();
    assert_eq!(chain(&absent, &pa, List::Upgrade), "be<fe2 fe3<be fe4<fe3");
    assert_eq!(
        chain(&absent, &pa, List::Upgrade),
        chain(&down, &pd, List::Upgrade)
    );
}

#[test]
fn chart_dependencies_win_and_down_ones_are_followed() {
    let mut ms = members("be fe1 -fe2 fe3");
    // fe3 (index 3) says: after fe2 (index 2), which is down; fe2 would
    // depend on fe1 by default.
    ms[3].rendered[List::Upgrade as usize] = vec![2];
    // fe1 says: after be in provisioning (as the default would).
    ms[1].rendered[List::Provisioning as usize] = vec![0];
    let p = resolve(&ms, Mode::Provisioning, 2).unwrap();
    assert_eq!(chain(&ms, &p, List::Upgrade), "be<fe1 fe3<fe1");
    assert_eq!(
        p.deps[List::Upgrade as usize][3],
        vec![Dep {
            target: 1,
            entry: None
        }]
    );
    assert_eq!(
        p.deps[List::Provisioning as usize][1],
        vec![Dep {
            target: 0,
            entry: Some(0)
        }]
    );
    assert_eq!(keys(&ms, &p.waves), "be fe1 fe2 fe3");
}

#[test]
fn chart_dependency_on_a_down_node_that_leads_nowhere_falls_back_to_the_default() {
    // Found by fuzzing: fe3's chart prerequisite is fe0, down and first
    // in the order. Following it gave fe3 no prerequisite, and a second
    // render then gave it the default one: not idempotent.
    let mut ms = members("-fe0 fe1 fe3");
    ms[2].rendered[List::Upgrade as usize] = vec![0];
    let p = resolve(&ms, Mode::Upgrade, 2).unwrap();
    assert_eq!(
        p.deps[List::Upgrade as usize][2],
        vec![Dep {
            target: 1,
            entry: None
        }]
    );
    let mut again = members("-fe0 fe1 fe3");
    again[2].rendered[List::Upgrade as usize] = vec![1];
    let q = resolve(&again, Mode::Upgrade, 2).unwrap();
    assert_eq!(
        q.deps[List::Upgrade as usize][2],
        vec![Dep {
            target: 1,
            entry: Some(0)
        }]
    );
}

#[test]
fn cycles_are_named() {
    let mut ms = members("be fe1 fe2 fe3");
    ms[1].rendered[List::Upgrade as usize] = vec![3];
    ms[3].rendered[List::Upgrade as usize] = vec![1];
    let e = resolve(&ms, Mode::Upgrade, 2).unwrap_err().message;
    assert!(
        e.starts_with("upgrade prerequisites form a cycle: fe1 -> fe3 -> fe1"),
        "{e}"
    );
}

#[test]
fn waves_respect_chart_dependencies() {
    let mut ms = members("be fe1 fe2 fe3");
    // The chart puts be right after fe1 and fe2 after be.
    ms[0].rendered[List::Upgrade as usize] = vec![1];
    ms[2].rendered[List::Upgrade as usize] = vec![0];
    let p = resolve(&ms, Mode::Upgrade, 2).unwrap();
    assert_eq!(keys(&ms, &p.waves), "fe1 be fe2 fe3");
}

#[test]
fn unmanaged_nodes_rendered_edges_still_count() {
    // fe1's dependencies are disabled but it was rendered waiting for
    // fe2, which by default waits for fe1: a real deadlock.
    let mut ms = members("be fe1 fe2");
    ms[1].managed = false;
    ms[1].rendered[List::Upgrade as usize] = vec![2];
    let e = resolve(&ms, Mode::Upgrade, 2).unwrap_err().message;
    assert!(e.contains("fe2 -> fe1 -> fe2"), "{e}");
}

#[test]
fn cycle_through_down_nodes_is_named() {
    let mut ms = members("be fe1 -fe2 -fe3 fe4");
    ms[2].rendered[List::Upgrade as usize] = vec![3];
    ms[3].rendered[List::Upgrade as usize] = vec![2];
    ms[4].rendered[List::Upgrade as usize] = vec![2];
    let e = resolve(&ms, Mode::Upgrade, 2).unwrap_err().message;
    assert!(e.contains("fe2 -> fe3 -> fe2"), "{e}");
}
