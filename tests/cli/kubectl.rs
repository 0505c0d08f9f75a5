//! `--kubectl`: a fake `kubectl` (EXPRESS_WAVES_KUBECTL) records its argv and
//! prints fixtures; hostile context and namespace values stay data.

use std::process::Command;

use crate::{Scratch, assert_says, refused, root};

/// A fake kubectl printing fixtures (or failing as an unauthorised one).
fn fake(name: &str, fail: bool) -> Scratch {
    let scratch = Scratch::new("kubectl", name);
    let fixture = root().join("tests/fixtures/live-rollout-list.yaml");
    let body = if fail {
        "echo 'error: You must be logged in to the server (Unauthorized)' >&2; exit 1".to_string()
    } else {
        format!(
            "case \"$2\" in configmaps) printf 'apiVersion: v1\\nkind: List\\nitems: []\\n' ;; applications.argoproj.io) cat '{}' ;; *) cat '{}' ;; esac",
            root()
                .join("tests/cases/status/status-with-the-application-says-where-a-terminated-sync-stopped/app.yaml")
                .display(),
            fixture.display()
        )
    };
    scratch.fake_kubectl(&body);
    scratch
}

#[test]
fn status_with_kubectl_equals_status_with_the_same_objects_from_a_file() {
    let k = fake("status", false);
    let marker = k.dir.join("pwned");
    let hostile_ns = format!("t1; touch {}", marker.display());
    let ctx = format!("$(touch {})", marker.display());
    let out = k.run_with_fake_kubectl(
        &[
            "status",
            "--kubectl",
            "--context",
            &ctx,
            "--namespace",
            &hostile_ns,
        ],
        &[],
    );
    // The fixture holds a Degraded node: exit 1, from kubectl as from a file.
    crate::assert_exit(&out, 1);
    let from_file = Command::new(env!("CARGO_BIN_EXE_express-waves"))
        .args(["status", "--live", "tests/fixtures/live-rollout-list.yaml"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.stdout, from_file.stdout);
    assert!(!marker.exists(), "a shell ran a parameter");
    let calls = k.calls();
    assert_eq!(
        calls[0],
        [
            "get".to_string(),
            "clusters.express.medallia.com,backends.express.medallia.com,frontends.express.medallia.com".into(),
            "--output=yaml".into(),
            format!("--context={ctx}"),
            format!("--namespace={hostile_ns}"),
        ]
    );
    assert_eq!(
        calls[1][..3],
        [
            "get",
            "configmaps",
            "--selector=express.medallia.com/cluster"
        ]
    );
}

#[test]
fn verify_with_kubectl_all_namespaces_reports_the_rollout() {
    let k = fake("verify", false);
    let out = k.run_with_fake_kubectl(
        &[
            "verify",
            "--kubectl",
            "examples/rendered/varsamisktest.yaml",
        ],
        &[],
    );
    crate::assert_exit(&out, 1);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_says(&text, &["rolling-out  live"]);
    assert!(k.calls()[0].contains(&"--all-namespaces".to_string()));
}

/// Live objects read from another namespace than the render's say nothing
/// about its cluster: every node would look new (a first sync, exit 0).
/// A wrong `--namespace` is refused instead.
#[test]
fn verify_with_kubectl_in_another_namespace_than_the_render_is_refused() {
    let k = fake("wrong-namespace", false);
    let render = "examples/rendered/varsamisktest.yaml";
    let scope = ["--kubectl", "--namespace", "tenant-WRONG"];
    for args in [
        [&["verify"][..], &scope, &[render]].concat(),
        [&["status"][..], &scope, &["--render", render]].concat(),
    ] {
        let err = refused(&k.run_with_fake_kubectl(&args, &[]));
        assert_says(
            &err,
            &["is in namespace tenant-123634-prod, but --namespace tenant-WRONG was read"],
        );
    }
}

#[test]
fn kubectl_failing_is_an_error_with_its_message_and_empty_stdout() {
    let k = fake("fail", true);
    let out = k.run_with_fake_kubectl(&["status", "--kubectl"], &[]);
    let err = refused(&out);
    assert_says(&err, &["Unauthorized", "express-waves: error: kubectl get"]);
}

/// `argocd check --kubectl` reads argocd-cm, the controller and the
/// Applications from Argo CD's namespace (argv only), and checks those that
/// name the plugin or sync Express resources without it (globex, through
/// plain Helm: it breaks the guarantee); an unrelated one is listed as not
/// checked.
#[test]
fn argocd_check_with_kubectl_reads_argo_cds_namespace_and_the_plugins_applications() {
    let k = Scratch::new("kubectl", "check");
    k.fake_kubectl(&format!(
        "case \"$2 $3\" in\n  'configmap argocd-cm') cat '{cm}' ;;\n  'configmap argocd-cmd-params-cm') echo 'Error from server (NotFound): configmaps \"argocd-cmd-params-cm\" not found' >&2; exit 1 ;;\n  applications*) cat '{apps}' ;;\n  *) printf 'apiVersion: v1\\nkind: List\\nitems: []\\n' ;;\nesac",
        cm = root()
            .join("examples/argocd/argocd-cm-health.yaml")
            .display(),
        apps = root()
            .join("tests/fixtures/argocd-applications-list.yaml")
            .display(),
    ));
    let out = k.run_with_fake_kubectl(
        &["argocd", "check", "--kubectl", "--context", "prod;id"],
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_says(
        &stdout,
        &[
            "breaks argocd/globex: no source names the plugin",
            "checked argocd-cm and Application argocd/acme, Application argocd/globex: 1 breaks the guarantee",
            "not checked: 1 Applications/ApplicationSets in namespace argocd that neither name the plugin",
        ],
    );
    let calls: Vec<String> = k.calls().iter().map(|c| c.join(" ")).collect();
    let scope = "--output=yaml --context=prod;id --namespace=argocd";
    assert_eq!(
        calls,
        [
            format!("get configmap argocd-cm {scope}"),
            // Optional: not found is no error.
            format!("get configmap argocd-cmd-params-cm {scope}"),
            format!(
                "get statefulsets.apps,deployments.apps --selector=app.kubernetes.io/name=argocd-application-controller {scope}"
            ),
            format!("get applications.argoproj.io,applicationsets.argoproj.io {scope}"),
        ]
    );
}

/// `status --app NAME` reads the Application from Argo CD's namespace with
/// kubectl (argv only) and says how its last sync ended.
#[test]
fn status_reads_the_application_from_argo_cds_namespace() {
    let k = fake("app", false);
    let out = k.run_with_fake_kubectl(&["status", "--kubectl", "--app", "varsamisktest"], &[]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("APPLICATION argocd/varsamisktest: sync Failed: Operation terminated;"),
        "{stdout}"
    );
    // The sync stopped: exit 1.
    assert_eq!(out.status.code(), Some(1));
    let calls = k.calls();
    assert!(
        calls.contains(&vec![
            "get".to_string(),
            "applications.argoproj.io".into(),
            "varsamisktest".into(),
            "--output=yaml".into(),
            "--namespace=argocd".into(),
        ]),
        "{calls:?}"
    );
}
