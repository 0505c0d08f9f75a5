//! Proof that `examples/rendered/` is what real Helm renders from
//! `examples/chart/` for `examples/tenants/`: runs
//! `examples/render_chart.py --check` with the Python that has
//! `helm-python-sdk` (Helm v4's engine), named by `EXPRESS_WAVES_PYTHON`.
//! Skipped with a note without it, except under CI, where it fails.

use std::process::Command;

#[test]
fn examples_rendered_match_real_helm() {
    let python = match std::env::var_os("EXPRESS_WAVES_PYTHON") {
        Some(p) => p,
        None if std::env::var_os("CI").is_some() => {
            panic!("EXPRESS_WAVES_PYTHON is not set under CI: the real-Helm check must run")
        }
        None => {
            eprintln!(
                "note: EXPRESS_WAVES_PYTHON not set; real-Helm check skipped (bash .ci/run runs it)"
            );
            return;
        }
    };
    let out = Command::new(python)
        .arg("examples/render_chart.py")
        .arg("--check")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "examples/rendered/ differs from real Helm's render:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
