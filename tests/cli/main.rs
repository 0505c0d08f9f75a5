//! Integration tests: the binary run on golden cases, and properties every
//! case must have (idempotent, stdout empty on error, reads back in Go).
//!
//! A case is a folder `tests/cases/<group>/<case>/`, grouped by the README
//! section it specifies (order, dependencies, waves, revisions, yaml,
//! passthrough, errors, plan, diff, verify, status, inspect, revision,
//! argocd), each self-contained:
//! - `in.yaml`: stdin;
//! - `args` (optional): one argument per line; files they name are in the
//!   case's folder too;
//! - `out.yaml`: expected stdout (absent: stdout must be empty);
//! - `err.txt`: expected stderr (absent: stderr must be empty);
//! - `status`: expected exit code (absent: 0).
//!
//! `EXPRESS_WAVES_BLESS=1 cargo test` rewrites the expected files from what
//! the binary does now; review the diff before committing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod approve;
mod argocd_sync;
mod cmp;
mod fleet;
mod go_readback;
mod health;
mod helm;
mod helm4;
mod install;
mod kubectl;
mod properties;
mod watch;
mod waves;

struct Case {
    name: String,
    /// Whether the case runs `render` (stdin in, stream out).
    renders: bool,
    dir: PathBuf,
    args: Vec<String>,
    stdin: Vec<u8>,
}

struct Outcome {
    status: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// The repository's root (the crate's directory).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The single YAML document of a file (relative to the root, or absolute),
/// as Go reads it.
pub fn yaml_file(path: &Path) -> express_waves::value::Value {
    let path = root().join(path);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    express_waves::value::read(&text, Default::default())
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()))
        .unwrap_or_else(|| panic!("{}: no document", path.display()))
}

/// Runs the binary in the repository root with `args`, `env` added and
/// `stdin` fed (from a thread, so a large input cannot deadlock).
pub fn run_binary<A: AsRef<std::ffi::OsStr>>(
    args: &[A],
    env: &[(&str, &std::ffi::OsStr)],
    stdin: &[u8],
) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_express-waves"));
    cmd.args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("binary runs");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("binary finishes");
    writer.join().expect("stdin writer");
    out
}

/// An external oracle named by the environment variable `var` (set by
/// `.ci/run`): `None` with a note when it is not set, a failure under CI,
/// where every oracle check must run.
pub fn oracle(var: &str, check: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(p) => Some(PathBuf::from(p)),
        None if std::env::var_os("CI").is_some() => {
            panic!("{var} is not set under CI: the {check} must run")
        }
        None => {
            eprintln!("note: {var} not set; {check} skipped (bash .ci/run runs it)");
            None
        }
    }
}

/// A `helm` at `path` that renders with real Helm's engine through
/// `python` (`helm_template.py`: helm-python-sdk; the helm binary cannot be
/// installed here).
pub fn helm_stand_in(path: &Path, python: &Path) {
    executable(
        path,
        format!(
            "#!/bin/sh\nexec '{}' '{}' \"$@\"\n",
            python.display(),
            root().join("tests/cli/helm_template.py").display()
        ),
    );
}

/// The documents of a stream, as values.
pub fn documents(text: &str) -> Vec<express_waves::value::Value> {
    express_waves::stream::split(text.as_bytes())
        .iter()
        .filter_map(|c| {
            let node = express_waves::yaml::read_document(
                std::str::from_utf8(c.bytes).unwrap(),
                Default::default(),
            )
            .unwrap()?;
            Some(express_waves::value::from_node(node).unwrap())
        })
        .collect()
}

/// Whether `script` (util-linux), which gives a command a pseudo-terminal,
/// is here: needed under CI; elsewhere its checks are skipped with a note.
pub fn pseudo_terminal() -> bool {
    if Command::new("script").arg("--version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "`script` (util-linux) is needed under CI"
    );
    eprintln!("note: `script` not found; terminal checks skipped");
    false
}

/// A fresh scratch directory for one test (`ew-<what>-<name>-<pid>` in the
/// temporary directory), removed when dropped.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    pub fn new(what: &str, name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("ew-{what}-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch { dir }
    }

    /// Writes a fake `kubectl` here that records each call's arguments in
    /// `argv` (one a line, `--` after each call), then runs `body` (sh).
    pub fn fake_kubectl(&self, body: &str) {
        let argv = self.dir.join("argv");
        let script = format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> '{0}'\necho -- >> '{0}'\n{body}\n",
            argv.display()
        );
        executable(self.kubectl(), script);
    }

    /// Where [`Scratch::fake_kubectl`] writes the fake.
    pub fn kubectl(&self) -> PathBuf {
        self.dir.join("kubectl")
    }

    /// The binary run with `args` and `env`, given this scratch
    /// directory's fake kubectl (`EXPRESS_WAVES_KUBECTL`).
    pub fn run_with_fake_kubectl(
        &self,
        args: &[&str],
        env: &[(&str, &std::ffi::OsStr)],
    ) -> std::process::Output {
        let kubectl = self.kubectl();
        let mut all = vec![("EXPRESS_WAVES_KUBECTL", kubectl.as_os_str())];
        all.extend_from_slice(env);
        run_binary(args, &all, b"")
    }

    /// The arguments of each call the fake kubectl recorded, in order.
    pub fn calls(&self) -> Vec<Vec<String>> {
        std::fs::read_to_string(self.dir.join("argv"))
            .unwrap_or_default()
            .split("--\n")
            .filter(|c| !c.is_empty())
            .map(|c| c.lines().map(str::to_string).collect())
            .collect()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes `text` to `path` as an executable script (a fake helm, kubectl).
pub fn executable(path: impl AsRef<Path>, text: impl AsRef<[u8]>) {
    std::fs::write(path.as_ref(), text).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Fails the test with the binary's stderr unless it exited with `code`.
pub fn assert_exit(out: &std::process::Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Fails the test with the binary's stderr unless it succeeded.
pub fn assert_success(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Fails the test, showing `text`, unless it says every one of `pieces`.
pub fn assert_says(text: &str, pieces: &[&str]) {
    let missing: Vec<&&str> = pieces.iter().filter(|p| !text.contains(**p)).collect();
    assert!(missing.is_empty(), "{missing:?} not in:\n{text}");
}

/// Fails the test unless the binary refused: exit 2 and nothing on
/// stdout. Returns its stderr, for the message to be checked.
pub fn refused(out: &std::process::Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty(), "stdout not empty on error: {err}");
    err
}

fn run(args: &[String], stdin: &[u8]) -> Outcome {
    let out = run_binary(args, &[], stdin);
    Outcome {
        status: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

/// The folders below `dir`, in name order.
fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Every case: `tests/cases/<README section>/<case>/`, named `section/case`.
fn cases() -> Vec<Case> {
    subdirs(&root().join("tests/cases"))
        .iter()
        .flat_map(|group| subdirs(group))
        .map(|dir| {
            let group = dir.parent().unwrap().file_name().unwrap().to_string_lossy();
            let name = format!("{group}/{}", dir.file_name().unwrap().to_string_lossy());
            let args = std::fs::read_to_string(dir.join("args"))
                .map(|s| {
                    s.lines()
                        .filter(|l| !l.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_else(|_| vec!["render".to_string()]);
            let stdin = std::fs::read(dir.join("in.yaml"))
                .unwrap_or_else(|_| panic!("{name}: needs in.yaml"));
            let renders = args
                .first()
                .is_none_or(|a| a == "render" || a.starts_with("--"));
            Case {
                name,
                renders,
                dir,
                args,
                stdin,
            }
        })
        .collect()
}

fn expected(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_default()
}

fn status_of(dir: &Path) -> i32 {
    std::fs::read_to_string(dir.join("status"))
        .map(|s| s.trim().parse().expect("status is a number"))
        .unwrap_or(0)
}

fn bless() -> bool {
    std::env::var_os("EXPRESS_WAVES_BLESS").is_some()
}

fn write_or_remove(path: PathBuf, data: &[u8]) {
    if data.is_empty() {
        let _ = std::fs::remove_file(path);
    } else {
        std::fs::write(path, data).unwrap();
    }
}

#[test]
fn golden_cases() {
    let mut failures = Vec::new();
    for case in cases() {
        let got = run(&case.args, &case.stdin);
        if bless() {
            write_or_remove(case.dir.join("out.yaml"), &got.stdout);
            write_or_remove(case.dir.join("err.txt"), &got.stderr);
            let status = if got.status == 0 {
                String::new()
            } else {
                format!("{}\n", got.status)
            };
            write_or_remove(case.dir.join("status"), status.as_bytes());
            continue;
        }
        let want_status = status_of(&case.dir);
        if got.status != want_status {
            failures.push(format!(
                "{}: status {} (want {want_status}); stderr: {}",
                case.name,
                got.status,
                String::from_utf8_lossy(&got.stderr)
            ));
        }
        if got.stdout != expected(&case.dir, "out.yaml") {
            failures.push(format!("{}: stdout differs from out.yaml", case.name));
        }
        if got.stderr != expected(&case.dir, "err.txt") {
            failures.push(format!(
                "{}: stderr differs from err.txt:\n{}",
                case.name,
                String::from_utf8_lossy(&got.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn errors_leave_stdout_empty_and_exit_2() {
    let mut checked = 0;
    for case in cases() {
        let got = run(&case.args, &case.stdin);
        // 0: success; 1: a check found something (diff, verify, inspect,
        // argocd check; status: something Degraded); 2: error; 3: status only, a
        // rollout in progress.
        assert!(
            (0..=2).contains(&got.status) || got.status == 3 && case.name.starts_with("status/"),
            "{}: exit {}",
            case.name,
            got.status
        );
        if got.status == 1 {
            assert!(
                [
                    "diff/",
                    "verify/",
                    "argocd/argocd-check-",
                    "status/",
                    "inspect/"
                ]
                .iter()
                .any(|p| case.name.starts_with(p)),
                "{}",
                case.name
            );
            assert!(
                got.stderr.is_empty(),
                "{}: a finding is not an error",
                case.name
            );
        }
        if got.status == 2 {
            assert!(
                got.stdout.is_empty(),
                "{}: stdout not empty on error",
                case.name
            );
            let err = String::from_utf8_lossy(&got.stderr);
            assert!(
                err.starts_with("express-waves: error: "),
                "{}: {err}",
                case.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} error cases");
}

#[test]
fn render_is_idempotent_and_deterministic() {
    let mut checked = 0;
    for case in cases() {
        let first = run(&case.args, &case.stdin);
        if first.status != 0 || !case.renders {
            continue;
        }
        let again = run(&case.args, &case.stdin);
        assert_eq!(
            first.stdout, again.stdout,
            "{}: not deterministic",
            case.name
        );
        let second = run(&case.args, &first.stdout);
        assert_eq!(second.status, 0, "{}: re-render failed", case.name);
        assert!(
            first.stdout == second.stdout,
            "{}: render(render(x)) != render(x):\n{}",
            case.name,
            String::from_utf8_lossy(&second.stdout)
        );
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} successful cases");
}

#[test]
fn output_means_to_go_what_input_meant() {
    let Some(tool) = go_readback::tool() else {
        return;
    };
    let (mut checked, mut nodes) = (0, 0);
    for case in cases() {
        let out = run(&case.args, &case.stdin);
        if out.status != 0 || !case.renders {
            continue;
        }
        go_readback::assert_same_meaning(&tool, &case.name, &case.stdin, &out.stdout);
        nodes += go_readback::assert_hashed_input_is_what_go_reads(&tool, &case.name, &out.stdout);
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} cases read back");
    assert!(nodes >= 50, "only {nodes} hashed inputs compared");
}

#[test]
fn several_files_are_one_stream() {
    let a = root().join("examples/rendered/varsamisktest.yaml");
    let args: Vec<String> = vec![
        "render".into(),
        a.to_string_lossy().into_owned(),
        "-".into(),
    ];
    let got = run(
        &args,
        b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x",
    );
    assert_eq!(got.status, 0, "{}", String::from_utf8_lossy(&got.stderr));
    let text = String::from_utf8(got.stdout).unwrap();
    assert!(
        text.ends_with("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: x"),
        "{text}"
    );
    assert!(text.contains("name: varsamisktest-deployment-revisions"));
}

#[test]
fn no_subcommand_renders_stdin_like_render() {
    let input = std::fs::read(root().join("examples/rendered/varsamisktest.yaml")).unwrap();
    let plain = run(&[], &input);
    let render = run(&["render".into()], &input);
    assert_eq!(plain.status, 0);
    assert_eq!(plain.stdout, render.stdout);
    let with_opts = run(&["--mode".into(), "provisioning".into()], &input);
    let render_opts = run(&["render".into(), "--mode=provisioning".into()], &input);
    assert_eq!(with_opts.stdout, render_opts.stdout);
    assert_ne!(with_opts.stdout, plain.stdout);
}

#[test]
fn missing_file_is_an_error_with_nothing_on_stdout() {
    let got = run(&["render".into(), "no/such/file.yaml".into()], b"");
    assert_eq!(got.status, 2);
    assert!(got.stdout.is_empty());
    let err = String::from_utf8_lossy(&got.stderr);
    assert!(
        err.starts_with("express-waves: error: cannot open no/such/file.yaml: "),
        "{err}"
    );
}

#[test]
fn thousands_of_documents_in_one_stream() {
    let tenant =
        std::fs::read_to_string(root().join("examples/rendered/initech-12-frontends.yaml"))
            .unwrap();
    let mut input = String::new();
    for i in 0..300 {
        input.push_str(&tenant.replace("initech", &format!("initech{i}")));
    }
    assert!(input.matches("\n---\n").count() >= 4_500);
    let got = run(&["render".into()], input.as_bytes());
    assert_eq!(got.status, 0, "{}", String::from_utf8_lossy(&got.stderr));
    let text = String::from_utf8(got.stdout).unwrap();
    assert_eq!(text.matches("-deployment-revisions\n").count(), 300);
    let again = run(&["render".into()], text.as_bytes());
    assert!(
        again.stdout == text.as_bytes(),
        "large stream not idempotent"
    );
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let got = run(&["completions".into(), shell.into()], b"");
        assert_eq!(got.status, 0, "{shell}");
        let text = String::from_utf8(got.stdout).unwrap();
        for word in ["express-waves", "render", "verify"] {
            assert!(text.contains(word), "{shell}: no `{word}`");
        }
    }
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for cmd in [
        "render",
        "plan",
        "diff",
        "verify",
        "revision",
        "inspect",
        "status",
        "completions",
    ] {
        let got = run(&[cmd.into(), "--help".into()], b"");
        assert_eq!(got.status, 0, "{cmd}");
        let text = String::from_utf8(got.stdout).unwrap();
        assert!(
            text.contains("Example: "),
            "{cmd} --help has no example:\n{text}"
        );
    }
    let got = run(&["--version".into()], b"");
    assert_eq!(
        String::from_utf8(got.stdout).unwrap(),
        format!("express-waves {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn closed_stdout_is_not_an_error() {
    // Like `express-waves render big.yaml | head -1`: the reader goes away.
    let tenant =
        std::fs::read_to_string(root().join("examples/rendered/initech-12-frontends.yaml"))
            .unwrap();
    let input: String = (0..200)
        .map(|i| tenant.replace("initech", &format!("t{i}")))
        .collect();
    let path = std::env::temp_dir().join(format!("ew-pipe-{}.yaml", std::process::id()));
    std::fs::write(&path, input).unwrap();
    for cmd in [vec!["render"], vec!["plan"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_express-waves"))
            .args(&cmd)
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{cmd:?}: {err}");
        assert!(err.is_empty(), "{cmd:?}: {err}");
    }
    std::fs::remove_file(&path).unwrap();
}

/// Colour on a terminal only, and never with NO_COLOR: run under `script`
/// (util-linux), which gives the command a pseudo-terminal.
#[test]
fn tables_are_coloured_only_on_a_terminal_without_no_color() {
    if !pseudo_terminal() {
        return;
    }
    let cmd = format!(
        "{} plan --live tests/fixtures/live-varsamisktest.yaml tests/fixtures/varsamisktest-frontends-changed.yaml",
        env!("CARGO_BIN_EXE_express-waves")
    );
    let on_tty = |no_color: Option<&str>| {
        let mut c = Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"])
            .current_dir(root())
            .stdin(Stdio::null());
        c.env_remove("NO_COLOR");
        if let Some(v) = no_color {
            c.env("NO_COLOR", v);
        }
        String::from_utf8(c.output().unwrap().stdout).unwrap()
    };
    assert!(
        on_tty(None).contains("\x1b[33mrestart\x1b[0m"),
        "no colour on a terminal"
    );
    assert!(
        !on_tty(Some("1")).contains('\x1b'),
        "colour despite NO_COLOR"
    );
    let piped = run(
        &[
            "plan".into(),
            "--live".into(),
            "tests/fixtures/live-varsamisktest.yaml".into(),
            "tests/fixtures/varsamisktest-frontends-changed.yaml".into(),
        ],
        b"",
    );
    assert!(
        !String::from_utf8(piped.stdout).unwrap().contains('\x1b'),
        "colour into a pipe"
    );
}

/// A closed stdin is not an empty render (Argo CD would prune everything),
/// and a closed stdout does not swallow a render with exit 0. Rust reopens
/// closed standard descriptors on /dev/null read-write before `main`, so
/// this runs through a shell that closes them; the null device opened
/// read-only, write-only or read-write (`<>`, as Python's DEVNULL does) is
/// not closed.
#[test]
fn closed_stdin_or_stdout_is_an_error_but_the_null_device_is_not() {
    let bin = env!("CARGO_BIN_EXE_express-waves");
    let sh = |script: &str| {
        Command::new("sh")
            .args(["-c", script, "sh", bin])
            .current_dir(root())
            .output()
            .unwrap()
    };
    let out = sh(r#"exec "$1" render <&-"#);
    assert!(refused(&out).contains("stdin is closed"));
    for null in ["</dev/null", "<>/dev/null"] {
        let out = sh(&format!(r#"exec "$1" render {null}"#));
        assert!(out.status.success(), "{null}: {out:?}");
    }
    let file = "examples/rendered/varsamisktest.yaml";
    for null in [">/dev/null", "1<>/dev/null"] {
        let out = sh(&format!(r#"exec "$1" render {file} {null}"#));
        assert!(out.status.success(), "{null}: {out:?}");
    }
    for cmd in ["render", "verify"] {
        let out = sh(&format!(r#"exec "$1" {cmd} {file} >&-"#));
        assert_eq!(out.status.code(), Some(2), "{cmd} >&-: {out:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("stdout is closed"));
    }
}

/// Raising `--max-depth` as the error advises never overflows the stack:
/// 9,900 levels render (reading, hashing and writing all recurse), the cap
/// is refused past 10,000, and deeper input is an error, not a SIGABRT.
#[test]
fn deep_nesting_up_to_the_depth_cap_renders_and_deeper_is_an_error() {
    let doc = |levels: usize| {
        format!(
            "apiVersion: express.medallia.com/v2alpha1\nkind: Backend\nmetadata:\n  name: acme-be\n  namespace: t1\nspec:\n  clusterConfig:\n    clusterName: acme\n  expressVersion: v1\n  deep:\n    {}x\n",
            "- ".repeat(levels)
        )
    };
    let out = run_binary(
        &["render", "--max-depth", "10000"],
        &[],
        doc(9_900).as_bytes(),
    );
    assert_success(&out);
    let again = run_binary(&["render", "--max-depth", "10000"], &[], &out.stdout);
    assert_eq!(again.stdout, out.stdout, "idempotent at depth");
    let out = run_binary(
        &["render", "--max-depth", "10000"],
        &[],
        doc(20_000).as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the most express-waves reads"));
    let out = run_binary(&["render", "--max-depth", "20000"], &[], doc(10).as_bytes());
    assert_eq!(out.status.code(), Some(2));
}
