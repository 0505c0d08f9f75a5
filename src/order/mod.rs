//! The order of a cluster's nodes: default orders, dependencies, waves.
//!
//! Default orders (seeds/002): upgrade `fe1, fe2, be, fe3, …, feN` (the
//! frontends numbered up to `frontends_before_backend`, then the backends,
//! then the other frontends); provisioning `be, fe1, …, feN`. Keys sort
//! naturally (`fe10` after `fe9`). A frontend's number is the number its key
//! ends with, so `fe3` goes after the backend whether `fe1` is rendered down
//! or not rendered at all: an absent node and a node marked down give the
//! same chain.
//!
//! Every present node keeps its place in the order. A node that is down gets
//! no prerequisites and nothing depends on it; every other node depends on
//! the nearest node before it that is up. Prerequisites the chart rendered
//! win over the default, and one that names a down node is followed to that
//! node's own dependency. A node whose health check on-call ignores
//! (`express.medallia.com/health: ignore`, a node known broken) keeps its
//! own prerequisites, but nothing depends on it either: the operator would
//! wait for it to be Ready for ever, where Argo CD no longer does. Waves are a topological order of the mode's
//! dependencies, ties broken by the default order.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// Which rollout the waves are for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Upgrade,
    Provisioning,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Upgrade => "upgrade",
            Mode::Provisioning => "provisioning",
        }
    }

    /// The prerequisite list this mode's waves follow.
    pub fn list(self) -> List {
        match self {
            Mode::Upgrade => List::Upgrade,
            Mode::Provisioning => List::Provisioning,
        }
    }
}

/// The two prerequisite lists of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    Provisioning = 0,
    Upgrade = 1,
}

impl List {
    pub const BOTH: [List; 2] = [List::Provisioning, List::Upgrade];

    /// The field name in `spec.deploymentDependencies`.
    pub fn field(self) -> &'static str {
        match self {
            List::Provisioning => "provisioningPrerequisites",
            List::Upgrade => "upgradePrerequisites",
        }
    }

    fn mode(self) -> Mode {
        match self {
            List::Provisioning => Mode::Provisioning,
            List::Upgrade => Mode::Upgrade,
        }
    }

    fn label(self) -> &'static str {
        match self {
            List::Provisioning => "provisioning",
            List::Upgrade => "upgrade",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Backend,
    Frontend,
}

/// What the order needs to know of a node.
#[derive(Clone, Debug)]
pub struct Member {
    pub key: String,
    pub role: Role,
    pub up: bool,
    /// Whether its health check is ignored: nothing waits for it.
    pub ignored: bool,
    /// Whether express-waves manages its dependencies (not disabled).
    pub managed: bool,
    /// Prerequisites as rendered, per [`List`], as member indices; empty
    /// when the chart rendered none.
    pub rendered: [Vec<usize>; 2],
}

/// A prerequisite of a node after resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dep {
    pub target: usize,
    /// Index of the rendered entry this comes from, if it was written by the
    /// chart and names `target` itself (not followed through a down node).
    pub entry: Option<usize>,
}

/// The result for one cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    /// Prerequisites per [`List`], per member.
    pub deps: [Vec<Vec<Dep>>; 2],
    /// Member indices in wave order.
    pub waves: Vec<usize>,
}

/// Compares keys naturally: runs of digits by value, the rest by bytes.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let si = i;
            while i < a.len() && a[i].is_ascii_digit() {
                i += 1;
            }
            let sj = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let na = trim_zeros(&a[si..i]);
            let nb = trim_zeros(&b[sj..j]);
            let ord = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
            if ord != Ordering::Equal {
                return ord;
            }
        } else {
            if a[i] != b[j] {
                return a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
    }
    (a.len() - i).cmp(&(b.len() - j)).then_with(|| a.cmp(b))
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let n = d.iter().take_while(|&&c| c == b'0').count();
    &d[n.min(d.len().saturating_sub(1))..]
}

/// The number a key ends with (`fe12` → 12), if any.
fn ordinal(key: &str) -> Option<u128> {
    let digits = key.len() - key.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    key[key.len() - digits..].parse().ok()
}

/// Member indices in the default order of `mode`.
pub fn default_order(
    members: &[Member],
    mode: Mode,
    frontends_before_backend: usize,
) -> Vec<usize> {
    let rank = |m: &Member| -> u8 {
        match (mode, m.role) {
            (Mode::Provisioning, Role::Backend) => 0,
            (Mode::Provisioning, Role::Frontend) => 1,
            (Mode::Upgrade, Role::Backend) => 1,
            (Mode::Upgrade, Role::Frontend) => match ordinal(&m.key) {
                Some(n) if n <= frontends_before_backend as u128 => 0,
                _ => 2,
            },
        }
    };
    let mut idx: Vec<usize> = (0..members.len()).collect();
    idx.sort_by(|&a, &b| {
        let (ma, mb) = (&members[a], &members[b]);
        rank(ma)
            .cmp(&rank(mb))
            .then_with(|| natural_cmp(&ma.key, &mb.key))
    });
    idx
}

/// A cycle: the member it starts at, and a message naming it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cycle {
    pub member: usize,
    pub message: String,
}

/// Resolves dependencies and waves for one cluster.
pub fn resolve(
    members: &[Member],
    mode: Mode,
    frontends_before_backend: usize,
) -> Result<Order, Cycle> {
    let mut deps: [Vec<Vec<Dep>>; 2] = [Vec::new(), Vec::new()];
    for list in List::BOTH {
        let order = default_order(members, list.mode(), frontends_before_backend);
        deps[list as usize] = list_deps(members, list, &order)?;
        if let Some(cycle) = find_cycle(&deps[list as usize]) {
            return Err(cycle_message(members, list, &cycle));
        }
    }
    let waves = topological(
        members,
        &deps[mode.list() as usize],
        mode,
        frontends_before_backend,
    );
    Ok(Order { deps, waves })
}

/// Every member's prerequisites in `list`, given the list's default
/// `order`: the chart's, else the nearest up node before it; a down
/// prerequisite is followed through to up nodes.
fn list_deps(members: &[Member], list: List, order: &[usize]) -> Result<Vec<Vec<Dep>>, Cycle> {
    let l = list as usize;
    let mut pred = vec![None; members.len()];
    let mut last_up = None;
    for &i in order {
        pred[i] = last_up;
        if members[i].waited_for() {
            last_up = Some(i);
        }
    }
    // A node's own dependencies: what the chart rendered, else the default.
    let own = |i: usize| -> Vec<usize> {
        if !members[i].rendered[l].is_empty() {
            members[i].rendered[l].clone()
        } else {
            pred[i].into_iter().collect()
        }
    };
    let mut per_node = Vec::with_capacity(members.len());
    for (i, m) in members.iter().enumerate() {
        let mut out: Vec<Dep> = Vec::new();
        let push = |d: Dep, out: &mut Vec<Dep>| {
            if !out.iter().any(|o| o.target == d.target) {
                out.push(d);
            }
        };
        let plain = |target| Dep {
            target,
            entry: None,
        };
        if !m.managed {
            for &t in &m.rendered[l] {
                push(plain(t), &mut out);
            }
        } else if m.up {
            let from_chart = !m.rendered[l].is_empty();
            for (e, t) in own(i).into_iter().enumerate() {
                if members[t].waited_for() {
                    let entry = from_chart.then_some(e);
                    push(Dep { target: t, entry }, &mut out);
                } else {
                    let mut path = vec![i, t];
                    follow(members, &own, t, &mut path, &mut |t| {
                        push(plain(t), &mut out)
                    })
                    .map_err(|p| cycle_message(members, list, &p))?;
                }
            }
            // The chart named only down nodes that lead nowhere: its
            // dependency left the chain, so the default applies (as it
            // would when this output is rendered again: idempotence).
            if from_chart
                && out.is_empty()
                && let Some(p) = pred[i]
            {
                push(plain(p), &mut out);
            }
        }
        per_node.push(out);
    }
    Ok(per_node)
}

impl Member {
    /// Whether a node may wait for it: up, and its health not ignored.
    fn waited_for(&self) -> bool {
        self.up && !self.ignored
    }
}

/// Follows the dependencies of node `t`, which nothing waits for (down, or
/// its health ignored), to nodes that may be waited for.
fn follow(
    members: &[Member],
    own: &dyn Fn(usize) -> Vec<usize>,
    t: usize,
    path: &mut Vec<usize>,
    found: &mut dyn FnMut(usize),
) -> Result<(), Vec<usize>> {
    for next in own(t) {
        if path.contains(&next) {
            let start = path.iter().position(|&p| p == next).expect("in path");
            let mut cycle = path[start..].to_vec();
            cycle.push(next);
            return Err(cycle);
        }
        if members[next].waited_for() {
            found(next);
        } else {
            path.push(next);
            follow(members, own, next, path, found)?;
            path.pop();
        }
    }
    Ok(())
}

fn cycle_message(members: &[Member], list: List, cycle: &[usize]) -> Cycle {
    let names: Vec<&str> = cycle.iter().map(|&i| members[i].key.as_str()).collect();
    Cycle {
        member: cycle[0],
        message: format!(
            "{} prerequisites form a cycle: {} (the operator would wait forever)",
            list.label(),
            names.join(" -> ")
        ),
    }
}

/// A cycle in "node depends on target" edges, as a path that ends where it
/// starts, or `None`.
fn find_cycle(deps: &[Vec<Dep>]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Color {
        White,
        Grey,
        Black,
    }
    let mut color = vec![Color::White; deps.len()];
    for root in 0..deps.len() {
        if color[root] != Color::White {
            continue;
        }
        // Iterative DFS: (node, next edge index).
        let mut stack = vec![(root, 0usize)];
        color[root] = Color::Grey;
        while let Some(&mut (n, ref mut e)) = stack.last_mut() {
            if let Some(d) = deps[n].get(*e) {
                *e += 1;
                match color[d.target] {
                    Color::White => {
                        color[d.target] = Color::Grey;
                        stack.push((d.target, 0));
                    }
                    Color::Grey => {
                        let start = stack
                            .iter()
                            .position(|&(s, _)| s == d.target)
                            .expect("grey is on the stack");
                        let mut cycle: Vec<usize> =
                            stack[start..].iter().map(|&(s, _)| s).collect();
                        cycle.push(d.target);
                        return Some(cycle);
                    }
                    Color::Black => {}
                }
            } else {
                color[n] = Color::Black;
                stack.pop();
            }
        }
    }
    None
}

/// Kahn's algorithm, always taking the ready node earliest in the default
/// order. The graph is acyclic (checked before).
fn topological(members: &[Member], deps: &[Vec<Dep>], mode: Mode, fbb: usize) -> Vec<usize> {
    let order = default_order(members, mode, fbb);
    let mut pos = vec![0; members.len()];
    for (p, &i) in order.iter().enumerate() {
        pos[i] = p;
    }
    let mut indegree: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut dependents = vec![Vec::new(); members.len()];
    for (i, ds) in deps.iter().enumerate() {
        for d in ds {
            dependents[d.target].push(i);
        }
    }
    let mut ready: BinaryHeap<Reverse<(usize, usize)>> = (0..members.len())
        .filter(|&i| indegree[i] == 0)
        .map(|i| Reverse((pos[i], i)))
        .collect();
    let mut out = Vec::with_capacity(members.len());
    while let Some(Reverse((_, i))) = ready.pop() {
        out.push(i);
        for &j in &dependents[i] {
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.push(Reverse((pos[j], j)));
            }
        }
    }
    debug_assert_eq!(out.len(), members.len(), "acyclic graph");
    out
}

#[cfg(test)]
mod tests;
