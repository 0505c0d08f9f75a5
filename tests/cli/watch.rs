//! `status --watch` against a fake `kubectl` that serves a scripted
//! sequence of live states, one per read (the last one repeated): a rollout
//! that completes, one that turns Degraded, one that never ends.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::root;

/// A scratch directory with a fake kubectl serving `states` in turn.
struct Script {
    dir: PathBuf,
}

impl Script {
    fn new(name: &str, states: &[String]) -> Script {
        let dir = std::env::temp_dir().join(format!("ew-watch-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, s) in states.iter().enumerate() {
            std::fs::write(dir.join(format!("state{i}.yaml")), s).unwrap();
        }
        let last = states.len() - 1;
        let d = dir.display();
        let script = format!(
            "#!/bin/sh\ncase \"$2\" in configmaps) printf 'apiVersion: v1\\nkind: List\\nitems: []\\n'; exit 0;; esac\nn=$(cat '{d}/n' 2>/dev/null || echo 0)\n[ \"$n\" -gt {last} ] && n={last}\ncat '{d}/state'$n.yaml\necho $((n+1)) > '{d}/n'\n"
        );
        let path = dir.join("kubectl");
        std::fs::write(&path, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        Script { dir }
    }

    fn watch(&self, extra: &[&str]) -> std::process::Output {
        let mut args = vec!["status", "--kubectl", "--watch", "--interval", "0.05"];
        args.extend(extra);
        Command::new(env!("CARGO_BIN_EXE_express-waves"))
            .args(&args)
            .current_dir(root())
            .env("EXPRESS_WAVES_KUBECTL", self.dir.join("kubectl"))
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Three frontends of cluster acme, waves 1 to 3, all rendered at revision
/// `new`; each running the revision given (`None`: Broken).
fn state(running: [Option<&str>; 3]) -> String {
    let mut s = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for (i, r) in running.iter().enumerate() {
        let status = match r {
            Some(rev) => format!(
                "    status: {{observedGeneration: 1, deploymentRevision: {rev}, conditions: [{{type: Ready, status: \"True\"}}]}}\n"
            ),
            None => "    status: {observedGeneration: 1, deploymentRevision: new, phase: Broken, message: boom}\n".into(),
        };
        s.push_str(&format!(
            "  - apiVersion: express.medallia.com/v2alpha1\n    kind: Frontend\n    metadata:\n      name: acme-fe{n}\n      namespace: t1\n      generation: 1\n      annotations: {{argocd.argoproj.io/sync-wave: \"{n}\"}}\n      labels: {{express.medallia.com/deployment-revision: new}}\n    spec: {{clusterConfig: {{clusterName: acme}}}}\n{status}",
            n = i + 1
        ));
    }
    s
}

fn json_lines(out: &std::process::Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

/// One JSON line per change (a read that changes nothing prints nothing),
/// and exit 0 once every node runs its revision.
#[test]
fn a_watched_rollout_prints_each_change_and_ends_when_every_node_is_done() {
    let s = Script::new(
        "done",
        &[
            state([Some("old"), Some("old"), Some("old")]),
            state([Some("old"), Some("old"), Some("old")]),
            state([Some("new"), Some("old"), Some("old")]),
            state([Some("new"), Some("new"), Some("new")]),
        ],
    );
    let out = s.watch(&[]);
    crate::assert_exit(&out, 0);
    let lines = json_lines(&out);
    let progress: Vec<(u64, Option<&str>)> = lines
        .iter()
        .map(|l| {
            let c = &l["clusters"][0];
            (c["done"].as_u64().unwrap(), c["at"].as_str())
        })
        .collect();
    assert_eq!(progress, [(0, Some("fe1")), (1, Some("fe2")), (3, None)]);
    assert_eq!(lines[0]["clusters"][0]["nodes"], 3);
    assert_eq!(
        lines[0]["clusters"][0]["waiting"],
        serde_json::json!([["fe2", "fe1"], ["fe3", "fe2"]])
    );
}

/// A node turning Degraded ends the watch with exit 1; a rollout that
/// never ends, with exit 3 once --timeout runs out.
#[test]
fn a_degraded_node_ends_the_watch_with_1_and_a_timeout_with_3() {
    let s = Script::new(
        "degraded",
        &[
            state([Some("old"), Some("old"), Some("old")]),
            state([Some("new"), None, Some("old")]),
        ],
    );
    let out = s.watch(&[]);
    crate::assert_exit(&out, 1);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["clusters"][0]["state"], "degraded");
    assert_eq!(lines[1]["clusters"][0]["at"], "fe2");

    let stuck = Script::new("stuck", &[state([Some("old"), Some("old"), Some("old")])]);
    let started = std::time::Instant::now();
    let out = stuck.watch(&["--timeout", "0.4s"]);
    crate::assert_exit(&out, 3);
    assert!(started.elapsed().as_secs() < 10);
    assert_eq!(json_lines(&out).len(), 1);
}

/// Objects that vanish while watched (a wrong context, a namespace
/// deleted) are an error, never an all-clear.
#[test]
fn objects_that_vanish_while_watched_end_the_watch_with_an_error() {
    let s = Script::new(
        "vanish",
        &[
            state([Some("old"), Some("old"), Some("old")]),
            "apiVersion: v1\nkind: List\nitems: []\n".to_string(),
        ],
    );
    let out = s.watch(&[]);
    crate::assert_exit(&out, 2);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no express.medallia.com"), "{err}");
}

/// On a terminal each cluster's line is redrawn in place (cursor up, line
/// cleared), only when it changed; the last frame shows every node done.
#[test]
fn on_a_terminal_the_watch_redraws_its_lines_in_place() {
    if Command::new("script").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "`script` is needed under CI"
        );
        return;
    }
    let s = Script::new(
        "tty",
        &[
            state([Some("old"), Some("old"), Some("old")]),
            state([Some("new"), Some("old"), Some("old")]),
            state([Some("new"), Some("new"), Some("new")]),
        ],
    );
    let cmd = format!(
        "EXPRESS_WAVES_KUBECTL='{}' '{}' status --kubectl --watch --interval 0.05",
        s.dir.join("kubectl").display(),
        env!("CARGO_BIN_EXE_express-waves")
    );
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let tty = String::from_utf8_lossy(&out.stdout);
    // Two lines a cluster: up two, each line cleared and rewritten.
    assert!(
        tty.contains("\x1b[2A\r\x1b[2K"),
        "not redrawn in place: {tty:?}"
    );
    let frames: Vec<&str> = tty.split("\x1b[2A").collect();
    assert_eq!(frames.len(), 3, "one frame per change: {tty:?}");
    assert!(
        frames[0].contains(
            "t1/acme [..........] 0/3 nodes, 0s\r\n\r\x1b[2K  fe1 rolling for 0s, 2 waiting (fe2 on fe1)"
        ),
        "{tty:?}"
    );
    assert!(
        frames[2].contains("t1/acme [##########] 3/3 nodes, ")
            && frames[2].contains("  nothing rolling"),
        "{tty:?}"
    );
    // Why it ended, under the last frame.
    assert!(
        tty.ends_with("CLUSTER t1/acme: all 3 nodes healthy\r\n"),
        "{tty:?}"
    );
}
