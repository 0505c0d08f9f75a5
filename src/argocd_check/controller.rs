//! The application controller: `ARGOCD_SYNC_WAVE_DELAY`, its sync
//! timeout and Argo CD's version.

use crate::value::Value;

use super::{Finding, Report, Severity, place, s};

/// The application controller's settings.
/// `params`: the `argocd-cmd-params-cm` ConfigMap, when read (the
/// controller's settings that its manifests read from it).
pub(super) fn check(c: &Value, params: Option<&Value>, report: &mut Report) {
    let place = format!("{} {}", s(c, &["kind"]).unwrap_or(""), place(c));
    let containers = match c.at(&["spec", "template", "spec", "containers"]) {
        Some(Value::Seq(list)) => list.as_slice(),
        _ => &[],
    };
    let Some(container) = containers
        .iter()
        .find(|k| s(k, &["name"]) == Some("argocd-application-controller"))
        .or(containers.first())
    else {
        report
            .not_checked
            .push(format!("{place}: no container to read"));
        return;
    };
    let entry = env_entry(container, "ARGOCD_SYNC_WAVE_DELAY");
    let why = "health is read from the controller's cache this long after a wave is applied (upstream: \"not foolproof\"); the health checks also compare status.observedGeneration, so the waves hold as long as the operator sets it and the cache keeps up";
    match entry {
        Some(e) if e.get("value").is_none() => report.not_checked.push(format!(
            "{place}: ARGOCD_SYNC_WAVE_DELAY comes from valueFrom"
        )),
        None => report.findings.push(Finding {
            severity: Severity::Warning,
            place: place.clone(),
            check: "sync-wave-delay",
            problem: "ARGOCD_SYNC_WAVE_DELAY is not set (2 s)".into(),
            why: format!("{why}; on a large cluster the cache can lag more than 2 s"),
            fix: "on a large cluster set ARGOCD_SYNC_WAVE_DELAY (seconds) on the application controller, e.g. 10".into(),
        }),
        Some(e) => {
            // `delayBetweenSyncWaves`: strconv.Atoi, else the default 2.
            let text = s(e, &["value"]).unwrap_or("");
            let n = go_atoi(text).unwrap_or(2);
            if n < 2 {
                report.findings.push(Finding {
                    severity: Severity::Warning,
                    place: place.clone(),
                    check: "sync-wave-delay",
                    problem: format!("ARGOCD_SYNC_WAVE_DELAY is {n}"),
                    why: why.into(),
                    fix: "set ARGOCD_SYNC_WAVE_DELAY to 2 or more".into(),
                });
            }
        }
    }
    sync_timeout(container, params, &place, report);
    let image = s(container, &["image"]).unwrap_or("");
    match version_of(image) {
        Some(v) if v < (2, 0, 0) => report.findings.push(Finding {
            severity: Severity::Breaks,
            place,
            check: "argocd-version",
            problem: format!("Argo CD {}.{}.{} ({image})", v.0, v.1, v.2),
            why: "before v2.0 Argo CD does not read PruneLast from a resource: a removed node is deleted in the wave where another node restarts".into(),
            fix: "upgrade Argo CD to v2.11 or later".into(),
        }),
        Some(v) if v < (2, 11, 0) && !(v.0 == 2 && v.1 == 10 && v.2 >= 10) => {
            report.findings.push(Finding {
                severity: Severity::Warning,
                place,
                check: "argocd-version",
                problem: format!("Argo CD {}.{}.{} ({image})", v.0, v.1, v.2),
                why: "express-waves is modelled and tested against Argo CD's sync from v2.11 (prune waves reversed, deletions waited for)".into(),
                fix: "upgrade Argo CD to v2.11 or later".into(),
            })
        }
        Some(_) => {}
        None => report.not_checked.push(format!(
            "Argo CD's version: the image `{image}` has no vX.Y.Z tag"
        )),
    }
}

use crate::model::go_atoi;

/// `vX.Y.Z` from an image reference's tag.
fn version_of(image: &str) -> Option<(u32, u32, u32)> {
    let name = image.split('@').next()?;
    let last = name.rsplit('/').next()?;
    let tag = last.rsplit_once(':')?.1;
    let core = tag.strip_prefix('v')?.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
    let v = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(v)
}

/// The controller's sync timeout (argo-cd
/// `cmd/argocd-application-controller`: `--sync-timeout`, default from
/// `ARGOCD_APPLICATION_CONTROLLER_SYNC_TIMEOUT`, 0: none;
/// `controller/appcontroller.go` terminates a sync running longer): a
/// rollout waiting at an approval gate, or a long one, is stopped there.
fn sync_timeout(container: &Value, params: Option<&Value>, place: &str, report: &mut Report) {
    let words: Vec<&str> = ["command", "args"]
        .iter()
        .filter_map(|k| match container.get(k) {
            Some(Value::Seq(list)) => Some(list.iter().filter_map(Value::as_str)),
            _ => None,
        })
        .flatten()
        .collect();
    // The flag wins over the variable; the last of either counts.
    let flag = words.iter().enumerate().rev().find_map(|(i, w)| {
        w.strip_prefix("--sync-timeout=")
            .or_else(|| (*w == "--sync-timeout").then(|| words.get(i + 1).copied().unwrap_or("")))
    });
    let entry = env_entry(container, "ARGOCD_APPLICATION_CONTROLLER_SYNC_TIMEOUT");
    // Argo CD's own manifests take it from argocd-cmd-params-cm
    // (`controller.sync.timeout.seconds`).
    let env = match entry {
        Some(e) if e.get("value").is_some() => s(e, &["value"]),
        Some(e) => {
            let from = |k| s(e, &["valueFrom", "configMapKeyRef", k]);
            match (from("name"), from("key"), params) {
                (Some("argocd-cmd-params-cm"), Some(key), Some(cm)) => cm
                    .get("data")
                    .and_then(|d| d.get(key))
                    .and_then(Value::as_str),
                (name, key, _) if flag.is_none() => {
                    report.not_checked.push(format!(
                        "{place}: its sync timeout comes from ConfigMap {} (key {}): give it, e.g. `kubectl -n argocd get configmap argocd-cmd-params-cm -o yaml`",
                        name.unwrap_or("?"),
                        key.unwrap_or("?")
                    ));
                    return;
                }
                _ => None,
            }
        }
        None => None,
    };
    let Some(seconds) = flag.or(env).and_then(go_atoi).filter(|&n| n > 0) else {
        return;
    };
    report.findings.push(Finding {
        severity: Severity::Warning,
        place: place.to_string(),
        check: "sync-timeout",
        problem: format!("the controller terminates a sync after {seconds} s (--sync-timeout)"),
        why: "a rollout waiting at an approval gate longer than that, or one that long, is terminated where it is; an automated sync does not retry the same revision".into(),
        fix: "approve within it, or raise --sync-timeout / ARGOCD_APPLICATION_CONTROLLER_SYNC_TIMEOUT (0: none)".into(),
    });
}

/// The container's environment entry `name`: the last one, as Kubernetes
/// keeps the last of duplicate names.
fn env_entry<'v>(container: &'v Value, name: &str) -> Option<&'v Value> {
    match container.get("env") {
        Some(Value::Seq(env)) => env.iter().rev().find(|e| s(e, &["name"]) == Some(name)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_come_from_image_tags() {
        assert_eq!(
            version_of("quay.io/argoproj/argocd:v2.10.9"),
            Some((2, 10, 9))
        );
        assert_eq!(
            version_of("quay.io/argoproj/argocd:v3.1.0-rc2"),
            Some((3, 1, 0))
        );
        assert_eq!(
            version_of("registry:5000/argocd:v2.11.3@sha256:ab"),
            Some((2, 11, 3))
        );
        assert_eq!(version_of("quay.io/argoproj/argocd:latest"), None);
        assert_eq!(version_of("argocd"), None);
    }

    fn timeout_of(container: &str) -> Option<String> {
        let c = crate::value::read(container, Default::default())
            .unwrap()
            .unwrap();
        let params = crate::value::read(
            "data: {controller.sync.timeout.seconds: '3600'}",
            Default::default(),
        )
        .unwrap();
        let mut r = Report::default();
        sync_timeout(&c, params.as_ref(), "c", &mut r);
        r.findings.first().map(|f| f.problem.clone())
    }

    #[test]
    fn a_sync_timeout_from_the_flag_or_the_variable_is_reported_and_zero_is_none() {
        let env = "env: [{name: ARGOCD_APPLICATION_CONTROLLER_SYNC_TIMEOUT, value: '600'}]";
        assert_eq!(
            timeout_of(env).as_deref(),
            Some("the controller terminates a sync after 600 s (--sync-timeout)")
        );
        // The flag wins, in either spelling.
        for args in ["[--sync-timeout=0]", "[--sync-timeout, '0']"] {
            assert_eq!(timeout_of(&format!("{env}\nargs: {args}")), None, "{args}");
        }
        assert!(
            timeout_of("args: [--sync-timeout, '90']")
                .unwrap()
                .contains("90 s")
        );
        assert_eq!(timeout_of("args: []"), None);
        // As Argo CD's manifests set it: from argocd-cmd-params-cm.
        assert!(timeout_of(
            "env: [{name: ARGOCD_APPLICATION_CONTROLLER_SYNC_TIMEOUT, valueFrom: {configMapKeyRef: {name: argocd-cmd-params-cm, key: controller.sync.timeout.seconds, optional: true}}}]"
        )
        .unwrap()
        .contains("3600 s"));
    }
}
