//! The Argo CD Application's last sync operation, as `status --app` reads
//! it from the Application (`status.operationState`, argo-cd
//! `pkg/apis/application/v1alpha1/types.go`, `OperationState`): its phase
//! (`Running`, `Terminating`, `Failed`, `Error`, `Succeeded`: gitops-engine
//! `pkg/sync/common/types.go`, `OperationPhase`), its message
//! (`Operation terminated` after a Terminate: gitops-engine
//! `sync_context.go`, `Terminate`), and the last Express node it applied
//! (of `syncResult.resources`, those `Synced`, the one in the highest wave
//! of the live objects), or the approval gate, when that is the last thing
//! it applied (`gate after fe1`): where a stopped rollout stopped.

use serde::Serialize;

use crate::live::Live;
use crate::model::ExpressKind;
use crate::value::Value;

/// The Application's last sync operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// `namespace/name` of the Application.
    pub application: String,
    pub phase: String,
    pub message: String,
    /// The last node (its key) or approval gate (`gate after KEY`) it
    /// applied, and its wave.
    pub last_applied: Option<(String, i64)>,
}

impl Operation {
    /// Whether it ended without finishing: failed, errored or terminated.
    pub fn stopped(&self) -> bool {
        matches!(self.phase.as_str(), "Failed" | "Error")
    }

    /// Whether it is still going (`Running`, `Terminating`).
    pub fn running(&self) -> bool {
        matches!(self.phase.as_str(), "Running" | "Terminating")
    }

    /// One line: the phase, the message, the last node applied.
    pub fn line(&self) -> String {
        let mut s = format!("sync {}", self.phase);
        if !self.message.is_empty() {
            s.push_str(&format!(": {}", self.message));
        }
        match &self.last_applied {
            Some((node, wave)) if self.stopped() => {
                s.push_str(&format!("; stopped after wave {wave} ({node})"))
            }
            Some((node, wave)) => s.push_str(&format!("; last node applied: {node} (wave {wave})")),
            None => s.push_str("; no Express node applied"),
        }
        s
    }
}

/// The last sync operation of the Application `app`; an error when it has
/// none (no sync has run) or is not an Application.
pub fn of(app: &Value, live: &Live, group: &str) -> Result<Operation, String> {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
    if s(app.get("kind")) != "Application" {
        return Err(format!(
            "--app: expected an Argo CD Application, got kind `{}`",
            s(app.get("kind"))
        ));
    }
    let name = crate::model::qualified(
        &s(app.at(&["metadata", "namespace"])),
        &s(app.at(&["metadata", "name"])),
    );
    let Some(op) = app.at(&["status", "operationState"]) else {
        return Err(format!(
            "Application {name} has no sync operation (status.operationState): no sync has run"
        ));
    };
    let last_applied = match op.at(&["syncResult", "resources"]) {
        Some(Value::Seq(resources)) => resources
            .iter()
            .filter(|r| s(r.get("status")) == "Synced")
            .filter_map(|r| {
                let (ns, name) = (s(r.get("namespace")), s(r.get("name")));
                let kind = s(r.get("kind"));
                if s(r.get("group")) == crate::gate::GROUP && kind == crate::gate::KIND {
                    // Its wave as Argo CD read it, however else malformed.
                    let g = live.gates().find(|o| {
                        o.str_at(&["metadata", "namespace"]) == ns
                            && o.str_at(&["metadata", "name"]) == name
                    })?;
                    let after = crate::gate::after_of(g);
                    return Some((format!("gate after {after}"), crate::gate::wave_of(g)));
                }
                if s(r.get("group")) != group
                    || !ExpressKind::from_name(&kind).is_some_and(|k| k != ExpressKind::Cluster)
                {
                    return None;
                }
                let node = live.node(&ns, &name)?;
                // Argo CD takes 0 for a node with neither annotation
                // (gitops-engine `syncwaves.Wave`: `model::sync_wave`).
                Some((node.key.clone(), node.wave().unwrap_or(0)))
            })
            .max_by_key(|(_, wave)| *wave),
        _ => None,
    };
    Ok(Operation {
        application: name,
        phase: s(op.get("phase")),
        message: s(op.get("message")),
        last_applied,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(phase: &str, last: Option<(&str, i64)>) -> Operation {
        Operation {
            application: "argocd/acme".into(),
            phase: phase.into(),
            message: String::new(),
            last_applied: last.map(|(k, w)| (k.to_string(), w)),
        }
    }

    #[test]
    fn only_a_failed_or_errored_sync_has_stopped_and_says_after_which_wave() {
        let running = op("Running", Some(("fe2", 2)));
        assert!(!running.stopped());
        assert_eq!(
            running.line(),
            "sync Running; last node applied: fe2 (wave 2)"
        );
        for phase in ["Failed", "Error"] {
            let stopped = op(phase, Some(("be", 3)));
            assert!(stopped.stopped());
            assert_eq!(
                stopped.line(),
                format!("sync {phase}; stopped after wave 3 (be)")
            );
        }
        assert!(!op("Succeeded", None).stopped());
        // A sync still going is not done, whatever the nodes say.
        for phase in ["Running", "Terminating"] {
            assert_eq!(super::super::exit_code(&[], Some(&op(phase, None))), 3);
        }
        assert_eq!(
            super::super::exit_code(&[], Some(&op("Succeeded", None))),
            0
        );
        assert_eq!(super::super::exit_code(&[], Some(&op("Failed", None))), 1);
        assert_eq!(
            op("Failed", None).line(),
            "sync Failed; no Express node applied"
        );
    }

    /// The last applied is read off the live objects named in the sync
    /// result, with their waves as Argo CD reads them: a gate by its live
    /// name and its wave however else malformed, a node by its hook weight
    /// when it has no sync wave.
    #[test]
    fn the_last_applied_is_the_highest_wave_as_argo_cd_reads_waves() {
        let v = crate::value::test_value;
        let app = v("kind: Application
metadata: {name: acme, namespace: argocd}
status:
  operationState:
    phase: Failed
    syncResult:
      resources:
      - {group: express.medallia.com, kind: Frontend, namespace: t1, name: acme-fe1, status: Synced}
      - {group: waves.express.medallia.com, kind: Gate, namespace: t1, name: hand-named, status: Synced}
      - {group: express.medallia.com, kind: Frontend, namespace: t1, name: acme-fe2, status: Pruned}
");
        let node = |name: &str, ann: &str| {
            v(&format!(
                "apiVersion: express.medallia.com/v1
kind: Frontend
metadata: {{name: {name}, namespace: t1, annotations: {ann}}}
spec: {{clusterConfig: {{clusterName: acme}}}}
"
            ))
        };
        let gate = v("apiVersion: waves.express.medallia.com/v1
kind: Gate
metadata: {name: hand-named, namespace: t1, annotations: {helm.sh/hook-weight: '4'}}
spec: {after: fe1}
");
        let live = Live::new(
            vec![
                node("acme-fe1", "{helm.sh/hook-weight: '3'}"),
                node("acme-fe2", "{argocd.argoproj.io/sync-wave: '9'}"),
                gate,
            ],
            "express.medallia.com",
        );
        let got = of(&app, &live, "express.medallia.com").unwrap();
        assert_eq!(got.last_applied, Some(("gate after fe1".to_string(), 4)));
        // A node with neither annotation is in wave 0 to Argo CD (found in
        // review): applied all the same.
        let bare = Live::new(vec![node("acme-fe1", "{}")], "express.medallia.com");
        let got = of(&app, &bare, "express.medallia.com").unwrap();
        assert_eq!(got.last_applied, Some(("fe1".to_string(), 0)));
    }
}
