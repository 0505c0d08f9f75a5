//! Proof that output reads back in Go as the input meant: both streams go
//! through `go-yaml2json` (sigs.k8s.io/yaml, what Helm, Argo CD and kubectl
//! use); documents are matched by kind, namespace and name, the fields
//! express-waves adds are removed, and the rest must be equal.
//!
//! The tool's path comes from `EXPRESS_WAVES_GO_YAML2JSON` (`.ci/run` builds
//! it from ../shared/tools/go-yaml2json). Without it the check is skipped
//! with a note, except under CI, where it fails.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

pub fn tool() -> Option<PathBuf> {
    crate::oracle("EXPRESS_WAVES_GO_YAML2JSON", "Go read-back check")
}

pub fn go_json(tool: &PathBuf, yaml: &[u8]) -> Vec<Value> {
    try_go_json(tool, yaml).unwrap_or_else(|e| panic!("go-yaml2json failed:\n{e}"))
}

/// Go's reading of a stream, or Go's error.
pub fn try_go_json(tool: &PathBuf, yaml: &[u8]) -> Result<Vec<Value>, String> {
    let mut child = Command::new(tool)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("go-yaml2json runs");
    let mut stdin = child.stdin.take().unwrap();
    let data = yaml.to_vec();
    let w = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().unwrap();
    w.join().unwrap().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() || text.lines().any(|l| l.starts_with("ERR")) {
        return Err(text);
    }
    Ok(text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect())
}

fn id(v: &Value) -> String {
    let s = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    format!(
        "{} {}/{}",
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name")
    )
}

const ADDED_ANNOTATIONS: [&str; 8] = [
    "express.medallia.com/frontends-before-backend",
    "express.medallia.com/dependencies",
    "express.medallia.com/mode",
    "express.medallia.com/wave-start",
    "express.medallia.com/clusters",
    "argocd.argoproj.io/sync-wave",
    "express.medallia.com/deployment-revision-sha256",
    "express.medallia.com/revision-source",
];

/// Whether Go's reading of a document is an Express CR.
fn is_express(v: &Value) -> bool {
    v.get("apiVersion")
        .and_then(Value::as_str)
        .is_some_and(|a| a.starts_with("express.medallia.com/"))
}

/// Whether Go's reading of a document is an Express node (Backend, Frontend).
fn is_express_node(v: &Value) -> bool {
    is_express(v)
        && matches!(
            v.get("kind").and_then(Value::as_str),
            Some("Backend" | "Frontend")
        )
}

/// Removes what express-waves adds or rewrites on Express documents.
fn strip_added(v: &mut Value) {
    if !is_express(v) {
        return;
    }
    let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    for field in ["annotations", "labels"] {
        // `annotations: null` and no annotations mean the same to Kubernetes
        // (and render writes its own into either).
        if meta.get(field).is_some_and(Value::is_null) {
            meta.remove(field);
        }
        if let Some(m) = meta.get_mut(field).and_then(Value::as_object_mut) {
            for k in ADDED_ANNOTATIONS {
                m.remove(k);
            }
            m.remove("express.medallia.com/deployment-revision");
            if m.is_empty() {
                meta.remove(field);
            }
        }
    }
    if let Some(spec) = v.get_mut("spec").and_then(Value::as_object_mut) {
        spec.remove("deploymentDependencies");
    }
}

/// On a node, the output's `argocd.argoproj.io/sync-options` must be the
/// input's with `PruneLast=true` merged in, as Go reads both; then the
/// annotation is set aside on both sides.
fn check_sync_options(case: &str, before: &mut Value, after: &mut Value) {
    const KEY: &str = "/metadata/annotations/argocd.argoproj.io~1sync-options";
    if !is_express_node(before) {
        return;
    }
    let had = before
        .pointer(KEY)
        .and_then(Value::as_str)
        .map(str::to_string);
    let want = express_waves::model::with_prune_last(had.as_deref())
        .unwrap()
        .or(had);
    assert_eq!(
        after.pointer(KEY).and_then(Value::as_str),
        want.as_deref(),
        "{case}: {} sync-options",
        id(after)
    );
    for v in [before, after] {
        if let Some(m) = v
            .pointer_mut("/metadata/annotations")
            .and_then(Value::as_object_mut)
        {
            m.remove("argocd.argoproj.io/sync-options");
        }
    }
}

pub fn assert_same_meaning(tool: &PathBuf, case: &str, input: &[u8], output: &[u8]) {
    let mut before = go_json(tool, input);
    let mut after = go_json(tool, output);
    // The revisions ConfigMaps and approval gates are express-waves' own
    // (they replace, or drop, an earlier render's): compare everything
    // else.
    let ours = |d: &Value| {
        d.pointer("/metadata/labels/app.kubernetes.io~1created-by")
            == Some(&Value::from("express-waves"))
    };
    let generated: Vec<String> = after.iter().filter(|d| ours(d)).map(id).collect();
    after.retain(|d| !ours(d));
    before.retain(|d| !ours(d) && !generated.contains(&id(d)));
    assert_eq!(before.len(), after.len(), "{case}: document count");
    for (mut b, mut a) in before.into_iter().zip(after) {
        assert_eq!(id(&b), id(&a), "{case}: documents out of order");
        check_sync_options(case, &mut b, &mut a);
        strip_added(&mut b);
        strip_added(&mut a);
        assert_eq!(b, a, "{case}: {} reads differently in Go", id(&b));
    }
}

/// The hashed input recorded in each revisions ConfigMap (`nodes.json`) is,
/// value for value, the node's `kind` and `spec` (less dependencies) as Go
/// reads the output: the revision is over what Kubernetes receives.
pub fn assert_hashed_input_is_what_go_reads(tool: &PathBuf, case: &str, output: &[u8]) -> usize {
    let docs = go_json(tool, output);
    let mut checked = 0;
    for cm in docs.iter().filter(|d| {
        d.pointer("/metadata/labels/app.kubernetes.io~1created-by")
            == Some(&Value::from("express-waves"))
            && d.get("kind") == Some(&Value::from("ConfigMap"))
    }) {
        let cluster = cm
            .pointer("/metadata/labels/express.medallia.com~1cluster")
            .and_then(Value::as_str)
            .unwrap();
        let ns = cm
            .pointer("/metadata/namespace")
            .cloned()
            .unwrap_or(Value::Null);
        let nodes: serde_json::Map<String, Value> = serde_json::from_str(
            cm.pointer("/data/nodes.json")
                .and_then(Value::as_str)
                .unwrap(),
        )
        .unwrap();
        for (key, hashed) in nodes {
            let name = format!("{cluster}-{key}");
            let node = docs
                .iter()
                .find(|d| {
                    d.pointer("/metadata/name") == Some(&Value::from(name.as_str()))
                        && d.pointer("/metadata/namespace")
                            .cloned()
                            .unwrap_or(Value::Null)
                            == ns
                        && matches!(
                            d.get("kind").and_then(Value::as_str),
                            Some("Backend" | "Frontend")
                        )
                })
                .unwrap_or_else(|| panic!("{case}: node {name} not found"));
            let mut spec = node
                .get("spec")
                .cloned()
                .unwrap_or_else(|| Value::Object(Default::default()));
            if let Some(m) = spec.as_object_mut() {
                m.remove("deploymentDependencies");
            }
            let want = serde_json::json!({"kind": node["kind"], "spec": spec});
            assert_eq!(
                hashed, want,
                "{case}: hashed input of {name} is not what Go reads"
            );
            checked += 1;
        }
    }
    checked
}

/// Every plain-scalar path of go-yaml v2's `resolve` (resolve.go: the map of
/// `null` and bool words (not `.inf`/`.nan`: JSON has no place for them, and Express documents refuse them), the `.` path, the number path with its
/// int/uint/`yamlStyleFloat`/`0b` branches, timestamps), against Go itself:
/// for each scalar, Go's reading of `k: <scalar>` must equal ours.
#[test]
fn plain_scalars_resolve_as_go_resolves_them() {
    let Some(tool) = tool() else { return };
    let scalars = [
        ".29_9",
        "._5",
        ".5_",
        ".5e1_0",
        ".5",
        ".5e3",
        ".5E+3",
        ".e5",
        ".",
        "..5",
        "1_000",
        "1__0",
        "_1",
        "1_",
        "1_000.5",
        "1_0e1_0",
        "+.5",
        "-.5",
        "1e3",
        "1E3",
        "1.",
        "+1",
        "0.",
        "-0",
        "+0",
        "0",
        "017",
        "0o17",
        "0O17",
        "0x1F",
        "0x_1F",
        "0b1_0",
        "-0b11",
        "+0b11",
        "0b",
        "0x",
        "08",
        "0_8",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "1e400",
        "-1e400",
        "1e-400",
        "2001-01-01",
        "2001-1-1",
        "1:20",
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "n",
        "no",
        "on",
        "On",
        "off",
        "OFF",
        "true",
        "False",
        "~",
        "null",
        "Null",
        "NULL",
        "+",
        "+-1",
        "1+1",
        "0x1p3",
        "Infinity",
        "inf",
        "nan",
    ];
    let mut yaml = String::new();
    for (i, s) in scalars.iter().enumerate() {
        yaml.push_str(&format!("k{i}: {s}\n"));
    }
    let go = &go_json(&tool, yaml.as_bytes())[0];
    let ours = express_waves::json::to_serde(
        &express_waves::value::read(&yaml, Default::default())
            .unwrap()
            .unwrap(),
    );
    let same = |a: &Value, b: &Value| match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if a.is_number() && b.is_number() => x == y,
        _ => a == b,
    };
    for (i, s) in scalars.iter().enumerate() {
        let k = format!("k{i}");
        assert!(
            same(&go[&k], &ours[&k]),
            "{s}: Go {} ours {}",
            go[&k],
            ours[&k]
        );
    }
}

/// The differential check of the fuzz corpus (`fuzz/corpus/render/`, or the
/// directory in `EXPRESS_WAVES_DIFF_DIR`: `bench/fuzz.sh` points it at the
/// corpus it grew): for every input Go reads, a render that succeeds means
/// to Go exactly the input plus the injected fields, and every Express node
/// Go sees got a wave (none passed through unrecognised); for every input Go
/// refuses, render refuses too.
#[test]
fn fuzz_corpus_means_to_go_what_it_meant() {
    let Some(tool) = tool() else { return };
    let dir = std::env::var_os("EXPRESS_WAVES_DIFF_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::root().join("fuzz/corpus/render"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let (mut same, mut refused) = (0, 0);
    let mut failures = Vec::new();
    for f in &files {
        let input = std::fs::read(f).unwrap();
        let out = crate::run_binary(&["render"], &[], &input);
        let name = f.display().to_string();
        match try_go_json(&tool, &input) {
            Err(go) => {
                if out.status.code() != Some(2) || !out.stdout.is_empty() {
                    failures.push(format!(
                        "{name}: Go refuses it ({}), render did not",
                        go.trim()
                    ));
                }
                refused += 1;
            }
            Ok(_) if !out.status.success() => refused += 1,
            Ok(_) => {
                let checked = std::panic::catch_unwind(|| {
                    assert_same_meaning(&tool, &name, &input, &out.stdout);
                    for d in go_json(&tool, &out.stdout) {
                        assert!(
                            !is_express_node(&d)
                                || d.pointer("/metadata/annotations/argocd.argoproj.io~1sync-wave")
                                    .is_some(),
                            "{name}: an Express node went out without a wave: {}",
                            id(&d)
                        );
                    }
                });
                if let Err(e) = checked {
                    let msg = e
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    failures.push(format!("{name}: {msg}"));
                }
                same += 1;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} inputs fail the differential check:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    assert!(
        same + refused == files.len() && same > 0,
        "{same} same, {refused} refused"
    );
    eprintln!("differential: {same} inputs mean the same to Go, {refused} refused");
}

/// YAML 1.1 (go-yaml) and 1.2 (this reader) differ in places; an Express
/// document is written out again, so each difference would change what Argo
/// CD applies. For every construct in the table, inside an Express node's
/// spec: where Go reads it, render refuses it or Go reads the same spec
/// back; where Go refuses it, render refuses it too.
#[test]
fn express_specs_mean_to_go_what_they_meant_construct_by_construct() {
    let Some(tool) = tool() else { return };
    let mut failures = Vec::new();
    for construct in CONSTRUCTS.iter().chain(READ_AS_GO_READS) {
        let spec: String = construct.lines().map(|l| format!("  {l}\n")).collect();
        let doc = format!(
            "apiVersion: express.medallia.com/v2alpha1\nkind: Frontend\nmetadata:\n  name: acme-fe1\n  namespace: t1\nspec:\n  clusterConfig:\n    clusterName: acme\n  expressVersion: e\n{spec}"
        );
        let out = crate::run_binary(&["render"], &[], doc.as_bytes());
        match try_go_json(&tool, doc.as_bytes()) {
            Err(_) if out.status.code() != Some(2) => {
                failures.push(format!("{construct:?}: Go refuses it, render did not"))
            }
            Err(_) if READ_AS_GO_READS.contains(construct) => failures.push(format!(
                "{construct:?}: listed as read by Go, but Go refuses it"
            )),
            Err(_) => {}
            Ok(_) if !out.status.success() => {
                if READ_AS_GO_READS.contains(construct) {
                    failures.push(format!(
                        "{construct:?}: Go reads it, render refused it: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    ))
                }
            }
            Ok(input) => {
                let output = go_json(&tool, &out.stdout);
                let node = output.iter().find(|d| d["kind"] == "Frontend").unwrap();
                let mut spec = node["spec"].clone();
                spec.as_object_mut()
                    .unwrap()
                    .remove("deploymentDependencies");
                if spec != input[0]["spec"] {
                    failures.push(format!(
                        "{construct:?}: Go reads {} from the input, {spec} from the output",
                        input[0]["spec"]
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The constructs (each a few lines of a spec), checked against Go.
const CONSTRUCTS: &[&str] = &[
    "x: !!str 1",
    "x: 0o17",
    "x: 0b101",
    "x: 0x_1F",
    "x: +1",
    "x: .5",
    "x: 2001-12-14",
    "x: Yes",
    "x: =",
    "x: a\n\n    b",
    "x: |+\n    a\n\n",
    "x: >\n    a\n      b\n    c\n",
    "x: \"a\\tb\"",
    "x: 'a''b'",
    "x: [a, b] # c",
    "x: \"\\u00e9\"",
    "x: \"\\x41\"",
    "x: \"\\N\"",
    "x: \"\\_\"",
    "x: \"\\e\"",
    "x: \"\\ \"",
    "x: \"\\/\"",
    "\"quoted key\": 1",
    "1: a",
    "true: a",
    "0x10: a",
    "x: \"a\\\n    b\"",
    "x: 'a\n\n    b'",
    "x: a\tb",
    "x: 12:30:00",
    "x: 0777",
    "x: 1e400",
    "x: +.5e+3",
    "x: [a, b,]",
    "x: {a, b}",
    "x: [a: 1, b]",
    "? a\n: 1",
    "x: \"\\U0001F600\"",
    "x:",
    "x: off",
    "x: 1_0.5",
    "x: 9223372036854775808",
    "x: 2001-12-14t21:59:43.10-05:00",
    "x: a#b",
    "x: {a: b:c}",
    "x: [http://x.y/z]",
    "x: {b: 1,?c: 2}",
    "x: [1,?c]",
    "x: 'a\n\tb'",
    "x: [\n\t1]",
    "x: &a.b 1",
    "x: - a\n  - b",
    "x: @a",
    "x: y: z",
    "x: [a?b]",
    "x: {a: [?k, v]}",
    "x: [\"a?b\"]",
    "x: &a # c\n  [?y]",
    "x: &a # c\n  {?y: 1, z: 2}",
    "x: [a:]",
    "x: [a:,b]",
    "x: {a:}",
    "x: [?|]",
    "x: [?:x]",
    "x: \"a\\\nb\"",
    // go-yaml's scanner rules (src/yaml/go_scan/), with the function of
    // gopkg.in/yaml.v2/scannerc.go each comes from:
    // yaml_parser_scan_to_next_token (a tab where a simple key may start),
    "x:\n- \ta",
    "x:\n-\ta",
    "? x\n: \t1",
    "x: \"a\"\n\t\ny: 1",
    // yaml_parser_scan_plain_scalar (a tab left of the indentation),
    "x: a\n\t\ny: 1",
    "x: a\n  \tb",
    // yaml_parser_scan_block_scalar_breaks,
    "x: |\n    a\n   \tb",
    "x: |\n    a\n\n \t\n",
    "x: >-\n    \ta",
    // yaml_parser_scan_anchor and yaml_parser_scan_tag,
    "x: &a{b: 1}",
    "x: {a: !!str}",
    "x: {a: !!str, b: 1}",
    // yaml_simple_key_is_valid (a key on one line, within 1024 characters),
    "x: {\"a\n    b\": 1}",
    "x: {a: 1,\n    b\n    : 2}",
    "x: [\"a\", :b]",
    // a `#` inside a plain scalar, and an empty verbatim tag;
    "x: a#c",
    "x: !<> y",
    // yaml_parser_scan_tag (a named handle with no suffix) and
    // yaml_parser_scan_uri_escapes (a `%` that starts no UTF-8 escape).
    "x: !a! b",
    "x: !a%zz b",
    "x: !%FF b",
];

/// Constructs, checked as [`CONSTRUCTS`] are, that Go reads and render
/// must read too (not refuse), meaning the same.
const READ_AS_GO_READS: &[&str] = &[
    // Tabs go-yaml skips or keeps: after properties, right of the
    // indentation, in block scalar content past an explicit indentation.
    "x: 1\n  \t# c",
    "x: &a\t1",
    "x: !!str\t1",
    "x: a\n   \tb",
    "x: |2\n    \ta",
    "x: [&a, *a]",
    "x: [!!str , 1]",
    "x: !<tag:yaml.org,2002:str> a",
    // An explicit key over lines; flow collections, which have no
    // indentation to Go; comments with no blank before them where a token
    // may start; an alias as a key (yaml_parser_scan_anchor ends the name
    // at `:`); tabs after `:`; `\'`.
    "x: {? \"a\n    b\": 1}",
    "x: [1,\n2]",
    "x: {a: 1,\n\tb: 2}",
    "x: [a,#c\n  ]",
    "x: \"a\"#c",
    "x: [a]#c",
    "x: &k y\n*k: 1",
    "x: &k y\nz: {*k: 1}",
    "x:\t1",
    "x: {a:\t1}",
    "x: \"it\\'s\"",
];
