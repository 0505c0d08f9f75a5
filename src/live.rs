//! Live objects: what `kubectl get -o yaml` prints (a `List`, or a stream of
//! objects), read from a file or from kubectl itself; and the one view of a
//! live Express CR ([`LiveNode`]) that every command reads them through.
//!
//! `kubectl` is run with an argument vector, never through a shell; its
//! path is `EXPRESS_WAVES_KUBECTL` or `kubectl` on PATH.

use std::path::{Path, PathBuf};

use crate::error::{DocRef, Error, Result};
use crate::model::{self, ExpressKind};
use crate::stream;
use crate::value::{self, Value};
use crate::yaml::Limits;

/// Reads every object in `bytes`: items of `List` kinds are unpacked.
pub fn parse(source: &str, bytes: &[u8]) -> Result<Vec<Value>> {
    Ok(unpack(documents(source, bytes)?))
}

/// The documents of `bytes` as values, `List`s as they are.
pub fn documents(source: &str, bytes: &[u8]) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for (i, chunk) in stream::split(bytes).into_iter().enumerate() {
        let at = DocRef {
            index: i,
            source: source.into(),
            line: chunk.line,
            kind: None,
            name: None,
        };
        let text = chunk.text().map_err(|m| Error::doc(&at, m))?;
        let v = value::read(text, Limits::default()).map_err(|e| {
            let message = match e.line {
                0 => e.message,
                n => format!("{} (line {})", e.message, chunk.line + n - 1),
            };
            Error::doc(&at, message)
        })?;
        out.extend(v);
    }
    Ok(out)
}

/// Whether `v` is a `List` (`kubectl get -o yaml` of several objects:
/// `kind: List`, or `<Kind>List`).
pub fn is_list(v: &Value) -> bool {
    v.get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k.ends_with("List"))
}

/// `docs` with the items of every `List` in place of the `List`.
pub fn unpack(docs: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::with_capacity(docs.len());
    for v in docs {
        match (is_list(&v), v) {
            (true, Value::Map(mut m)) => {
                if let Some(pos) = m.iter().position(|(k, _)| k == "items")
                    && let (_, Value::Seq(items)) = m.swap_remove(pos)
                {
                    out.extend(items);
                }
            }
            (_, v) => out.push(v),
        }
    }
    out
}

/// Live objects, and the API group their Express CRs belong to.
#[derive(Clone, Debug, Default)]
pub struct Live {
    pub objects: Vec<Value>,
    pub group: String,
    /// The approval gates were asked for (`kubectl get` of them): a gate
    /// not among the objects does not exist. Read from a file, only a file
    /// holding some gates says as much.
    pub gates_asked: bool,
}

impl Live {
    pub fn new(objects: Vec<Value>, group: &str) -> Live {
        Live {
            objects,
            group: group.to_string(),
            gates_asked: false,
        }
    }

    /// The approval gates ([`crate::gate`]).
    pub fn gates(&self) -> impl Iterator<Item = &Value> {
        self.objects.iter().filter(|o| crate::gate::is_gate(o))
    }

    /// The Express CRs (Cluster, Backend, Frontend) of the group.
    pub fn express(&self) -> impl Iterator<Item = LiveNode<'_>> {
        self.objects
            .iter()
            .filter_map(|o| LiveNode::of(o, &self.group))
    }

    /// The nodes (Backend, Frontend) of the group.
    pub fn nodes(&self) -> impl Iterator<Item = LiveNode<'_>> {
        self.express().filter(LiveNode::is_node)
    }

    /// The live node `namespace/name` (a rendered namespace, which may be
    /// empty: [`model::same_namespace`]), if there is one.
    pub fn node(&self, namespace: &str, name: &str) -> Option<LiveNode<'_>> {
        self.nodes()
            .find(|n| model::same_namespace(namespace, &n.namespace) && n.name == name)
    }
}

/// A live Express CR, read once.
#[derive(Clone, Debug)]
pub struct LiveNode<'a> {
    pub obj: &'a Value,
    pub kind: ExpressKind,
    pub namespace: String,
    pub name: String,
    /// `spec.clusterConfig.clusterName` (a Cluster CR without one: its
    /// name).
    pub cluster: String,
    /// The name less `<cluster>-` (the whole name if it does not start so).
    pub key: String,
}

impl<'a> LiveNode<'a> {
    /// Which node it is, for reports.
    pub fn id(&self) -> model::NodeId {
        model::NodeId {
            key: self.key.clone(),
            name: self.name.clone(),
            kind: self.kind,
        }
    }

    /// `obj` as an Express CR of `group` (`apiVersion` `<group>/<version>`),
    /// if it is one.
    pub fn of(obj: &'a Value, group: &str) -> Option<LiveNode<'a>> {
        let api = obj.get("apiVersion").and_then(Value::as_str)?;
        if !model::in_group(api, group) {
            return None;
        }
        let kind = ExpressKind::from_name(obj.get("kind").and_then(Value::as_str)?)?;
        let (namespace, name) = id(obj);
        let cluster = obj
            .at(&["spec", "clusterConfig", "clusterName"])
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map_or_else(|| name.clone(), str::to_string);
        let key = model::node_key(&name, &cluster)
            .unwrap_or(&name)
            .to_string();
        Some(LiveNode {
            obj,
            kind,
            namespace,
            name,
            cluster,
            key,
        })
    }

    pub fn is_node(&self) -> bool {
        self.kind != ExpressKind::Cluster
    }

    /// The revision it should run: the label.
    pub fn label(&self) -> Option<&'a str> {
        model::label(self.obj, model::LABEL_REVISION).ok().flatten()
    }

    /// Whether it is up: not rendered down with the
    /// `express.medallia.com/up: "false"` annotation (render's rule).
    pub fn up(&self) -> bool {
        model::annotation(self.obj, model::ANN_UP).ok().flatten() != Some("false")
    }

    /// Whether its revision label is the chart's own choice
    /// (`express.medallia.com/revision-source: chart`), not a hash.
    pub fn revision_from_chart(&self) -> bool {
        model::annotation(self.obj, model::ANN_REVISION_SOURCE)
            .ok()
            .flatten()
            == Some("chart")
    }

    /// Its `spec.expressVersion`.
    pub fn version(&self) -> Option<&'a str> {
        self.obj
            .at(&["spec", "expressVersion"])
            .and_then(Value::as_str)
    }

    /// The revision it runs: `status.deploymentRevision`.
    pub fn running(&self) -> Option<&'a str> {
        self.obj
            .at(&["status", "deploymentRevision"])
            .and_then(Value::as_str)
    }

    /// Its sync wave.
    pub fn wave(&self) -> Option<i64> {
        model::sync_wave(self.obj)
    }

    /// `namespace/cluster`.
    pub fn qualified_cluster(&self) -> String {
        model::qualified(&self.namespace, &self.cluster)
    }
}

/// Reads live objects from a file (`-`: stdin), under the input limit.
pub fn read_file(path: &Path, stdin: &mut dyn std::io::Read) -> Result<Vec<Value>> {
    let source = crate::input::read_one(path, stdin)?;
    parse(&source.name, &source.bytes)
}

/// Where `kubectl` should look.
#[derive(Clone, Debug, Default)]
pub struct Kubectl {
    pub program: PathBuf,
    pub context: Option<String>,
    /// `None`: all namespaces.
    pub namespace: Option<String>,
}

impl Kubectl {
    /// kubectl as the environment names it (`EXPRESS_WAVES_KUBECTL`, else
    /// `kubectl` on PATH), in this context and namespace.
    pub fn from_env(context: Option<String>, namespace: Option<String>) -> Kubectl {
        Kubectl {
            program: std::env::var_os("EXPRESS_WAVES_KUBECTL")
                .unwrap_or_else(|| "kubectl".into())
                .into(),
            context,
            namespace,
        }
    }

    fn scope(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(c) = &self.context {
            args.push(format!("--context={c}"));
        }
        match &self.namespace {
            Some(n) => args.push(format!("--namespace={n}")),
            None => args.push("--all-namespaces".into()),
        }
        args
    }

    /// The argv (after the program) that fetches Express CRs of `group`.
    pub fn express_args(&self, group: &str) -> Vec<String> {
        let mut args = vec![
            "get".to_string(),
            format!("clusters.{group},backends.{group},frontends.{group}"),
            "--output=yaml".into(),
        ];
        args.extend(self.scope());
        args
    }

    /// The argv that fetches `what` (kubectl's resource arguments, e.g.
    /// `configmap`, `argocd-cm`) as YAML, plus `extra` flags, in this scope.
    pub fn get_args(&self, what: &[&str], extra: &[String]) -> Vec<String> {
        let mut args = vec!["get".to_string()];
        args.extend(what.iter().map(|w| w.to_string()));
        args.extend(extra.iter().cloned());
        args.push("--output=yaml".into());
        args.extend(self.scope());
        args
    }

    /// The approval gates in this scope (only what is a gate: objects of a
    /// kind never asked for are not read as such); none when the API
    /// server does not know the kind: its CRD is not installed, so there
    /// can be no gate (kubectl `pkg/cmd/util/helpers.go`, `checkErr`: a
    /// `meta.NoResourceMatchError` is printed as "the server doesn't have a
    /// resource type …").
    pub fn gates(&self) -> Result<Vec<Value>> {
        let found = self.get_unless(
            &[crate::gate::RESOURCE],
            "the server doesn't have a resource type",
        )?;
        Ok(unpack(found)
            .into_iter()
            .filter(crate::gate::is_gate)
            .collect())
    }

    /// `kubectl get` of `what` as YAML, empty when it does not exist (the
    /// API server's `NotFound`, which kubectl prints as `Error from server
    /// (NotFound)`); any other failure is an error.
    pub fn get_if_found(&self, what: &[&str]) -> Result<Vec<Value>> {
        self.get_unless(what, "(NotFound)")
    }

    /// `kubectl get` of `what` as YAML, empty when it fails saying `absent`
    /// on stderr (what is not there, rather than what went wrong); any
    /// other failure is an error with kubectl's own message.
    fn get_unless(&self, what: &[&str], absent: &str) -> Result<Vec<Value>> {
        let args = self.get_args(what, &[]);
        let what = format!("kubectl {}", args.join(" "));
        match crate::process::run(&self.program, &args, None, None, None)? {
            Ok(stdout) => read_printed(&what, &stdout),
            Err(f) if f.stderr.contains(absent) => Ok(Vec::new()),
            Err(f) => Err(f.into_error(&what)),
        }
    }

    /// The argv that fetches revisions ConfigMaps.
    pub fn configmap_args(&self) -> Vec<String> {
        let mut args = vec![
            "get".to_string(),
            "configmaps".into(),
            format!("--selector={}", crate::model::LABEL_CLUSTER),
            "--output=yaml".into(),
        ];
        args.extend(self.scope());
        args
    }

    /// Runs kubectl with `args` and reads the objects it prints.
    pub fn get(&self, args: &[String]) -> Result<Vec<Value>> {
        let what = format!("kubectl {}", args.join(" "));
        let stdout = crate::process::captured(&self.program, args, None, &what)?;
        read_printed(&what, &stdout)
    }
}

/// The objects `what` (a kubectl command) printed, under the input limit.
fn read_printed(what: &str, stdout: &[u8]) -> Result<Vec<Value>> {
    if stdout.len() > crate::input::DEFAULT_LIMIT {
        return Err(Error::msg(format!(
            "{what} printed {} bytes, over the input limit of {}",
            stdout.len(),
            crate::input::DEFAULT_LIMIT
        )));
    }
    parse("kubectl", stdout)
}

/// `(namespace, name)` of an object.
pub fn id(v: &Value) -> (String, String) {
    let s = |k: &str| {
        v.at(&["metadata", k])
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    (s("namespace"), s("name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_unpacked_and_streams_read() {
        let list = b"apiVersion: v1\nkind: List\nitems:\n- kind: Frontend\n  metadata: {name: a}\n- kind: Backend\n  metadata: {name: b}\n---\nkind: Frontend\nmetadata: {name: c}\n";
        let objs = parse("x", list).unwrap();
        let names: Vec<String> = objs.iter().map(|o| id(o).1).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn kubectl_argv_has_no_shell_and_scopes() {
        let k = Kubectl {
            program: "kubectl".into(),
            context: Some("prod; rm -rf /".into()),
            namespace: Some("t1".into()),
        };
        assert_eq!(
            k.express_args("express.medallia.com"),
            [
                "get",
                "clusters.express.medallia.com,backends.express.medallia.com,frontends.express.medallia.com",
                "--output=yaml",
                "--context=prod; rm -rf /",
                "--namespace=t1"
            ]
        );
    }
}
