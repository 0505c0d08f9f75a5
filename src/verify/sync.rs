//! What syncing a render over the live objects would do: its hazards
//! (deadlocks, early deletions: discrepancies) and each node's change
//! (new, stop, start, restart, removed: reported).

use crate::live::Live;
use crate::render::Analysis;

use super::{Finding, Kind, Source};

/// What syncing the render over the live objects would do: deadlocks
/// (discrepancies), nodes created and restarted (not).
pub(super) fn render_against_live(r: &Analysis, live: &Live, out: &mut Vec<Finding>) {
    let hazards = [
        (Kind::Deadlock, crate::compare::deadlocks(r, live)),
        (Kind::EarlyPrune, crate::compare::early_prunes(r, live)),
    ];
    for (kind, list) in hazards {
        for h in list {
            out.push(Finding::new(
                kind,
                Source::Render,
                h.cluster,
                h.key,
                h.detail,
            ));
        }
    }
    for c in &r.clusters {
        for l in crate::compare::removed(c, live) {
            out.push(Finding::rendered(
                Kind::Removed,
                c,
                l.key.clone(),
                format!(
                    "live at {}, no longer rendered: {}",
                    l.label().unwrap_or("(no label)"),
                    if crate::compare::never_pruned(&l) {
                        "its sync-options say Prune=false, so Argo CD keeps it"
                    } else {
                        "Argo CD prunes it after every other node"
                    }
                ),
            ));
        }
        for n in &c.nodes {
            use crate::compare::Change;
            let (finding, detail) = match crate::compare::change(c, n, live) {
                Change::New => (
                    Kind::New,
                    format!("not live yet; will be created at {}", n.revision),
                ),
                Change::Stop => (
                    Kind::Stop,
                    "up live, rendered down: the operator stops it".into(),
                ),
                Change::Start => (
                    Kind::Start,
                    format!("down live, rendered up at {}", n.revision),
                ),
                Change::Restart => (
                    Kind::Restart,
                    format!(
                        "live {} -> rendered {}",
                        live.node(&c.namespace, &n.name)
                            .and_then(|l| l.label())
                            .unwrap_or("(none)"),
                        n.revision
                    ),
                ),
                _ => continue,
            };
            out.push(Finding::rendered(finding, c, n.key.clone(), detail));
        }
    }
}
