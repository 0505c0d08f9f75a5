//! The Helm 4 post-renderer plugin, run as Helm 4's subprocess runtime runs
//! it (read from its source: `platformCommand` with `${HELM_PLUGIN_DIR}`
//! expanded in command and args, manifests on stdin, stdout kept, stderr
//! kept to itself). Helm 4 needs `postrenderer.helm.sh/postrender-filename`
//! back on every document to split the output into files.

use std::path::{Path, PathBuf};

use express_waves::value::Value;

use crate::{Scratch, assert_says, root};

fn plugin() -> Value {
    crate::yaml_file(Path::new("helm-plugin/express-waves/plugin.yaml"))
}

/// The plugin's directory as Helm installs it under `helm_plugins`:
/// HELM_PLUGIN_DIR is $HELM_PLUGINS/<the installed directory's name>.
fn installed(helm_plugins: &Scratch) -> PathBuf {
    let dir = helm_plugins.dir.join("express-waves");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the plugin's command like Helm 4: returns (status, stdout, stderr).
fn run_plugin(plugin_dir: &Path, stdin: &[u8]) -> (i32, Vec<u8>, Vec<u8>) {
    let p = plugin();
    let Some(Value::Seq(cmds)) = p.at(&["runtimeConfig", "platformCommand"]) else {
        panic!()
    };
    let cmd = &cmds[0];
    let expand = |s: &str| s.replace("${HELM_PLUGIN_DIR}", &plugin_dir.display().to_string());
    let program = expand(cmd.get("command").and_then(Value::as_str).unwrap());
    assert_eq!(
        program, "express-waves",
        "the plugin calls express-waves from PATH"
    );
    let args: Vec<String> = match cmd.get("args") {
        Some(Value::Seq(a)) => a.iter().map(|v| expand(v.as_str().unwrap())).collect(),
        _ => vec![],
    };
    let out = crate::run_binary(
        &args,
        &[
            ("HELM_PLUGIN_NAME", "express-waves".as_ref()),
            ("HELM_PLUGIN_DIR", plugin_dir.as_os_str()),
        ],
        stdin,
    );
    (out.status.code().unwrap_or(-1), out.stdout, out.stderr)
}

#[test]
fn plugin_yaml_is_a_helm4_postrenderer() {
    let p = plugin();
    assert_eq!(p.get("apiVersion").and_then(Value::as_str), Some("v1"));
    assert_eq!(
        p.get("type").and_then(Value::as_str),
        Some("postrenderer/v1")
    );
    assert_eq!(p.get("runtime").and_then(Value::as_str), Some("subprocess"));
    assert_eq!(p.get("name").and_then(Value::as_str), Some("express-waves"));
    assert!(p.get("version").and_then(Value::as_str).is_some());
}

/// `helm plugin install DIR` links DIR under its base name, not the name in
/// plugin.yaml (helm `internal/plugin/installer/local_installer.go`,
/// `LocalInstaller.Path`: `filepath.Base(i.Source)`), and HELM_PLUGIN_DIR
/// is that link (`runtime_subprocess.go`, `runPostrenderer`). The directory
/// is named after the plugin, so the documented error file path holds.
#[test]
fn the_plugin_directory_is_named_after_the_plugin() {
    let dir = root().join("helm-plugin/express-waves");
    assert_eq!(
        dir.file_name().and_then(|n| n.to_str()),
        plugin().get("name").and_then(Value::as_str)
    );
}

#[test]
fn every_document_keeps_or_gets_the_helm4_filename_annotation() {
    let helm_plugins = Scratch::new("helm4", "ok");
    let dir = installed(&helm_plugins);
    let input = std::fs::read(root().join("tests/fixtures/helm4-annotated.yaml")).unwrap();
    let (status, stdout, stderr) = run_plugin(&dir, &input);
    assert_eq!(status, 0, "{}", String::from_utf8_lossy(&stderr));
    let text = String::from_utf8(stdout).unwrap();
    let docs: Vec<&str> = text.split("\n---\n").collect();
    assert_eq!(docs.len(), 5, "4 documents and the revisions ConfigMap");
    for d in &docs {
        assert!(
            d.contains("postrenderer.helm.sh/postrender-filename: express/templates/")
                || d.contains("postrenderer.helm.sh/postrender-filename: 'express/templates/"),
            "{d}"
        );
    }
    assert!(!dir.join("last-error.txt").exists());
}

#[test]
fn a_failure_is_visible_in_the_error_file_and_stdout_stays_empty() {
    let helm_plugins = Scratch::new("helm4", "err");
    let dir = installed(&helm_plugins);
    let input = b"apiVersion: express.medallia.com/v2alpha1\nkind: Frontend\nmetadata:\n  name: acme-fe1\nspec: {}\n";
    let (status, stdout, stderr) = run_plugin(&dir, input);
    assert_eq!(status, 2);
    assert!(stdout.is_empty());
    let file = std::fs::read_to_string(dir.join("last-error.txt")).unwrap();
    assert_eq!(file.as_bytes(), stderr.as_slice());
    assert_says(&file, &["spec.clusterConfig.clusterName is missing"]);
    // The next successful run removes the stale message.
    let good = std::fs::read(root().join("tests/fixtures/helm4-annotated.yaml")).unwrap();
    assert_eq!(run_plugin(&dir, &good).0, 0);
    assert!(!dir.join("last-error.txt").exists());
}
