//! Property tests on generated clusters (random node sets, down nodes,
//! version overrides, chart-provided dependencies, ordinary documents):
//! determinism, idempotence, waves as a linear extension of every
//! dependency, the nearest-remaining-predecessor rule, revision stability,
//! and byte-exact passthrough; and, on generated layouts of Express
//! documents, the in-place edit (meaning, idempotence, comments kept).

use express_waves::order::natural_cmp;
use express_waves::render::{self, Options, Source};
use proptest::prelude::*;

#[derive(Clone, Debug)]
struct Node {
    key: String,
    up: bool,
    version: u8,
    /// A chart-provided upgrade prerequisite: index (into the node list) of
    /// an earlier node in the default order.
    chart_dep: Option<usize>,
}

#[derive(Clone, Debug)]
struct Cluster {
    nodes: Vec<Node>,
    /// Ordinary documents (name, comment) put between the nodes.
    ordinary: Vec<(u8, bool)>,
    flow_spec: bool,
}

fn cluster_strategy() -> impl Strategy<Value = Cluster> {
    (
        prop::collection::vec((any::<bool>(), any::<bool>(), 0u8..3, any::<bool>()), 1..14),
        any::<bool>(),
        prop::collection::vec((any::<u8>(), any::<bool>()), 0..5),
        any::<bool>(),
    )
        .prop_map(|(fes, be_present, ordinary, flow_spec)| {
            let mut nodes = Vec::new();
            if be_present {
                nodes.push(Node {
                    key: "be".into(),
                    up: true,
                    version: 0,
                    chart_dep: None,
                });
            }
            for (i, (present, up, version, _)) in fes.iter().enumerate() {
                if *present || i == 0 {
                    nodes.push(Node {
                        key: format!("fe{}", i + 1),
                        up: *up,
                        version: *version,
                        chart_dep: None,
                    });
                }
            }
            // Chart dependencies only point backwards in the upgrade order, so no cycles.
            let order = upgrade_order(&nodes);
            for (p, &i) in order.iter().enumerate() {
                if p > 0 && fes.get(i).is_some_and(|f| f.3) && nodes[i].up {
                    nodes[i].chart_dep = Some(order[p - 1]);
                }
            }
            Cluster {
                nodes,
                ordinary,
                flow_spec,
            }
        })
}

fn ordinal(key: &str) -> Option<u32> {
    key.trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()
}

/// The default upgrade order with N = 2 (indices into `nodes`).
fn upgrade_order(nodes: &[Node]) -> Vec<usize> {
    let rank = |n: &Node| match (n.key.as_str(), ordinal(&n.key)) {
        ("be", _) => 1,
        (_, Some(o)) if o <= 2 => 0,
        _ => 2,
    };
    let mut idx: Vec<usize> = (0..nodes.len()).collect();
    idx.sort_by(|&a, &b| {
        rank(&nodes[a])
            .cmp(&rank(&nodes[b]))
            .then_with(|| natural_cmp(&nodes[a].key, &nodes[b].key))
    });
    idx
}

fn yaml(c: &Cluster) -> String {
    let mut s = String::from(
        "---\napiVersion: express.medallia.com/v2alpha1\nkind: Cluster\nmetadata:\n  name: acme\n  namespace: t1\nspec:\n  clusterConfig:\n    clusterName: acme\n",
    );
    for (i, n) in c.nodes.iter().enumerate() {
        if let Some((name, comment)) = c.ordinary.get(i) {
            s.push_str(&format!(
                "---\n{}apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm{name}}}\ndata:\n  k:   \"on\"   # odd spacing {name}\n",
                if *comment { "# Source: chart/templates/cm.yaml\n" } else { "" }
            ));
        }
        let kind = if n.key == "be" { "Backend" } else { "Frontend" };
        let ann = if n.up {
            String::new()
        } else {
            "  annotations:\n    express.medallia.com/up: \"false\"\n".into()
        };
        let deps = match n.chart_dep {
            Some(d) => format!(
                "  deploymentDependencies:\n    upgradePrerequisites:\n      - conditionStatus: \"True\"\n        expressNode: acme-{}\n        expressVersion: stale\n        kind: Frontend\n        podConditionType: Ready\n",
                c.nodes[d].key
            ),
            None => String::new(),
        };
        let spec = if c.flow_spec {
            format!(
                "spec: {{expressVersion: v{}, clusterConfig: {{clusterName: acme}}, replicas: 1}}\n",
                n.version
            )
        } else {
            format!(
                "spec:\n  clusterConfig:\n    clusterName: acme\n  replicas: 1\n  expressVersion: v{}\n{deps}",
                n.version
            )
        };
        let spec = if c.flow_spec && !deps.is_empty() {
            format!(
                "spec:\n  clusterConfig: {{clusterName: acme}}\n  replicas: 1\n  expressVersion: v{}\n{deps}",
                n.version
            )
        } else {
            spec
        };
        s.push_str(&format!("---\napiVersion: express.medallia.com/v2alpha1\nkind: {kind}\nmetadata:\n  name: acme-{}\n  namespace: t1\n{ann}{spec}", n.key));
    }
    s
}

fn run(text: &str) -> (Vec<u8>, Vec<express_waves::render::ClusterRollout>) {
    run_with(text, &Options::default())
}

fn run_with(text: &str, opts: &Options) -> (Vec<u8>, Vec<express_waves::render::ClusterRollout>) {
    let sources = [Source {
        name: "p".into(),
        bytes: text.as_bytes().to_vec(),
    }];
    let out = render::run(&sources, opts).expect("renders");
    let analysis = render::analyse(&sources, opts).expect("analyses");
    (out.to_bytes().unwrap(), analysis.clusters)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn deterministic_and_idempotent(c in cluster_strategy()) {
        let text = yaml(&c);
        let (a, _) = run(&text);
        let (b, _) = run(&text);
        prop_assert_eq!(&a, &b);
        let (again, _) = run(std::str::from_utf8(&a).unwrap());
        prop_assert_eq!(a, again);
    }

    #[test]
    fn waves_are_a_linear_extension_of_every_dependency(c in cluster_strategy()) {
        let (_, clusters) = run(&yaml(&c));
        let plan = &clusters[0];
        let wave = |k: &str| plan.nodes.iter().find(|n| n.key == k).unwrap().wave;
        let mut waves: Vec<i64> = plan.nodes.iter().map(|n| n.wave).collect();
        waves.dedup();
        prop_assert_eq!(waves.len(), plan.nodes.len(), "one node per wave");
        for n in &plan.nodes {
            for d in &n.upgrade_after {
                prop_assert!(wave(d) < n.wave, "{} (wave {}) after {} (wave {})", n.key, n.wave, d, wave(d));
            }
        }
    }

    /// A gate after any node but the last: alone in the wave right after
    /// it, the order unchanged, every later node (and the revisions
    /// ConfigMap) one wave later; a render of the render keeps it.
    #[test]
    fn a_gate_sits_alone_between_the_node_it_follows_and_the_next(c in cluster_strategy(), pick in any::<prop::sample::Index>()) {
        let text = yaml(&c);
        let (_, plain) = run(&text);
        let plain = &plain[0];
        prop_assume!(plain.nodes.len() >= 2);
        let at = pick.index(plain.nodes.len() - 1);
        let key = plain.nodes[at].key.clone();
        let opts = Options { gates: render::Gates::After(vec![key.clone()]), ..Options::default() };
        let (out, gated) = run_with(&text, &opts);
        let gated = &gated[0];
        prop_assert_eq!(gated.gates.len(), 1);
        let gate = gated.gates[0].wave.unwrap();
        let keys = |r: &express_waves::render::ClusterRollout| r.nodes.iter().map(|n| n.key.clone()).collect::<Vec<_>>();
        prop_assert_eq!(keys(gated), keys(plain));
        for (i, (g, p)) in gated.nodes.iter().zip(&plain.nodes).enumerate() {
            let shift = i64::from(i > at);
            prop_assert_eq!(g.wave, p.wave + shift, "{}", g.key);
        }
        prop_assert_eq!(gate, gated.nodes[at].wave + 1);
        prop_assert_eq!(gated.nodes[at + 1].wave, gate + 1);
        prop_assert_eq!(gated.configmap_wave, plain.configmap_wave.map(|w| w + 1));
        let (again, _) = run(std::str::from_utf8(&out).unwrap());
        prop_assert_eq!(out, again);
    }

    #[test]
    fn each_remaining_node_depends_on_its_nearest_remaining_predecessor(c in cluster_strategy()) {
        let mut c = c;
        for n in &mut c.nodes { n.chart_dep = None; }
        let (_, clusters) = run(&yaml(&c));
        let plan = &clusters[0];
        let mut previous_up: Option<&str> = None;
        for &i in &upgrade_order(&c.nodes) {
            let n = &c.nodes[i];
            let p = plan.nodes.iter().find(|x| x.key == n.key).unwrap();
            if n.up {
                let want: Vec<String> = previous_up.into_iter().map(str::to_string).collect();
                prop_assert_eq!(&p.upgrade_after, &want, "{}", n.key);
                previous_up = Some(&n.key);
            } else {
                prop_assert!(p.upgrade_after.is_empty() && p.provisioning_after.is_empty());
                prop_assert!(plan.nodes.iter().all(|x| !x.upgrade_after.contains(&n.key)), "nothing depends on a down node");
            }
        }
    }

    #[test]
    fn ordinary_documents_pass_through_byte_for_byte(c in cluster_strategy()) {
        let text = yaml(&c);
        let (out, _) = run(&text);
        let out = String::from_utf8(out).unwrap();
        for chunk in text.split_inclusive("\n").collect::<String>().split("---\n").filter(|d| d.contains("kind: ConfigMap")) {
            prop_assert!(out.contains(&format!("---\n{chunk}")), "{chunk}");
        }
    }

    #[test]
    fn revision_ignores_formatting_and_dependencies_but_not_spec_changes(version in 0u8..5, flow in any::<bool>(), change in any::<bool>()) {
        let block = format!("spec:\n  replicas: 1\n  expressVersion: v{version}\n  clusterConfig:\n    clusterName: acme\n");
        let flow_spec = format!("spec: {{clusterConfig: {{clusterName: acme}}, expressVersion: \"v{version}\", replicas: 1.0, deploymentDependencies: {{upgradePrerequisites: []}}}}\n");
        let changed = format!("spec:\n  replicas: {}\n  expressVersion: v{version}\n  clusterConfig:\n    clusterName: acme\n", if change { 2 } else { 1 });
        let doc = |spec: &str| format!("apiVersion: express.medallia.com/v1\nkind: Frontend\nmetadata:\n  name: acme-fe1\n{spec}");
        let rev = |spec: &str| run(&doc(spec)).1[0].nodes[0].computed.sha256().to_string();
        let base = rev(&block);
        prop_assert_eq!(&base, &rev(if flow { &flow_spec } else { &block }));
        prop_assert_eq!(base == rev(&changed), !change);
    }
}

/// How an Express document is laid out: what render's in-place edit must
/// cope with (src/render/layout.rs).
#[derive(Clone, Debug)]
struct Layout {
    /// Columns per indentation level.
    ind: usize,
    /// 0 none, 1 block, 2 `{}`, 3 null, 4 null behind a comment, 5 block
    /// with a stale quoted sync wave.
    annotations: u8,
    /// 0 none, 1 block, 2 block with a comment line last.
    labels: u8,
    /// 0 none, 1 null, 2 `{}`, 3 block with one list.
    deps: u8,
    /// `clusterConfig` last in the spec, not first.
    config_last: bool,
    /// 0 a final line break, 1 a comment after the document, 2 no final
    /// line break.
    end: u8,
}

fn layout_strategy() -> impl Strategy<Value = Layout> {
    (1usize..5, 0u8..6, 0u8..3, 0u8..4, any::<bool>(), 0u8..3).prop_map(
        |(ind, annotations, labels, deps, config_last, end)| Layout {
            ind,
            annotations,
            labels,
            deps,
            config_last,
            end,
        },
    )
}

/// Two nodes laid out as `l` says, each with comment lines render must
/// keep (`# keep-…`).
fn layout_yaml(l: &Layout) -> String {
    let (i1, i2) = (" ".repeat(l.ind), " ".repeat(2 * l.ind));
    let mut s = String::new();
    for (kind, key) in [("Backend", "be"), ("Frontend", "fe1")] {
        s.push_str(&format!(
            "---\napiVersion: express.medallia.com/v2alpha1\nkind: {kind}\nmetadata:\n{i1}name: acme-{key}\n{i1}# keep-metadata-{key}\n{i1}namespace: t1\n"
        ));
        s.push_str(&match l.annotations {
            1 => format!("{i1}annotations:\n{i2}example.com/a: \"x\"\n"),
            2 => format!("{i1}annotations: {{}}\n"),
            3 => format!("{i1}annotations:\n"),
            4 => format!("{i1}annotations: # none yet\n"),
            5 => format!("{i1}annotations:\n{i2}\"argocd.argoproj.io/sync-wave\": \"9\"\n"),
            _ => String::new(),
        });
        s.push_str(&match l.labels {
            1 => format!("{i1}labels:\n{i2}app: express\n"),
            2 => format!("{i1}labels:\n{i2}app: express\n{i2}# keep-labels-{key}\n"),
            _ => String::new(),
        });
        let config = format!("{i1}clusterConfig:\n{i2}clusterName: acme\n");
        let deps = match l.deps {
            1 => format!("{i1}deploymentDependencies:\n"),
            2 => format!("{i1}deploymentDependencies: {{}}\n"),
            3 => format!("{i1}deploymentDependencies:\n{i2}upgradePrerequisites: []\n"),
            _ => String::new(),
        };
        let rest = format!("{i1}expressVersion: \"v1\"   # keep-version-{key}\n{deps}");
        s.push_str("spec:\n");
        if l.config_last {
            s.push_str(&rest);
            s.push_str(&config);
        } else {
            s.push_str(&config);
            s.push_str(&rest);
        }
        match l.end {
            1 => s.push_str(&format!("# keep-end-{key}\n")),
            2 if key == "fe1" => {
                s.pop();
            }
            _ => {}
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Render edits these documents in place: debug builds (these tests)
    /// check every edit against the document written anew, so a wrong
    /// splice panics here; the output renders to itself, and every comment
    /// render has no reason to touch is still there.
    #[test]
    fn express_documents_edited_in_place_keep_their_meaning_and_comments(l in layout_strategy()) {
        let text = layout_yaml(&l);
        let render = |t: &[u8]| {
            let sources = [Source { name: "p".into(), bytes: t.to_vec() }];
            render::run(&sources, &Options::default()).and_then(|r| r.to_bytes())
        };
        let out = render(text.as_bytes()).expect("renders");
        prop_assert_eq!(&render(&out).expect("renders again"), &out);
        let out = String::from_utf8(out).unwrap();
        for line in text.lines().filter(|l| l.contains("# keep-")) {
            let comment = &line[line.find("# keep-").unwrap()..];
            prop_assert!(out.contains(comment), "{} lost:\n{}", comment, out);
        }
    }
}
