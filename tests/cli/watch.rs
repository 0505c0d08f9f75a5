//! `status --watch` against a fake `kubectl` that serves a scripted
//! sequence of live states, one per read (the last one repeated): a rollout
//! that completes, one that turns Degraded, one that never ends, one held
//! at an approval gate until approved.

use std::process::{Command, Stdio};

use crate::{Scratch, assert_says};

/// A scratch directory with a fake kubectl serving `states` in turn.
struct Script(Scratch);

impl Script {
    /// A script of [`state`]s, one a read (`"new - old"`).
    fn rolling(name: &str, states: &[&str]) -> Script {
        Script::new(name, &states.iter().map(|s| state(s)).collect::<Vec<_>>())
    }

    fn new(name: &str, states: &[String]) -> Script {
        let states: Vec<(String, String)> = states
            .iter()
            .map(|s| (s.clone(), EMPTY.to_string()))
            .collect();
        Script::with_gates(name, &states)
    }

    /// Each state with the gates live then (what `kubectl get
    /// gates.waves.express.medallia.com` prints, read after the nodes).
    fn with_gates(name: &str, states: &[(String, String)]) -> Script {
        let scratch = Scratch::new("watch", name);
        let dir = &scratch.dir;
        for (i, (s, g)) in states.iter().enumerate() {
            std::fs::write(dir.join(format!("state{i}.yaml")), s).unwrap();
            std::fs::write(dir.join(format!("gates{i}.yaml")), g).unwrap();
        }
        let last = states.len() - 1;
        let d = dir.display();
        // The nodes' read moves to the next state; the gates' and the
        // Application's reads (after it) serve the same state's.
        let body = format!(
            "m=$(( $(cat '{d}/n' 2>/dev/null || echo 1) - 1 )); [ \"$m\" -gt {last} ] && m={last}\ncase \"$2\" in configmaps) printf 'apiVersion: v1\\nkind: List\\nitems: []\\n'; exit 0;;\n gates.waves.express.medallia.com) cat '{d}/gates'$m.yaml; exit 0;;\n applications.argoproj.io) cat '{d}/app'$m.yaml; exit 0;; esac\nn=$(cat '{d}/n' 2>/dev/null || echo 0)\n[ \"$n\" -gt {last} ] && n={last}\ncat '{d}/state'$n.yaml\necho $((n+1)) > '{d}/n'"
        );
        scratch.fake_kubectl(&body);
        Script(scratch)
    }

    fn watch(&self, extra: &[&str]) -> std::process::Output {
        let mut args = vec!["status", "--kubectl", "--watch", "--interval", "0.05"];
        args.extend(extra);
        self.0.run_with_fake_kubectl(&args, &[])
    }
}

impl Script {
    /// What `status --kubectl --watch` draws in a real pseudo-terminal
    /// (`script`), checked to end with why it ended: every node of the
    /// script's last state healthy. `None` where no pseudo-terminal can be
    /// had.
    fn watch_to_the_end_in_a_terminal(&self) -> Option<String> {
        if !crate::pseudo_terminal() {
            return None;
        }
        let cmd = format!(
            "EXPRESS_WAVES_KUBECTL='{}' '{}' status --kubectl --watch --interval 0.05",
            self.0.kubectl().display(),
            env!("CARGO_BIN_EXE_express-waves")
        );
        let out = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let tty = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            tty.ends_with("CLUSTER t1/acme: all 3 nodes healthy\r\n"),
            "{tty:?}"
        );
        Some(tty)
    }
}

const EMPTY: &str = "apiVersion: v1\nkind: List\nitems: []\n";

/// The state of `state`, with a gate after fe1 in wave 2 (fe2 and fe3 one
/// wave later), and that gate: approved for its rollout or not.
fn gated(running: &str, approved: bool) -> (String, String) {
    let nodes = state(running)
        .replace("sync-wave: \"3\"", "sync-wave: \"4\"")
        .replace("sync-wave: \"2\"", "sync-wave: \"3\"");
    let approval = if approved {
        ", waves.express.medallia.com/approved: r1, waves.express.medallia.com/approved-by: jane"
    } else {
        ""
    };
    let gate = format!(
        "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: waves.express.medallia.com/v1\n    kind: Gate\n    metadata: {{name: acme-gate-fe1, namespace: t1, annotations: {{argocd.argoproj.io/sync-wave: \"2\"{approval}}}}}\n    spec: {{cluster: acme, after: fe1, rollout: r1, revisions: [{{node: fe1, revision: new}}, {{node: fe2, revision: new}}, {{node: fe3, revision: new}}]}}\n"
    );
    (nodes, gate)
}

/// Three frontends of cluster acme, waves 1 to 3, all rendered at revision
/// `new`; each running the revision given, in order (`-`: Broken), as in
/// `"new - old"`.
fn state(running: &str) -> String {
    let running: Vec<Option<&str>> = running
        .split(' ')
        .map(|r| (r != "-").then_some(r))
        .collect();
    assert_eq!(running.len(), 3, "three nodes");
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

/// Each JSON line as `(what, where the first cluster is, the gate it waits
/// at)`, `what` read from the line by `what`.
fn where_each_line_is<'a, T>(
    lines: &'a [serde_json::Value],
    what: impl Fn(&'a serde_json::Value) -> T,
) -> Vec<(T, Option<&'a str>, Option<&'a str>)> {
    lines
        .iter()
        .map(|l| {
            let c = &l["clusters"][0];
            (what(l), c["at"].as_str(), c["gate"]["after"].as_str())
        })
        .collect()
}

/// One JSON line per change (a read that changes nothing prints nothing),
/// and exit 0 once every node runs its revision.
#[test]
fn a_watched_rollout_prints_each_change_and_ends_when_every_node_is_done() {
    let s = Script::rolling(
        "done",
        &["old old old", "old old old", "new old old", "new new new"],
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
    let s = Script::rolling("degraded", &["old old old", "new - old"]);
    let out = s.watch(&[]);
    crate::assert_exit(&out, 1);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["clusters"][0]["state"], "degraded");
    assert_eq!(lines[1]["clusters"][0]["at"], "fe2");

    let stuck = Script::rolling("stuck", &["old old old"]);
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
            state("old old old"),
            "apiVersion: v1\nkind: List\nitems: []\n".to_string(),
        ],
    );
    let out = s.watch(&[]);
    crate::assert_exit(&out, 2);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_says(&err, &["no express.medallia.com"]);
}

/// On a terminal each cluster's line is redrawn in place (cursor up, line
/// cleared), only when it changed; the last frame shows every node done.
#[test]
fn on_a_terminal_the_watch_redraws_its_lines_in_place() {
    let s = Script::rolling("tty", &["old old old", "new old old", "new new new"]);
    let Some(tty) = s.watch_to_the_end_in_a_terminal() else {
        return;
    };
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
}

/// A rollout held at an approval gate: fe1 rolls, then the watch says it
/// waits for approval and how to give it (exit code still "in progress"),
/// then, approved, fe2 and fe3 roll and the watch ends with 0.
#[test]
fn a_watch_shows_the_rollout_waiting_at_a_gate_until_it_is_approved() {
    let s = Script::with_gates(
        "gate",
        &[
            gated("old old old", false),
            gated("new old old", false),
            gated("new old old", false),
            gated("new old old", true),
            gated("new new new", true),
        ],
    );
    let out = s.watch(&[]);
    crate::assert_exit(&out, 0);
    let lines = json_lines(&out);
    let seen = where_each_line_is(&lines, |l| l["clusters"][0]["done"].as_u64().unwrap());
    assert_eq!(
        seen,
        [
            (0, Some("fe1"), None),
            (1, None, Some("fe1")),
            (1, Some("fe2"), None),
            (3, None, None)
        ]
    );
    assert_eq!(
        lines[1]["clusters"][0]["gate"]["state"],
        "waiting-for-approval"
    );
    assert_eq!(
        lines[1]["clusters"][0]["summary"],
        "1 of 3 nodes done; waiting for approval after fe1 (wave 2): express-waves approve t1/acme"
    );
    // A held rollout is in progress: a one-shot status exits 3 and shows
    // the gate in its wave.
    let held = Script::with_gates("gate-held", &[gated("new old old", false)]);
    let out = held.0.run_with_fake_kubectl(&["status", "--kubectl"], &[]);
    crate::assert_exit(&out, 3);
    let table = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = table
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().take(5).collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["1", "fe1", "Frontend", "done", "Healthy"],
            ["2", "gate", "Gate", "waiting-for-approval", "Suspended"],
            ["3", "fe2", "Frontend", "waiting", "Progressing"],
            ["4", "fe3", "Frontend", "waiting", "Progressing"],
        ],
        "{table}"
    );
}

/// On a terminal, a held rollout gets a third line: the command that
/// approves it, whole.
#[test]
fn on_a_terminal_a_held_rollout_shows_the_command_that_approves_it() {
    let s = Script::with_gates(
        "gate-tty",
        &[gated("new old old", false), gated("new new new", true)],
    );
    let Some(tty) = s.watch_to_the_end_in_a_terminal() else {
        return;
    };
    assert!(
        tty.contains(
            "t1/acme [###.......] 1/3 nodes, 0s\r\n\r\x1b[2K  waiting for approval after fe1 for 0s, 2 waiting (fe2 on fe1)\r\n\r\x1b[2K  to approve: express-waves approve t1/acme\r\n"
        ),
        "{tty:?}"
    );
    // Three lines drawn: the next frame goes up three.
    assert!(tty.contains("\x1b[3A\r\x1b[2K"), "{tty:?}");
}

/// Without the Gate's CRD there can be no gate: kubectl's "doesn't have a
/// resource type" for gates is no error. Any other failure to read them
/// is (a status that could not see a gate would name the wrong wait).
#[test]
fn status_reads_no_gates_without_their_crd_but_fails_when_it_cannot_read_them() {
    let k = Scratch::new("watch", "nocrd");
    let dir = &k.dir;
    std::fs::write(dir.join("state.yaml"), state("new new new")).unwrap();
    for (message, code) in [
        (
            "error: the server doesn't have a resource type \"gates\"",
            0,
        ),
        (
            "Error from server (Forbidden): gates.waves.express.medallia.com is forbidden: User \"jane\" cannot list resource \"gates\"",
            2,
        ),
    ] {
        std::fs::write(dir.join("message"), format!("{message}\n")).unwrap();
        k.fake_kubectl(&format!(
            "case \"$2\" in configmaps) printf 'apiVersion: v1\\nkind: List\\nitems: []\\n';; gates.*) cat '{0}/message' >&2; exit 1;; *) cat '{0}/state.yaml';; esac",
            dir.display()
        ));
        let out = k.run_with_fake_kubectl(&["status", "--kubectl"], &[]);
        crate::assert_exit(&out, code);
        if code == 2 {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.stdout.is_empty() && err.contains("is forbidden"),
                "{err}"
            );
        }
    }
}

/// The Application `acme` in `phase`, having applied (Synced) `applied`.
fn application(phase: &str, message: &str, applied: &[(&str, &str, &str)]) -> String {
    let mut s = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: acme, namespace: argocd}}\nstatus:\n  operationState:\n    phase: {phase}\n    message: {message}\n    syncResult:\n      resources:\n"
    );
    for (group, kind, name) in applied {
        s.push_str(&format!(
            "        - {{group: {group}, version: v1, kind: {kind}, namespace: t1, name: {name}, status: Synced}}\n"
        ));
    }
    s
}

/// A whole rollout with its Application, as a scripted kubectl serves it:
/// fe1 rolls, the sync waits at the gate after fe1, on-call presses
/// Terminate there; the watch ends (exit 1) saying the sync stopped at the
/// gate, with fe1 at the new revision and fe2, fe3 not.
#[test]
fn a_watched_sync_terminated_at_the_gate_ends_saying_where_it_stopped() {
    let s = Script::with_gates(
        "gate-terminate",
        &[
            gated("old old old", false),
            gated("new old old", false),
            gated("new old old", false),
        ],
    );
    let fe1 = ("express.medallia.com", "Frontend", "acme-fe1");
    let gate = ("waves.express.medallia.com", "Gate", "acme-gate-fe1");
    for (i, app) in [
        application(
            "Running",
            "waiting for healthy state of Frontend/acme-fe1",
            &[fe1],
        ),
        application(
            "Running",
            "waiting for healthy state of Gate/acme-gate-fe1",
            &[fe1, gate],
        ),
        application("Failed", "Operation terminated", &[fe1, gate]),
    ]
    .iter()
    .enumerate()
    {
        std::fs::write(s.0.dir.join(format!("app{i}.yaml")), app).unwrap();
    }
    let out = s.watch(&["--app", "acme"]);
    crate::assert_exit(&out, 1);
    let lines = json_lines(&out);
    let seen = where_each_line_is(&lines, |l| l["application"]["phase"].as_str().unwrap());
    assert_eq!(
        seen,
        [
            ("Running", Some("fe1"), None),
            ("Running", None, Some("fe1")),
            ("Failed", None, Some("fe1")),
        ]
    );
    assert_eq!(
        lines[2]["application"]["lastApplied"],
        serde_json::json!(["gate after fe1", 2])
    );
}
