//! Health of Express CRs: the rules of the Argo CD Lua health checks, in
//! Rust, for `status` and for tests. The Lua scripts are embedded here too.
//!
//! One definition, two implementations: every case in
//! `argocd/resource_customizations/express.medallia.com/<Kind>/health_test.yaml`
//! is checked against both this module and the Lua under a real Lua 5.1.

use crate::model::{ANN_HEALTH, ANN_HEALTH_IGNORED_BY, ANN_UP, ExpressKind, LABEL_REVISION};
use crate::value::Value;

/// The Lua health check of Backend and Frontend nodes.
pub const NODE_LUA: &str =
    include_str!("../argocd/resource_customizations/express.medallia.com/Frontend/health.lua");
/// The Lua health check of the Cluster CR.
pub const CLUSTER_LUA: &str =
    include_str!("../argocd/resource_customizations/express.medallia.com/Cluster/health.lua");

/// The Lua health check for `kind`.
pub fn lua(kind: ExpressKind) -> &'static str {
    match kind {
        ExpressKind::Cluster => CLUSTER_LUA,
        ExpressKind::Backend | ExpressKind::Frontend => NODE_LUA,
    }
}

/// Argo CD's health statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Status {
    Healthy,
    Progressing,
    Degraded,
    Suspended,
    Missing,
    Unknown,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Healthy => "Healthy",
            Status::Progressing => "Progressing",
            Status::Degraded => "Degraded",
            Status::Suspended => "Suspended",
            Status::Missing => "Missing",
            Status::Unknown => "Unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Healthy,
            Status::Progressing,
            Status::Degraded,
            Status::Suspended,
            Status::Missing,
            Status::Unknown,
        ]
        .into_iter()
        .find(|st| st.name() == s)
    }
}

/// A health status and its message; serialised (in `status`) as `health`
/// and `message`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Health {
    #[serde(rename = "health")]
    pub status: Status,
    pub message: String,
}

fn health(status: Status, message: impl Into<String>) -> Health {
    Health {
        status,
        message: message.into(),
    }
}

/// Lua's `tostring` for the values these rules print.
fn lua_text(v: Option<&Value>, default: &str) -> String {
    match v {
        None | Some(Value::Null) => default.to_string(),
        Some(Value::Str(s)) => s.clone(),
        Some(Value::Int(i)) => i.to_string(),
        Some(Value::Float(f)) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Some(Value::Float(f)) => f.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(_) => "table".to_string(),
    }
}

fn number(v: Option<&Value>) -> Option<f64> {
    match v {
        Some(Value::Int(i)) => Some(*i as f64),
        Some(Value::Float(f)) => Some(*f),
        _ => None,
    }
}

/// The health of an Express CR of `kind`, by the rules in the Lua scripts:
/// a node whose check on-call asked to ignore ([`ignored_by`]) is Healthy,
/// with a message naming who asked and what the rules say.
pub fn assess(kind: ExpressKind, obj: &Value) -> Health {
    let h = rules(kind, obj);
    match ignored_by(kind, obj) {
        Some(by) => ignoring(&by, h),
        None => h,
    }
}

/// `h`, the health of a node whose check `by` asked to ignore: Healthy, and
/// what it is in the message.
pub fn ignoring(by: &str, h: Health) -> Health {
    health(
        Status::Healthy,
        format!(
            "Health check ignored, asked by {by} ({ANN_HEALTH}: ignore); the node is {}: {}",
            h.status.name(),
            h.message
        ),
    )
}

/// Whether on-call asked to ignore the health check of this node
/// (`express.medallia.com/health: ignore`), and who asked
/// (`express.medallia.com/health-ignored-by`, or a note that nobody is
/// named).
pub fn ignored_by(kind: ExpressKind, obj: &Value) -> Option<String> {
    let annotation = |key| obj.at(&["metadata", "annotations", key]);
    if kind == ExpressKind::Cluster
        || annotation(ANN_HEALTH).and_then(Value::as_str) != Some("ignore")
    {
        return None;
    }
    Some(match annotation(ANN_HEALTH_IGNORED_BY) {
        None | Some(Value::Null) => format!("nobody named ({ANN_HEALTH_IGNORED_BY} is not set)"),
        Some(Value::Str(s)) if s.is_empty() => {
            format!("nobody named ({ANN_HEALTH_IGNORED_BY} is not set)")
        }
        by => lua_text(by, ""),
    })
}

/// The rules, first match wins.
fn rules(kind: ExpressKind, obj: &Value) -> Health {
    let node = kind != ExpressKind::Cluster;
    if node
        && obj
            .at(&["metadata", "annotations", ANN_UP])
            .and_then(Value::as_str)
            == Some("false")
    {
        return health(Status::Healthy, "Intentionally down");
    }
    let Some(st) = obj.get("status").filter(|s| !matches!(s, Value::Null)) else {
        return health(
            Status::Progressing,
            "Waiting for the operator to report status",
        );
    };
    let generation = obj.at(&["metadata", "generation"]);
    if let (Some(g), Some(o)) = (number(generation), number(st.get("observedGeneration")))
        && o < g
    {
        return health(
            Status::Progressing,
            format!(
                "Waiting for the operator to observe generation {}",
                lua_text(generation, "")
            ),
        );
    }
    if let Some(failed) = failure(st) {
        return failed;
    }
    let phase = st.get("phase").and_then(Value::as_str);
    let running = st.get("deploymentRevision");
    let want = obj
        .at(&["metadata", "labels", LABEL_REVISION])
        .and_then(Value::as_str);
    if let Some(want) = want.filter(|_| node)
        && running.and_then(Value::as_str) != Some(want)
    {
        return health(
            Status::Progressing,
            format!(
                "Rolling out revision {want}, running {}",
                lua_text(running, "none")
            ),
        );
    }
    if ready_condition(st)
        .and_then(|c| c.get("status"))
        .and_then(Value::as_str)
        == Some("True")
    {
        let message = match running {
            Some(r) if node && !matches!(r, Value::Null) => {
                format!("Ready at revision {}", lua_text(Some(r), ""))
            }
            _ => "Ready".into(),
        };
        return health(Status::Healthy, message);
    }
    let mut message = format!("Waiting for Ready (phase {})", phase.unwrap_or("unknown"));
    if let Some(m) = ready_condition(st)
        .and_then(|c| c.get("message"))
        .filter(|m| !matches!(m, Value::Null))
    {
        message.push_str(": ");
        message.push_str(&lua_text(Some(m), ""));
    }
    health(Status::Progressing, message)
}

/// Degraded, when a `Degraded` or `Failed` condition is True or the phase is
/// a failure (conditions first, as the Lua scripts check them).
fn failure(st: &Value) -> Option<Health> {
    if let Some(Value::Seq(conditions)) = st.get("conditions") {
        for c in conditions {
            let ty = c.get("type").and_then(Value::as_str);
            if matches!(ty, Some("Degraded" | "Failed"))
                && c.get("status").and_then(Value::as_str) == Some("True")
            {
                return Some(health(
                    Status::Degraded,
                    format!(
                        "{}: {}",
                        ty.unwrap_or_default(),
                        lua_text(c.get("message"), "no message")
                    ),
                ));
            }
        }
    }
    match st.get("phase").and_then(Value::as_str) {
        Some(p @ ("Failed" | "Broken" | "Error")) => Some(health(
            Status::Degraded,
            format!("Phase {p}: {}", lua_text(st.get("message"), "no message")),
        )),
        _ => None,
    }
}

/// The `Ready` condition (the last, as the Lua scripts' loop leaves it).
fn ready_condition(st: &Value) -> Option<&Value> {
    match st.get("conditions") {
        Some(Value::Seq(conditions)) => conditions
            .iter()
            .rfind(|c| c.get("type").and_then(Value::as_str) == Some("Ready")),
        _ => None,
    }
}
