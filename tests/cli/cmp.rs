//! The CMP sidecar, played as Argo CD's CMP server would: `plugin.yaml` is
//! read, its `generate` command is run exactly as written (argv, PATH
//! lookup) in the application's directory with the environment Argo CD sets.
//! A fake `helm` on PATH records its argv and prints a fixture (or fails);
//! the real-Helm case uses a `helm` stand-in that calls real Helm's engine
//! (helm-python-sdk), since no helm binary can be had here.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use express_waves::value::Value;

use crate::{assert_says, assert_success, refused, root};

fn argv(plugin: &Value, path: &[&str]) -> Vec<String> {
    match plugin.at(path) {
        Some(Value::Seq(items)) => items
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect(),
        other => panic!("{path:?}: {other:?}"),
    }
}

/// A scratch directory with `express-waves` and a fake `helm` on a PATH.
struct Sandbox {
    dir: PathBuf,
    bin: PathBuf,
    app: PathBuf,
}

impl Sandbox {
    fn new(name: &str) -> Sandbox {
        let dir = std::env::temp_dir().join(format!("ew-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let bin = dir.join("bin");
        let app = dir.join("app");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&app).unwrap();
        std::os::unix::fs::symlink(
            env!("CARGO_BIN_EXE_express-waves"),
            bin.join("express-waves"),
        )
        .unwrap();
        Sandbox { dir, bin, app }
    }

    /// A fake helm: records argv (one per line) and prints `fixture`, or
    /// fails with a message when `fixture` is `None`.
    fn fake_helm(&self, fixture: Option<&Path>) {
        let record = self.dir.join("helm-argv");
        let body = match fixture {
            Some(f) => format!("cat '{}'", f.display()),
            None => {
                "echo 'Error: template: express/templates/nodes.yaml:3: boom' >&2; exit 1".into()
            }
        };
        let script = format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{}'\n{body}\n",
            record.display()
        );
        let helm = self.bin.join("helm");
        crate::executable(&helm, script);
    }

    fn helm_argv(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("helm-argv"))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Runs a plugin.yaml command the way argocd-cmp-server does.
    fn run(
        &self,
        command: &[String],
        cwd: &Path,
        params: &str,
        extra_env: &[(&str, &str)],
    ) -> std::process::Output {
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new(&command[0]);
        cmd.args(&command[1..])
            .current_dir(cwd)
            .env_clear()
            .env("PATH", path)
            .env("ARGOCD_APP_NAME", "acme")
            .env("ARGOCD_APP_NAMESPACE", "tenant-200001-prod")
            .env("ARGOCD_APP_REVISION", "0123abcd")
            .env("ARGOCD_APP_SOURCE_PATH", "app")
            .env("KUBE_VERSION", "1.29.3")
            .env(
                "KUBE_API_VERSIONS",
                "v1,apps/v1,express.medallia.com/v2alpha1",
            )
            .env("ARGOCD_ENV_FOO", "bar")
            .env("ARGOCD_APP_PARAMETERS", params)
            .stdin(Stdio::null());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        // Argo CD also sets PARAM_<NAME> for each parameter; express-waves
        // reads the JSON, and these must not confuse it.
        cmd.env("PARAM_RELEASE_NAME", "ignored-by-design");
        cmd.output().expect("plugin command runs")
    }
}

/// The fixture the fake helm prints: a real render of the example chart.
fn fixture() -> PathBuf {
    root().join("examples/rendered/acme-backend-down.yaml")
}

impl Sandbox {
    /// A Chart.yaml in the application directory, with `extra` lines.
    fn chart(&self, extra: &str) {
        std::fs::write(
            self.app.join("Chart.yaml"),
            format!("apiVersion: v2\nname: express\nversion: 0.1.0\n{extra}"),
        )
        .unwrap();
    }

    /// Runs plugin.yaml's `generate` command in the application directory.
    fn generate(&self, params: &str) -> std::process::Output {
        self.run(
            &argv(&plugin(), &["spec", "generate", "command"]),
            &self.app,
            params,
            &[],
        )
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn plugin() -> Value {
    crate::yaml_file(Path::new("plugin.yaml"))
}

fn render_of(fixture: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_express-waves"))
        .arg("render")
        .args(args)
        .arg(fixture)
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout
}

#[test]
fn plugin_yaml_is_a_cmp_v2_config_naming_our_commands() {
    let p = plugin();
    assert_eq!(
        p.get("apiVersion").and_then(Value::as_str),
        Some("argoproj.io/v1alpha1")
    );
    assert_eq!(
        p.get("kind").and_then(Value::as_str),
        Some("ConfigManagementPlugin")
    );
    assert_eq!(
        p.at(&["metadata", "name"]).and_then(Value::as_str),
        Some("express-waves")
    );
    assert_eq!(
        argv(&p, &["spec", "generate", "command"]),
        ["express-waves", "cmp", "generate"]
    );
    // No `discover`: Argo CD runs every sidecar's discovery, before Helm and
    // Kustomize, on each Application without an explicit source type
    // (argo-cd util/app/discovery/discovery.go, `Discover`), and uses a
    // plugin without one only when the Application names it
    // (`cmpSupports`: `!cfg.IsDiscoveryConfigured` → supported iff named).
    assert!(
        p.at(&["spec", "discover"]).is_none(),
        "plugin.yaml has discover"
    );
    // Without spec.version the socket, so the name Applications use, is
    // `<metadata.name>` (cmpserver/plugin/config.go, `Address`).
    assert!(p.at(&["spec", "version"]).is_none());
    let Some(Value::Seq(stat)) = p.at(&["spec", "parameters", "static"]) else {
        panic!()
    };
    let names: Vec<&str> = stat
        .iter()
        .map(|s| s.get("name").and_then(Value::as_str).unwrap())
        .collect();
    let announced: Vec<&str> = express_waves::cmp::STATIC.iter().map(|a| a.0).collect();
    assert_eq!(names, announced, "plugin.yaml and cmp::STATIC disagree");
    assert!(!names.contains(&express_waves::cmp::DYNAMIC.0));
    for s in stat {
        assert!(
            s.get("title").is_some() && s.get("tooltip").is_some(),
            "{s:?}"
        );
    }
}

#[test]
fn generate_runs_helm_with_argo_cds_settings_and_renders() {
    let sb = Sandbox::new("cmp-generate");
    let fixture = fixture();
    sb.fake_helm(Some(&fixture));
    sb.chart("");
    std::fs::write(sb.app.join("values-prod.yaml"), "a: 1\n").unwrap();
    let params = r#"[{"name":"values-files","array":["values-prod.yaml"]},{"name":"mode","string":"provisioning"},{"name":"wave-start","string":"3"}]"#;
    let out = sb.generate(params);
    assert_success(&out);
    assert_eq!(
        out.stdout,
        render_of(&fixture, &["--mode=provisioning", "--wave-start=3"])
    );
    let values = sb.app.canonicalize().unwrap().join("values-prod.yaml");
    assert_eq!(
        sb.helm_argv(),
        [
            "template".to_string(),
            "acme".into(),
            ".".into(),
            "--include-crds".into(),
            "--namespace=tenant-200001-prod".into(),
            "--kube-version=1.29.3".into(),
            "--api-versions=v1".into(),
            "--api-versions=apps/v1".into(),
            "--api-versions=express.medallia.com/v2alpha1".into(),
            format!("--values={}", values.display()),
        ]
    );
}

#[test]
fn hostile_parameters_are_data_never_commands() {
    let sb = Sandbox::new("cmp-hostile");
    let fixture = fixture();
    sb.fake_helm(Some(&fixture));
    sb.chart("");
    let generate = argv(&plugin(), &["spec", "generate", "command"]);
    let marker = sb.dir.join("pwned");
    for params in [
        format!(
            r#"[{{"name":"release-name","string":"x; touch {}"}}]"#,
            marker.display()
        ),
        format!(
            r#"[{{"name":"release-name","string":"$(touch {})"}}]"#,
            marker.display()
        ),
        r#"[{"name":"release-name","string":"--post-renderer=/bin/sh"}]"#.to_string(),
        r#"[{"name":"values-files","array":["../../etc/passwd"]}]"#.to_string(),
        r#"[{"name":"values-files","array":["/etc/passwd"]}]"#.to_string(),
        format!(
            r#"[{{"name":"values-files","array":["$(touch {})"]}}]"#,
            marker.display()
        ),
        r#"[{"name":"mode","string":"upgrade; id"}]"#.to_string(),
    ] {
        let _ = std::fs::remove_file(sb.dir.join("helm-argv"));
        let out = sb.run(&generate, &sb.app, &params, &[]);
        assert_eq!(out.status.code(), Some(2), "{params}");
        assert!(out.stdout.is_empty(), "{params}: stdout not empty");
        assert!(!marker.exists(), "{params}: a command ran");
        assert!(!sb.dir.join("helm-argv").exists(), "{params}: helm ran");
    }
    // A namespace with shell characters is one argv element, passed as is.
    let out = sb.run(
        &generate,
        &sb.app,
        "",
        &[("ARGOCD_APP_NAMESPACE", "ns;$(id)")],
    );
    assert!(out.status.success());
    assert!(sb.helm_argv().contains(&"--namespace=ns;$(id)".to_string()));
}

#[test]
fn helm_failing_or_empty_or_no_express_node_is_an_error_with_empty_stdout() {
    let sb = Sandbox::new("cmp-fail");
    sb.chart("");
    let generate = argv(&plugin(), &["spec", "generate", "command"]);

    sb.fake_helm(None);
    let out = sb.run(&generate, &sb.app, "", &[]);
    let err = refused(&out);
    assert!(
        err.contains("Error: template: express/templates/nodes.yaml:3: boom"),
        "helm's stderr passed on: {err}"
    );
    assert_says(&err, &["express-waves: error: helm template failed"]);

    let empty = sb.dir.join("empty.yaml");
    std::fs::write(&empty, "\n").unwrap();
    sb.fake_helm(Some(&empty));
    let out = sb.run(&generate, &sb.app, "", &[]);
    assert!(refused(&out).contains("printed nothing"));

    let plain = sb.dir.join("plain.yaml");
    std::fs::write(
        &plain,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    )
    .unwrap();
    sb.fake_helm(Some(&plain));
    let out = sb.run(&generate, &sb.app, "", &[]);
    assert!(refused(&out).contains("holds no express.medallia.com Backend or Frontend"));
}

#[test]
fn directory_of_manifests_is_read_in_name_order() {
    let sb = Sandbox::new("cmp-dir");
    let text =
        std::fs::read_to_string(root().join("examples/rendered/globex-provisioning.yaml")).unwrap();
    let (head, tail) = text.split_at(text.len() / 2);
    let cut = head.rfind("\n---\n").unwrap() + 1;
    let (a, b) = (&text[..cut], format!("{}{tail}", &head[cut..]));
    std::fs::write(sb.app.join("b.yaml"), &b).unwrap();
    std::fs::write(sb.app.join("a.yml"), a).unwrap();
    std::fs::write(sb.app.join("notes.txt"), "ignored").unwrap();
    let out = sb.generate("");
    assert_success(&out);
    assert_eq!(
        out.stdout,
        render_of(
            &root().join("examples/rendered/globex-provisioning.yaml"),
            &[]
        )
    );
}

#[test]
fn parameters_announce_values_files_found() {
    let sb = Sandbox::new("cmp-params");
    std::fs::write(sb.app.join("values-prod.yaml"), "").unwrap();
    std::fs::write(sb.app.join("values.yaml"), "").unwrap();
    let dynamic = argv(&plugin(), &["spec", "parameters", "dynamic", "command"]);
    let out = sb.run(&dynamic, &sb.app, "", &[]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Argo CD concatenates dynamic and static announcements as they are
    // (cmpserver/plugin/plugin.go, `getParametersAnnouncement`): the dynamic
    // one holds only what is not static.
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["name"], "values-files");
    assert_eq!(
        v[0]["array"],
        serde_json::json!(["values-prod.yaml", "values.yaml"])
    );
}

/// The real thing: `cmp generate` on the example chart, with a `helm`
/// stand-in that renders with real Helm's engine (helm-python-sdk).
#[test]
fn generate_with_real_helm_engine() {
    let Some(python) = crate::oracle("EXPRESS_WAVES_PYTHON", "real-Helm CMP check") else {
        return;
    };
    let sb = Sandbox::new("cmp-real");
    crate::helm_stand_in(&sb.bin.join("helm"), &python);
    // The chart as an Argo CD source directory, with a tenant's values in it.
    let src = root().join("examples/chart");
    copy_dir(&src, &sb.app);
    std::fs::copy(
        root().join("examples/tenants/acme-backend-down.yaml"),
        sb.app.join("values-acme.yaml"),
    )
    .unwrap();
    let params = r#"[{"name":"values-files","array":["values-acme.yaml"]},{"name":"release-name","string":"express"}]"#;
    let out = sb.generate(params);
    assert_success(&out);
    assert_eq!(out.stdout, render_of(&fixture(), &[]));
}

/// The seeds' layout: values in `overlays/<dc>/<tenant>/`, the chart in
/// `master_charts/express`, one repository; the Application's path is the
/// overlay. Files anywhere in the repository are accepted, nothing outside.
#[test]
fn values_and_chart_elsewhere_in_the_repository_are_used_and_nothing_outside_it() {
    let sb = Sandbox::new("cmp-overlay");
    let fixture = fixture();
    sb.fake_helm(Some(&fixture));
    let repo = sb.dir.join("repo");
    let overlay = repo.join("overlays/den/acme");
    std::fs::create_dir_all(&overlay).unwrap();
    std::fs::create_dir_all(repo.join("master_charts/express")).unwrap();
    std::fs::write(
        repo.join("master_charts/express/Chart.yaml"),
        "apiVersion: v2\nname: express\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(overlay.join("values.yaml"), "a: 1\n").unwrap();
    std::fs::write(repo.join("overlays/den/common.yaml"), "b: 1\n").unwrap();
    std::fs::write(sb.dir.join("outside.yaml"), "c: 1\n").unwrap();
    let generate = argv(&plugin(), &["spec", "generate", "command"]);
    let env = [
        ("ARGOCD_APP_SOURCE_PATH", "overlays/den/acme"),
        // An Application outside Argo CD's namespace: `<namespace>_<name>`.
        ("ARGOCD_APP_NAME", "tenants_acme"),
    ];
    let params = r#"[{"name":"chart","string":"../../../master_charts/express"},{"name":"values-files","array":["../common.yaml","values.yaml"]}]"#;
    let out = sb.run(&generate, &overlay, params, &env);
    assert_success(&out);
    assert_eq!(out.stdout, render_of(&fixture, &[]));
    let canon = |p: &Path| p.canonicalize().unwrap().display().to_string();
    let argv = sb.helm_argv();
    assert_eq!(
        argv[..4],
        [
            "template",
            "acme",
            &canon(&repo.join("master_charts/express")),
            "--include-crds"
        ]
    );
    assert_eq!(
        argv[argv.len() - 2..],
        [
            format!("--values={}", canon(&repo.join("overlays/den/common.yaml"))),
            format!("--values={}", canon(&overlay.join("values.yaml"))),
        ]
    );
    for (params, want) in [
        (
            r#"[{"name":"chart","string":"../../../master_charts/express"},{"name":"values-files","array":["../../../../outside.yaml"]}]"#,
            "values file `../../../../outside.yaml` refused: it resolves outside the repository",
        ),
        (
            r#"[{"name":"chart","string":"../../../.."}]"#,
            "chart `../../../..` refused: it resolves outside the repository",
        ),
        (
            r#"[{"name":"chart","string":"../../../overlays"}]"#,
            "chart `../../../overlays` has no Chart.yaml",
        ),
    ] {
        let out = sb.run(&generate, &overlay, params, &env);
        let err = refused(&out);
        assert!(err.contains(want), "{params}: {err}");
    }
}

/// A chart whose dependencies are not vendored: helm template fails with
/// helm's missing-dependency message, so `helm dependency build` runs and
/// the template is tried once more (argo-cd `helmTemplate`,
/// `IsMissingDependencyErr`). When the build fails, its message is shown.
#[test]
fn unvendored_chart_dependencies_are_built_as_argo_cd_does() {
    let sb = Sandbox::new("cmp-deps");
    let fixture = fixture();
    sb.chart("dependencies:\n  - name: common\n    version: 1.0.0\n    repository: https://charts.example\n");
    let log = sb.dir.join("helm-calls");
    let helm = |build_ok: bool| {
        let build = if build_ok {
            "mkdir -p \"$3/charts/common\""
        } else {
            "echo 'Error: no cached repository for helm-manager found' >&2; exit 1"
        };
        let script = format!(
            "#!/bin/sh\necho \"$*\" >> '{log}'\nif [ \"$1\" = dependency ]; then {build}; exit 0; fi\n\
             if [ ! -d charts/common ]; then echo 'Error: found in Chart.yaml, but missing in charts/ directory: common' >&2; exit 1; fi\n\
             cat '{fixture}'\n",
            log = log.display(),
            fixture = fixture.display()
        );
        let path = sb.bin.join("helm");
        crate::executable(&path, script);
    };
    helm(false);
    let out = sb.generate("");
    let err = refused(&out);
    assert_says(
        &err,
        &[
            "the chart's dependencies are not in charts/, and helm dependency build failed",
            "no cached repository",
        ],
    );
    std::fs::remove_file(&log).unwrap();
    helm(true);
    let out = sb.generate("");
    assert_success(&out);
    assert_eq!(out.stdout, render_of(&fixture, &[]));
    let calls: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        calls,
        ["template acme", "dependency build", "template acme"]
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A repository laid out as the seeds have it, with a fake helm: returns
/// (sandbox, the overlay directory, the chart directory).
fn overlay_repo(name: &str) -> (Sandbox, PathBuf, PathBuf) {
    let sb = Sandbox::new(name);
    sb.fake_helm(Some(&fixture()));
    let repo = sb.dir.join("repo");
    let overlay = repo.join("overlays/den/acme");
    let chart = repo.join("master_charts/express");
    std::fs::create_dir_all(&overlay).unwrap();
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: express\nversion: 0.1.0\n",
    )
    .unwrap();
    (sb, overlay, chart)
}

const OVERLAY_ENV: [(&str, &str); 1] = [("ARGOCD_APP_SOURCE_PATH", "overlays/den/acme")];
const CHART_ONLY: &str = r#"[{"name":"chart","string":"../../../master_charts/express"}]"#;

/// Argo CD sends no announced default (`getPluginEnvs` sends only what the
/// Application sets): without `values-files`, the directory's
/// `values*.yaml` are used, in name order, as announced.
#[test]
fn values_files_default_to_the_directorys_values_files_as_announced() {
    let (sb, overlay, _) = overlay_repo("cmp-values-default");
    std::fs::write(overlay.join("values.yaml"), "a: 1\n").unwrap();
    std::fs::write(overlay.join("values-den.yaml"), "b: 1\n").unwrap();
    std::fs::write(overlay.join("notes.yaml"), "c: 1\n").unwrap();
    let generate = argv(&plugin(), &["spec", "generate", "command"]);
    for params in [
        CHART_ONLY.to_string(),
        // Cleared in the UI: unset, not "no values files".
        r#"[{"name":"chart","string":"../../../master_charts/express"},{"name":"values-files","array":[""]}]"#.into(),
    ] {
        let out = sb.run(&generate, &overlay, &params, &OVERLAY_ENV);
        assert_success(&out);
        let values: Vec<String> = sb
            .helm_argv()
            .into_iter()
            .filter(|a| a.starts_with("--values="))
            .collect();
        let canon = overlay.canonicalize().unwrap();
        assert_eq!(
            values,
            [
                format!("--values={}", canon.join("values-den.yaml").display()),
                format!("--values={}", canon.join("values.yaml").display()),
            ],
            "{params}"
        );
    }
}

/// helm reads `--values` as a comma-separated list (a CSV record), so a
/// path with a comma would make it read a second file, anywhere.
#[test]
fn a_values_path_helm_would_split_is_refused() {
    let (sb, overlay, _) = overlay_repo("cmp-values-comma");
    let odd = overlay.join("x,").join("etc");
    std::fs::create_dir_all(&odd).unwrap();
    std::fs::write(odd.join("passwd"), "a: 1\n").unwrap();
    let generate = argv(&plugin(), &["spec", "generate", "command"]);
    let params = r#"[{"name":"chart","string":"../../../master_charts/express"},{"name":"values-files","array":["x,/etc/passwd"]}]"#;
    let out = sb.run(&generate, &overlay, params, &OVERLAY_ENV);
    let err = refused(&out);
    assert_says(&err, &["helm would split its path"]);
    assert!(!sb.dir.join("helm-argv").exists(), "helm ran");
}

/// Symbolic links that resolve outside the repository are refused in a
/// directory of manifests and anywhere in the chart (helm follows them).
#[test]
fn symbolic_links_out_of_the_repository_are_refused() {
    let (sb, overlay, chart) = overlay_repo("cmp-links");
    let secret = sb.dir.join("secret.yaml");
    std::fs::write(
        &secret,
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n",
    )
    .unwrap();
    let generate = argv(&plugin(), &["spec", "generate", "command"]);

    std::os::unix::fs::symlink(&secret, chart.join("templates/stolen.yaml")).unwrap();
    let out = sb.run(&generate, &overlay, CHART_ONLY, &OVERLAY_ENV);
    let err = refused(&out);
    assert_says(
        &err,
        &["stolen.yaml refused: a symbolic link that resolves outside the repository"],
    );

    std::fs::copy(fixture(), overlay.join("a.yaml")).unwrap();
    std::os::unix::fs::symlink(&secret, overlay.join("z.yaml")).unwrap();
    let out = sb.run(&generate, &overlay, "", &OVERLAY_ENV);
    let err = refused(&out);
    assert_says(
        &err,
        &["manifest `z.yaml` refused: it resolves outside the repository"],
    );
}

/// An overlay of values with no chart named: an error that says what to
/// set, not the values file read as a manifest.
#[test]
fn values_without_a_chart_ask_for_the_chart_parameter() {
    let (sb, overlay, _) = overlay_repo("cmp-no-chart");
    std::fs::write(overlay.join("values.yaml"), "a: 1\n").unwrap();
    let generate = argv(&plugin(), &["spec", "generate", "command"]);
    let out = sb.run(&generate, &overlay, "", &OVERLAY_ENV);
    let err = refused(&out);
    assert_says(&err, &["values.yaml is here but there is no chart"]);
}

/// The `gate-after` parameter (a list, as Argo CD sends an array) renders
/// the approval gates `--gate-after` renders; a key that is no node key is
/// refused before helm runs.
#[test]
fn gate_after_parameter_renders_the_approval_gates() {
    let sb = Sandbox::new("cmp-gate-after");
    let fixture = fixture();
    sb.fake_helm(Some(&fixture));
    sb.chart("");
    let out = sb.generate(r#"[{"name":"gate-after","array":["fe1","be",""]}]"#);
    assert_success(&out);
    assert_eq!(out.stdout, render_of(&fixture, &["--gate-after=fe1,be"]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.matches("\nkind: Gate\n").count(), 2, "{text}");
    let out = sb.generate(r#"[{"name":"gate-after","array":["fe1; rm -rf /"]}]"#);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_says(
        &err,
        &["ARGOCD_APP_PARAMETERS: gate-after: `fe1; rm -rf /` is not a node key"],
    );
}
