//! `argocd`: what Argo CD needs installed for the waves to wait: the Lua
//! health checks, alone or as an `argocd-cm` patch.

use crate::emit;
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

/// The Lua of one kind, or of all three with a comment naming each key.
pub fn health_lua(group: &str, kind: Option<ExpressKind>) -> String {
    match kind {
        Some(k) => health::lua(k).to_string(),
        None => KINDS
            .iter()
            .map(|&k| format!("-- {}\n{}", health_key(group, k), health::lua(k)))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// An `argocd-cm` ConfigMap holding only the health checks, for
/// `kubectl patch configmap argocd-cm -n argocd --type merge --patch-file`
/// or a kustomize strategic-merge patch.
pub fn config(group: &str, namespace: &str) -> String {
    let data = KINDS
        .iter()
        .map(|&k| (health_key(group, k), Value::Str(health::lua(k).to_string())))
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
