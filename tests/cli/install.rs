//! The installation files agree with each other and with the binary: the
//! Dockerfile, the repo-server sidecar patch, the plugin configs, the Argo CD
//! health patch and the example Application. (No Docker engine or cluster
//! runs here; these checks are what can be proven by reading.)

use std::path::Path;

use express_waves::value::Value;

use crate::{assert_says, assert_success, root, run_binary};

fn yaml(rel: &str) -> Value {
    crate::yaml_file(Path::new(rel))
}

fn dockerfile_final_stage() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let last_from = text.rfind("\nFROM ").unwrap();
    text[last_from..].lines().map(str::to_string).collect()
}

const CMP_SERVER: &str = "/var/run/argocd/argocd-cmp-server";

#[test]
fn dockerfile_runs_the_cmp_server_as_999_with_plugin_yaml_in_place() {
    let stage = dockerfile_final_stage();
    let has = |l: &str| stage.iter().any(|s| s.trim() == l);
    assert!(
        has("COPY plugin.yaml /home/argocd/cmp-server/config/plugin.yaml"),
        "{stage:?}"
    );
    assert!(has("USER 999"));
    assert!(has(&format!("ENTRYPOINT [\"{CMP_SERVER}\"]")));
    assert!(
        stage
            .iter()
            .any(|l| l.contains("/usr/local/bin/express-waves"))
    );
    assert!(stage.iter().any(|l| l.contains("/usr/local/bin/helm")));
    // plugin.yaml calls the binary by the name the image installs it under.
    let plugin = yaml("plugin.yaml");
    assert_eq!(
        plugin
            .at(&["spec", "generate", "command"])
            .and_then(|c| match c {
                Value::Seq(v) => v.first().and_then(Value::as_str),
                _ => None,
            }),
        Some("express-waves")
    );
}

#[test]
fn sidecar_patch_matches_the_image() {
    let patch = yaml("examples/argocd/repo-server-sidecar.yaml");
    assert_eq!(
        patch.at(&["metadata", "name"]).and_then(Value::as_str),
        Some("argocd-repo-server")
    );
    let Some(Value::Seq(containers)) = patch.at(&["spec", "template", "spec", "containers"]) else {
        panic!()
    };
    let c = &containers[0];
    assert!(
        c.get("image")
            .and_then(Value::as_str)
            .unwrap()
            .contains("express-waves")
    );
    assert_eq!(
        c.get("command"),
        Some(&Value::Seq(vec![Value::Str(CMP_SERVER.into())]))
    );
    assert_eq!(
        c.at(&["securityContext", "runAsUser"]),
        Some(&Value::Int(999))
    );
    let Some(Value::Seq(mounts)) = c.get("volumeMounts") else {
        panic!()
    };
    let paths: Vec<&str> = mounts
        .iter()
        .filter_map(|m| m.get("mountPath").and_then(Value::as_str))
        .collect();
    for p in ["/var/run/argocd", "/home/argocd/cmp-server/plugins", "/tmp"] {
        assert!(paths.contains(&p), "{p} not mounted: {paths:?}");
    }
}

#[test]
fn application_uses_the_plugin_with_announced_parameters() {
    let app = yaml("examples/argocd/application.yaml");
    let plugin = yaml("plugin.yaml");
    assert_eq!(
        app.at(&["spec", "source", "plugin", "name"]),
        plugin.at(&["metadata", "name"])
    );
    let Some(Value::Seq(params)) = app.at(&["spec", "source", "plugin", "parameters"]) else {
        panic!()
    };
    let announced: Vec<&str> = std::iter::once(express_waves::cmp::DYNAMIC.0)
        .chain(express_waves::cmp::STATIC.iter().map(|a| a.0))
        .collect();
    for p in params {
        let name = p.get("name").and_then(Value::as_str).unwrap();
        assert!(
            announced.contains(&name),
            "{name} is not a parameter of the plugin"
        );
    }
}

#[test]
fn argocd_cm_patch_is_what_the_binary_prints() {
    is_what_the_binary_prints(
        "examples/argocd/argocd-cm-health.yaml",
        &["argocd", "config"],
    );
}

/// The checked-in file `path` is exactly what `express-waves ARGS` prints.
fn is_what_the_binary_prints(path: &str, args: &[&str]) {
    let out = run_binary(args, &[], b"");
    assert_success(&out);
    assert!(
        std::fs::read(root().join(path)).unwrap() == out.stdout,
        "{path} is stale: express-waves {} > it",
        args.join(" ")
    );
}

#[test]
fn helm_plugin_version_is_the_crate_version() {
    let p = yaml("helm-plugin/express-waves/plugin.yaml");
    assert_eq!(
        p.get("version").and_then(Value::as_str),
        Some(env!("CARGO_PKG_VERSION"))
    );
}

/// The Helm chart values install the same health checks and the same
/// sidecar as the kustomize patches (argo-helm `charts/argo-cd`:
/// `configs.cm` entries land in argocd-cm; `repoServer.extraContainers`
/// and `repoServer.volumes` are added to the repo-server pod).
#[test]
fn argo_cd_helm_values_match_the_patches() {
    let values = yaml("examples/argocd/argo-cd-values.yaml");
    let cm = yaml("examples/argocd/argocd-cm-health.yaml");
    assert_eq!(values.at(&["configs", "cm"]), cm.get("data"));
    let patch = yaml("examples/argocd/repo-server-sidecar.yaml");
    assert_eq!(
        values.at(&["repoServer", "extraContainers"]),
        patch.at(&["spec", "template", "spec", "containers"])
    );
    assert_eq!(
        values.at(&["repoServer", "volumes"]),
        patch.at(&["spec", "template", "spec", "volumes"])
    );
    // The chart renders extraContainers through `tpl`.
    let text = std::fs::read_to_string(root().join("examples/argocd/argo-cd-values.yaml")).unwrap();
    assert!(!text.contains("{{"), "tpl would evaluate it");
}

/// The kustomize entry is a Component: it patches an Argo CD the user
/// already manages with kustomize instead of installing one.
#[test]
fn kustomize_component_patches_without_installing_argo_cd() {
    let k = yaml("examples/argocd/kustomization.yaml");
    assert_eq!(k.get("kind").and_then(Value::as_str), Some("Component"));
    // Its one resource is the Gate's CRD, what `argocd crd` prints.
    let Some(Value::Seq(resources)) = k.get("resources") else {
        panic!("no resources")
    };
    assert_eq!(resources, &[Value::Str("gate-crd.yaml".into())]);
    is_what_the_binary_prints("examples/argocd/gate-crd.yaml", &["argocd", "crd"]);
    let crd = yaml("examples/argocd/gate-crd.yaml");
    assert_eq!(
        crd.at(&["metadata", "name"]).and_then(Value::as_str),
        Some(express_waves::gate::RESOURCE)
    );
    assert_eq!(
        crd.at(&["spec", "group"]).and_then(Value::as_str),
        Some(express_waves::gate::GROUP)
    );
    assert_eq!(
        crd.at(&["spec", "names", "kind"]).and_then(Value::as_str),
        Some(express_waves::gate::KIND)
    );
    let Some(Value::Seq(patches)) = k.get("patches") else {
        panic!()
    };
    for p in patches {
        let path = p.get("path").and_then(Value::as_str).unwrap();
        assert!(
            root().join("examples/argocd").join(path).is_file(),
            "{path}"
        );
    }
}

/// The example ApplicationSet generates, for each tenant, the example
/// Application: its template is application.yaml's spec with the tenant's
/// directory and namespace templated (as the git files generator fills them
/// in: `.path.path`, and `namespace` from the tenant's values.yaml).
#[test]
fn applicationset_template_is_the_example_application_for_each_tenant() {
    let app = yaml("examples/argocd/application.yaml");
    let set = yaml("examples/argocd/applicationset.yaml");
    let mut spec = set
        .at(&["spec", "template", "spec"])
        .expect("a template spec")
        .clone();
    let fill = |v: &mut Value, key: &str, with: &Value| {
        let slot = v.get_mut(key).expect("templated field");
        assert!(matches!(slot, Value::Str(s) if s.contains("{{")), "{key}");
        *slot = with.clone();
    };
    fill(
        spec.map_entry("source").unwrap(),
        "path",
        app.at(&["spec", "source", "path"]).unwrap(),
    );
    fill(
        spec.map_entry("destination").unwrap(),
        "namespace",
        app.at(&["spec", "destination", "namespace"]).unwrap(),
    );
    // The release: the tenant's directory, as `fleet plan` names it.
    let release = |spec: &Value| match spec.at(&["source", "plugin", "parameters"]) {
        Some(Value::Seq(ps)) => ps
            .iter()
            .position(|p| p.get("name").and_then(Value::as_str) == Some("release-name"))
            .expect("a release-name parameter"),
        other => panic!("{other:?}"),
    };
    let at = release(&spec);
    let wanted = app.get("spec").map(|s| {
        let i = release(s);
        s.at(&["source", "plugin", "parameters"])
            .and_then(|p| match p {
                Value::Seq(ps) => ps[i].get("string").cloned(),
                _ => None,
            })
    });
    let params = spec
        .map_entry("source")
        .and_then(|s| s.map_entry("plugin"))
        .and_then(|p| p.get_mut("parameters"))
        .unwrap();
    let Value::Seq(ps) = params else { panic!() };
    fill(&mut ps[at], "string", &wanted.flatten().unwrap());
    assert_eq!(Some(&spec), app.get("spec"));
    let generator = set.at(&["spec", "generators"]).unwrap();
    let files = format!("{generator:?}");
    assert_says(&files, &["overlays/*/*/values.yaml"]);
}
