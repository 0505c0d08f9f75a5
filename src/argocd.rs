//! `argocd`: what Argo CD needs installed for the waves to wait: the Lua
//! health checks (of the Express kinds, and of express-waves' approval
//! [`Gate`](crate::gate)), alone or as an `argocd-cm` patch; the Gate's
//! CustomResourceDefinition.

use crate::emit;
use crate::gate;
use crate::health;
use crate::model::ExpressKind;
use crate::value::Value;

const KINDS: [ExpressKind; 3] = [
    ExpressKind::Backend,
    ExpressKind::Frontend,
    ExpressKind::Cluster,
];

/// The `argocd-cm` key of the health check of `kind` in `group`.
pub fn health_key(group: &str, kind: ExpressKind) -> String {
    format!("resource.customizations.health.{group}_{}", kind.name())
}

/// The `argocd-cm` key of the Gate's health check.
pub fn gate_health_key() -> String {
    format!(
        "resource.customizations.health.{}_{}",
        gate::GROUP,
        gate::KIND
    )
}

/// Every health check: (`argocd-cm` key, Lua), the Express kinds' then the
/// Gate's.
pub fn health_checks(group: &str) -> Vec<(String, &'static str)> {
    KINDS
        .iter()
        .map(|&k| (health_key(group, k), health::lua(k)))
        .chain([(gate_health_key(), gate::LUA)])
        .collect()
}

/// What `argocd health --kind` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checked {
    Express(ExpressKind),
    Gate,
}

/// The Lua of one kind, or of all with a comment naming each key.
pub fn health_lua(group: &str, kind: Option<Checked>) -> String {
    match kind {
        Some(Checked::Express(k)) => health::lua(k).to_string(),
        Some(Checked::Gate) => gate::LUA.to_string(),
        None => health_checks(group)
            .iter()
            .map(|(key, lua)| format!("-- {key}\n{lua}"))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// An `argocd-cm` ConfigMap holding only the health checks, for
/// `kubectl patch configmap argocd-cm -n argocd --type merge --patch-file`
/// or a kustomize strategic-merge patch.
pub fn config(group: &str, namespace: &str) -> String {
    let data = health_checks(group)
        .into_iter()
        .map(|(key, lua)| (key, Value::Str(lua.to_string())))
        .collect();
    let doc = Value::Map(vec![
        ("apiVersion".into(), Value::Str("v1".into())),
        ("kind".into(), Value::Str("ConfigMap".into())),
        (
            "metadata".into(),
            Value::Map(vec![
                ("name".into(), Value::Str("argocd-cm".into())),
                ("namespace".into(), Value::Str(namespace.into())),
                (
                    "labels".into(),
                    Value::Map(vec![
                        (
                            "app.kubernetes.io/name".into(),
                            Value::Str("argocd-cm".into()),
                        ),
                        (
                            "app.kubernetes.io/part-of".into(),
                            Value::Str("argocd".into()),
                        ),
                    ]),
                ),
            ]),
        ),
        ("data".into(), Value::Map(data)),
    ]);
    let mut out = String::new();
    emit::document(&doc, &mut out);
    out
}
