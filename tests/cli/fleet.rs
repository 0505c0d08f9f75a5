//! `fleet plan` on the example tenants against two versions of the example
//! chart, rendered by the `helm` stand-in that calls real Helm's engine
//! (`helm_template.py`, as the CMP test does): the counts checked against
//! what the change must do to each tenant, read from its values file.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use express_waves::value::Value;

use crate::{assert_exit, assert_says, root, run_binary};

/// A scratch directory: `old/` and `new/` charts (the new one changes the
/// Frontends' `configChangeset`), a `helm` stand-in, and `t/` holding the
/// example tenants plus `broken.yaml`, whose render express-waves refuses.
struct Fleet {
    dir: PathBuf,
}

impl Fleet {
    fn new(name: &str, python: &Path) -> Fleet {
        let dir = std::env::temp_dir().join(format!("ew-fleet-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("t")).unwrap();
        for side in ["old", "new"] {
            copy_dir(&root().join("examples/chart"), &dir.join(side));
        }
        let values = dir.join("new/values.yaml");
        let text = std::fs::read_to_string(&values).unwrap();
        let changed = text.replacen(
            "  Frontend: 867fc47c2326a5b00893b3b0f3d2d7c66b634579",
            "  Frontend: 0000000000000000000000000000000000000001",
            1,
        );
        assert_ne!(
            text, changed,
            "the example chart's Frontend changeset moved"
        );
        std::fs::write(&values, changed).unwrap();
        crate::helm_stand_in(&dir.join("helm"), python);
        for e in std::fs::read_dir(root().join("examples/tenants")).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, dir.join("t").join(p.file_name().unwrap())).unwrap();
        }
        // On-call's escape hatch without saying who asked: render refuses it.
        std::fs::write(
            dir.join("t/broken.yaml"),
            "namespace: tenant-9-prod\ninstance: broken\nnodes:\n  be: {up: true}\n  fe1: {up: true, healthIgnoredBy: \" \"}\n",
        )
        .unwrap();
        Fleet { dir }
    }

    fn tenants(&self) -> Vec<PathBuf> {
        let mut t: Vec<PathBuf> = std::fs::read_dir(self.dir.join("t"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        t.sort();
        t
    }

    /// The command line: `extra` after the charts and helm; `--no-old`
    /// leaves the old chart out.
    fn args(&self, extra: &[&str]) -> Vec<String> {
        let mut a: Vec<String> = ["fleet", "plan", "--release-name-from", "file", "-j", "2"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for (flag, p) in [
            ("--helm", "helm"),
            ("--chart", "new"),
            ("--old-chart", "old"),
        ] {
            if !extra.contains(&"--no-old") || flag != "--old-chart" {
                a.push(flag.into());
                a.push(self.dir.join(p).display().to_string());
            }
        }
        a.extend(
            extra
                .iter()
                .filter(|e| **e != "--no-old")
                .map(|s| s.to_string()),
        );
        a
    }

    fn plan(&self, extra: &[&str], tenants: &[PathBuf]) -> std::process::Output {
        let mut args = self.args(extra);
        args.extend(tenants.iter().map(|t| t.display().to_string()));
        run_binary(&args, &[], b"")
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// The tenant's Frontends, up and down, from its values file.
fn frontends(values: &Path) -> (usize, usize) {
    let v = express_waves::value::read(
        &std::fs::read_to_string(values).unwrap(),
        Default::default(),
    )
    .unwrap()
    .unwrap();
    let Some(Value::Map(nodes)) = v.get("nodes") else {
        return (0, 0);
    };
    let fe: Vec<&Value> = nodes
        .iter()
        .filter(|(k, _)| k.starts_with("fe"))
        .map(|(_, n)| n)
        .collect();
    let up = fe
        .iter()
        .filter(|n| n.get("up") == Some(&Value::Bool(true)))
        .count();
    (up, fe.len() - up)
}

fn python() -> Option<PathBuf> {
    crate::oracle("EXPRESS_WAVES_PYTHON", "fleet plan with real Helm's engine")
}

/// Every tenant planned, a broken one reported with its error and the
/// others not hidden (exit 2): each up Frontend restarts, a Frontend down
/// changes while down, nothing else moves, and the one changed field is
/// counted on every Frontend of every tenant planned.
#[test]
fn a_chart_change_is_planned_for_every_tenant_and_a_broken_one_hides_no_other() {
    let Some(python) = python() else { return };
    let f = Fleet::new("json", &python);
    let tenants = f.tenants();
    let out = f.plan(&["-o", "json"], &tenants);
    assert_exit(&out, 2);
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let planned = &plan["tenants"];
    assert_eq!(planned.as_array().unwrap().len(), tenants.len());
    let (mut all_fe, mut all_up, mut changed_tenants) = (0, 0, 0);
    for (t, p) in tenants.iter().zip(planned.as_array().unwrap()) {
        let name = t.file_stem().unwrap().to_str().unwrap();
        assert_eq!(p["tenant"], name);
        if name == "broken" {
            let e = p["error"].as_str().unwrap();
            assert_says(
                e,
                &[
                    "express.medallia.com/health: ignore needs express.medallia.com/health-ignored-by",
                ],
            );
            assert_eq!(p["restart"], serde_json::json!([]));
            continue;
        }
        assert!(p.get("error").is_none(), "{name}: {p}");
        let (up, down) = frontends(t);
        assert_eq!(p["restart"].as_array().unwrap().len(), up, "{name}");
        for kind in ["start", "stop", "new", "removed"] {
            assert_eq!(p[kind], serde_json::json!([]), "{name} {kind}");
        }
        let fields = p["fields"].as_object().unwrap();
        if up + down > 0 {
            assert_eq!(fields.len(), 1, "{name}: {fields:?}");
            assert_eq!(fields["/spec/configChangeset"], up + down, "{name}");
            changed_tenants += 1;
        }
        all_fe += up + down;
        all_up += up;
    }
    assert_eq!(plan["totals"]["failed"], 1);
    assert_eq!(plan["totals"]["restart"], all_up);
    assert_eq!(
        plan["fields"],
        serde_json::json!([{"pointer": "/spec/configChangeset", "nodes": all_fe, "tenants": changed_tenants}])
    );
}

/// The table and markdown say the same; without the broken tenant the exit
/// code is 1 (nodes restart), and with the old chart as the new one, 0.
#[test]
fn fleet_plan_exits_like_diff_and_writes_a_table_and_markdown() {
    let Some(python) = python() else { return };
    let f = Fleet::new("table", &python);
    let tenants: Vec<PathBuf> = f
        .tenants()
        .into_iter()
        .filter(|t| !t.ends_with("broken.yaml"))
        .collect();
    let out = f.plan(&[], &tenants);
    assert_exit(&out, 1);
    let table = String::from_utf8(out.stdout).unwrap();
    let (up, _) = frontends(&root().join("examples/tenants/initech-12-frontends.yaml"));
    assert!(
        table
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["initech-12-frontends", &up.to_string(), "0", "0", "0", "0"]),
        "{table}"
    );
    assert_says(
        &table,
        &["\nCHANGED FIELDS\n/spec/configChangeset changes on "],
    );
    assert!(!table.contains("FAILED"), "{table}");

    let md = f.plan(&["-o", "markdown"], &tenants);
    assert_exit(&md, 1);
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(
        md.starts_with("**Fleet plan**: 5 tenants, 0 failed: "),
        "{md}"
    );
    assert_says(
        &md,
        &[
            "| tenant | restart | start | stop | new | removed |",
            "\n**Changed fields**\n\n- `/spec/configChangeset` changes on ",
        ],
    );
    assert!(
        md.lines()
            .any(|l| l.starts_with("- `/spec/configChangeset` changes on ")
                && l.ends_with(" tenants")
                && l.matches('`').count() == 2),
        "{md}"
    );

    // The same chart on both sides: nothing changes.
    let same = f.plan(
        &[
            "--no-old",
            "--old-chart",
            &f.dir.join("new").display().to_string(),
        ],
        &tenants,
    );
    assert_exit(&same, 0);
}

/// On a terminal, a progress line (tenants done, failures, time) is drawn
/// on stderr and cleared; off a terminal, stderr stays empty.
#[test]
fn fleet_plan_draws_progress_only_on_a_terminal() {
    let Some(python) = python() else { return };
    if Command::new("script").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "`script` is needed under CI"
        );
        return;
    }
    let f = Fleet::new("tty", &python);
    let tenants = f.tenants();
    let mut args = f.args(&[]);
    args.insert(0, env!("CARGO_BIN_EXE_express-waves").into());
    args.extend(tenants.iter().map(|t| t.display().to_string()));
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let out = Command::new("script")
        .args(["-qec", &quoted.join(" "), "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let tty = String::from_utf8_lossy(&out.stdout);
    let n = tenants.len();
    assert!(
        tty.contains(&format!("] {n}/{n} tenants, 1 failed, ")),
        "no final progress line: {tty:?}"
    );
    assert!(tty.contains("\r\x1b[2K["), "not drawn over itself: {tty:?}");
    let piped = f.plan(&[], &tenants);
    assert!(
        piped.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
}

/// Without the old chart, a tenant is compared with its live objects
/// (`--live-dir/<release>.yaml`), as `plan --live` compares: the live
/// varsamisktest runs the example chart's revisions, so with the new chart
/// its up Frontends restart.
#[test]
fn without_the_old_chart_a_tenant_is_compared_with_its_live_objects() {
    let Some(python) = python() else { return };
    let f = Fleet::new("live", &python);
    let t = f.dir.join("t/varsamisktest.yaml");
    let live = f.dir.join("live");
    std::fs::create_dir_all(&live).unwrap();
    // The live objects: the old chart rendered and applied, as a List.
    let old = f.plan(&["-o", "json"], std::slice::from_ref(&t));
    assert_exit(&old, 1);
    let render = Command::new(f.dir.join("helm"))
        .args([
            "template",
            "varsamisktest",
            &f.dir.join("old").display().to_string(),
            &format!("--values={}", t.display()),
        ])
        .output()
        .unwrap();
    let rendered = run_binary(&["render", "-"], &[], &render.stdout);
    assert_exit(&rendered, 0);
    let mut list = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for doc in String::from_utf8(rendered.stdout).unwrap().split("\n---\n") {
        let doc = doc.trim_start_matches("---\n");
        if doc.trim().is_empty() {
            continue;
        }
        list.push_str("- ");
        list.push_str(&doc.replace('\n', "\n  "));
        list.push('\n');
    }
    std::fs::write(live.join("varsamisktest.yaml"), list).unwrap();
    // The tenant against the live objects in `dir`.
    let against = |dir: &Path| {
        let dir = dir.display().to_string();
        let out = f.plan(
            &["--no-old", "-o", "json", "--live-dir", &dir],
            std::slice::from_ref(&t),
        );
        assert_exit(&out, 1);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let plan = against(&live);
    let (up, _) = frontends(&t);
    assert_eq!(
        plan["tenants"][0]["restart"].as_array().unwrap().len(),
        up,
        "{plan}"
    );
    // And with no live objects for it, every node is new, and it says so.
    let empty = f.dir.join("nothing-live");
    std::fs::create_dir_all(&empty).unwrap();
    let plan = against(&empty);
    let warnings = plan["tenants"][0]["warnings"].to_string();
    assert_says(&warnings, &["no live objects ("]);
    assert!(
        plan["tenants"][0]["new"].as_array().unwrap().len() > up,
        "{plan}"
    );
}

/// Tenants are named by their directory below the one they all share, so
/// one tenant in two data centres is two tenants of one release name; the
/// same file given twice is refused, naming it, before anything runs; so is
/// a path that is no file, a name Helm would refuse, a chart without
/// Chart.yaml, and a --live-dir that is no directory.
#[test]
fn tenants_are_named_by_their_place_and_bad_invocations_fail_before_any_tenant_runs() {
    let dir = std::env::temp_dir().join(format!("ew-fleet-names-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for d in [
        "overlays/den/acme",
        "overlays/yul/acme",
        "overlays/den/Bad_Name",
    ] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
        std::fs::write(dir.join(d).join("values.yaml"), "a: 1\n").unwrap();
    }
    std::fs::create_dir_all(dir.join("chart")).unwrap();
    std::fs::write(
        dir.join("chart/Chart.yaml"),
        "apiVersion: v2\nname: x\nversion: 0.1.0\n",
    )
    .unwrap();
    // A helm that fails: every tenant is reported failed, by its name.
    let helm = dir.join("helm");
    crate::executable(&helm, "#!/bin/sh\necho 'Error: boom' >&2\nexit 1\n");
    let v = |d: &str| dir.join(d).join("values.yaml").display().to_string();
    let run = |extra: &[&str], files: &[String]| {
        let mut a: Vec<String> = ["fleet", "plan", "-o", "json"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if !extra.contains(&"--helm") {
            a.push("--helm".into());
            a.push(helm.display().to_string());
        }
        a.extend(extra.iter().map(|s| s.to_string()));
        if !extra.contains(&"--chart") {
            a.push("--chart".into());
            a.push(dir.join("chart").display().to_string());
        }
        a.extend(files.iter().cloned());
        run_binary(&a, &[], b"")
    };
    // A link is the tenant where the link is, not where it points.
    std::fs::create_dir_all(dir.join("overlays/sea/link")).unwrap();
    std::os::unix::fs::symlink(
        dir.join("overlays/den/acme/values.yaml"),
        dir.join("overlays/sea/link/values.yaml"),
    )
    .unwrap();
    let out = run(
        &[],
        &[
            v("overlays/den/acme"),
            v("overlays/yul/acme"),
            v("overlays/sea/link"),
        ],
    );
    assert_exit(&out, 2);
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<(&str, &str)> = plan["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["tenant"].as_str().unwrap(),
                t["release"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("den/acme", "acme"),
            ("yul/acme", "acme"),
            ("sea/link", "link")
        ]
    );
    assert!(
        plan["tenants"][0]["error"]
            .as_str()
            .unwrap()
            .contains("Error: boom"),
        "{plan}"
    );
    // A helm that warns: its warnings are the tenant's, not interleaved on
    // stderr.
    let warns = dir.join("warning-helm");
    crate::executable(
        &warns,
        format!(
            "#!/bin/sh\necho 'WARNING: this chart is deprecated' >&2\ncat '{}'\n",
            root()
                .join("examples/rendered/varsamisktest.yaml")
                .display()
        ),
    );
    let out = run(
        &["--helm", &warns.display().to_string()],
        &[v("overlays/den/acme")],
    );
    assert_exit(&out, 1);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let w = plan["tenants"][0]["warnings"].to_string();
    assert_says(&w, &["): WARNING: this chart is deprecated"]);
    // A helm that hangs is stopped, and its tenant reported failed.
    let slow = dir.join("slow-helm");
    crate::executable(&slow, "#!/bin/sh\nexec sleep 30\n");
    let started = std::time::Instant::now();
    let out = run(
        &["--helm", &slow.display().to_string(), "--helm-timeout", "1"],
        &[v("overlays/den/acme")],
    );
    assert_exit(&out, 2);
    assert!(started.elapsed().as_secs() < 20, "not stopped");
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = plan["tenants"][0]["error"].as_str().unwrap();
    assert_says(e, &["slow-helm ran past 1 s and was stopped"]);
    let refused = |out: std::process::Output, want: &str| {
        assert_exit(&out, 2);
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(want), "{err}");
    };
    refused(
        run(&[], &[v("overlays/den/acme"), v("overlays/den/acme")]),
        "are both tenant `acme`",
    );
    refused(
        run(&[], &[v("overlays/den/Bad_Name")]),
        "release name `Bad_Name` is not valid for Helm",
    );
    refused(
        run(&[], &[dir.join("overlays/den").display().to_string()]),
        "overlays/den: not a values file (no such file, or a directory)",
    );
    refused(
        run(&["--chart", "/nonexistent"], &[v("overlays/den/acme")]),
        "--chart /nonexistent has no Chart.yaml",
    );
    refused(
        run(&["--live-dir", "/nonexistent"], &[v("overlays/den/acme")]),
        "--live-dir /nonexistent is not a directory",
    );
    refused(
        run(
            &["--live-dir", &dir.display().to_string()],
            &[v("overlays/den/acme"), v("overlays/yul/acme")],
        ),
        "two tenants are release `acme`",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
