//! Proof that `examples/rendered/` is what real Helm renders from
//! `examples/chart/` for `examples/tenants/`: runs
//! `examples/render_chart.py --check` with the Python that has
//! `helm-python-sdk` (Helm v4's engine), named by `EXPRESS_WAVES_PYTHON`.
//! Skipped with a note without it, except under CI, where it fails.

use std::process::Command;

#[test]
fn examples_rendered_match_real_helm() {
    let Some(python) = crate::oracle("EXPRESS_WAVES_PYTHON", "real-Helm check") else {
        return;
    };
    let out = Command::new(python)
        .arg("examples/render_chart.py")
        .arg("--check")
        .current_dir(crate::root())
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "examples/rendered/ differs from real Helm's render:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The revision rules in the README hold: Python's `json.dumps` over
/// `nodes.json` gives every node's revision, for every golden case.
#[test]
fn revisions_recompute_with_python_json_dumps() {
    let Some(python) = crate::oracle("EXPRESS_WAVES_PYTHON", "Python recomputation") else {
        return;
    };
    let mut checked = 0;
    for case in crate::cases() {
        let out = crate::run(&case.args, &case.stdin);
        if out.status != 0 || !case.renders {
            continue;
        }
        let mut child = Command::new(&python)
            .arg("tests/cli/recompute.py")
            .current_dir(crate::root())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("python runs");
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&out.stdout).unwrap();
        let res = child.wait_with_output().unwrap();
        assert!(
            res.status.success(),
            "{}: {}",
            case.name,
            String::from_utf8_lossy(&res.stderr)
        );
        checked += String::from_utf8_lossy(&res.stdout)
            .trim()
            .parse::<usize>()
            .unwrap();
    }
    assert!(checked > 50, "only {checked} nodes recomputed");
}
