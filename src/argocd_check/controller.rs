//! The application controller: `ARGOCD_SYNC_WAVE_DELAY` and Argo CD's
//! version.

use crate::value::Value;

use super::{Finding, Report, Severity, place, s};

/// The application controller's settings.
pub(super) fn check(c: &Value, report: &mut Report) {
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
    // Kubernetes keeps the last of duplicate names.
    let entry = match container.get("env") {
        Some(Value::Seq(env)) => env
            .iter()
            .rev()
            .find(|e| s(e, &["name"]) == Some("ARGOCD_SYNC_WAVE_DELAY")),
        _ => None,
    };
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

/// Go's `strconv.Atoi`: an optional sign and decimal digits, nothing else.
fn go_atoi(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

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
}
