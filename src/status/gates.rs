//! Approval gates in `status` ([`crate::gate`]): each cluster's gates (with
//! a render, the render's; else the live ones, read as Argo CD reads them
//! however malformed) and where each stands as the rollout passes them: a
//! gate not approved for the rollout it guards holds every later node.

use serde::Serialize;

use crate::health::{Health, Status};
use crate::live::Live;
use crate::report::Colour;

/// Where an approval gate is in its cluster's rollout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GateState {
    /// Approved for the rollout it guards: Argo CD goes past it.
    Approved,
    /// Every node before it is done: Argo CD waits here for approval.
    WaitingForApproval,
    /// Not reached yet: a node before it is not done.
    Ahead,
    /// Every node before it is done, but this rollout's gate is not live
    /// yet (not created, or the live one guards another rollout): Argo CD
    /// applies it next, and waits there for approval.
    Next,
    /// Not a gate express-waves wrote: Argo CD fails the sync here.
    Degraded,
}

impl GateState {
    /// Whether the rollout stops here: waiting for approval, about to wait
    /// (applied next), or failing the sync (Degraded).
    pub fn holds(self) -> bool {
        matches!(
            self,
            GateState::WaitingForApproval | GateState::Next | GateState::Degraded
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            GateState::Approved => "approved",
            GateState::WaitingForApproval => "waiting-for-approval",
            GateState::Ahead => "ahead",
            GateState::Next => "next",
            GateState::Degraded => "degraded",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct GateStatus {
    /// The node key it follows.
    pub after: String,
    pub name: String,
    pub wave: Option<i64>,
    pub state: GateState,
    #[serde(flatten)]
    pub health: Health,
    /// Whether the live gate is this rollout's (with a render; without one
    /// the live gate is all there is).
    #[serde(skip)]
    pub(super) applied: bool,
}

/// A cluster's approval gates, in wave order: with a render, the render's
/// (a live gate guarding another rollout is not applied yet), else the
/// live ones.
pub(super) fn of_cluster(
    live: &Live,
    target: Option<&crate::render::ClusterRollout>,
    rendered: bool,
    namespace: &str,
    cluster: &str,
) -> Vec<GateStatus> {
    use crate::value::Value;
    // Every live gate of the namespace that is the cluster's, read as
    // Argo CD reads it however malformed (a gate it cannot tell the
    // cluster of counts for every cluster: it holds the Application).
    let live_gates: Vec<&Value> = live
        .gates()
        .filter(|o| crate::gate::holds(o, namespace, cluster))
        .collect();
    // A gate missing from objects that hold none may not have been asked
    // for (`kubectl get backends,frontends` without the gates).
    let gates_read = live.gates_asked || live.gates().next().is_some();
    let not_read = (!gates_read).then_some(
        "Not among the live objects read (no gate is): whether it is created is not known; give them (`kubectl get …,gates.waves.express.medallia.com`) or use --kubectl",
    );
    let live_status = |o: &Value| GateStatus {
        after: crate::gate::after_of(o).to_string(),
        name: o.str_at(&["metadata", "name"]).to_string(),
        wave: Some(crate::gate::wave_of(o)),
        // Placed by in_rollout_order.
        state: GateState::Ahead,
        health: crate::gate::health(o),
        applied: true,
    };
    let mut out: Vec<GateStatus> = match (rendered, target) {
        (true, None) => Vec::new(),
        (true, Some(t)) => t
            .gates
            .iter()
            .map(|g| {
                let live = live_gates.iter().find(|o| o.str_at(&["metadata", "name"]) == g.name());
                let (applied, health) = match live {
                    None => (false, Health {
                        status: Status::Progressing,
                        message: not_read.unwrap_or("Not created yet").into(),
                    }),
                    Some(o) if o.str_at(&["spec", "rollout"]) != g.rollout => (false, Health {
                        status: Status::Progressing,
                        message: format!(
                            "Not applied yet: the live gate guards another rollout than the render's ({})",
                            &g.rollout[..g.rollout.len().min(12)]
                        ),
                    }),
                    Some(o) => (true, crate::gate::health(o)),
                };
                GateStatus {
                    after: g.after.clone(),
                    name: g.name(),
                    wave: g.wave,
                    state: GateState::Ahead,
                    health,
                    applied,
                }
            })
            .collect(),
        (false, _) => live_gates.iter().map(|o| live_status(o)).collect(),
    };
    out.sort_by_key(|g| g.wave);
    out
}

/// The gates, placed as the rollout reaches them in wave order.
pub(super) struct Passing<'g> {
    gates: &'g mut [GateStatus],
    next: usize,
}

impl<'g> Passing<'g> {
    pub(super) fn new(gates: &'g mut [GateStatus]) -> Passing<'g> {
        Passing { gates, next: 0 }
    }

    /// Places the gates in a wave before `wave` (every gate left, for
    /// `None`): a gate is reached once nothing before it holds
    /// (`blocked` false); not approved, it holds the rest.
    pub(super) fn before(&mut self, wave: Option<i64>, blocked: &mut bool) {
        while let Some(g) = self.gates.get_mut(self.next) {
            if wave.is_some() && g.wave.is_some_and(|gw| Some(gw) >= wave) {
                break;
            }
            g.state = match (g.applied, g.health.status, *blocked) {
                (true, Status::Degraded, _) => GateState::Degraded,
                (_, _, true) => GateState::Ahead,
                // Argo CD applies it next, and waits there.
                (false, _, false) => GateState::Next,
                (true, Status::Healthy, false) => GateState::Approved,
                (true, _, false) => GateState::WaitingForApproval,
            };
            if g.state != GateState::Approved {
                *blocked = true;
            }
            self.next += 1;
        }
    }
}

/// Its row in the status table, in its wave among the nodes.
pub(super) fn row(g: &GateStatus) -> Vec<(String, Colour)> {
    vec![
        (
            g.wave.map(|w| w.to_string()).unwrap_or_else(|| "-".into()),
            Colour::None,
        ),
        ("gate".to_string(), Colour::None),
        (crate::gate::KIND.to_string(), Colour::None),
        (
            g.state.name().to_string(),
            match g.state {
                GateState::Approved => Colour::Green,
                GateState::WaitingForApproval => Colour::Yellow,
                GateState::Ahead => Colour::Dim,
                GateState::Next => Colour::Yellow,
                GateState::Degraded => Colour::Red,
            },
        ),
        (g.health.status.name().to_string(), Colour::None),
        ("-".to_string(), Colour::None),
        ("-".to_string(), Colour::None),
        (g.health.message.clone(), Colour::None),
    ]
}
