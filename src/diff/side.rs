//! One side of a diff, whatever was given: a render, live objects (a
//! `kubectl get -o yaml` List) or revisions ConfigMaps, read into the same
//! nodes.

use crate::live::Live;
use crate::render::Analysis;
use crate::revision;
use crate::stored::StoredMap;
use crate::value::Value;

/// A node as one side of a diff has it.
#[derive(Clone, Debug, PartialEq)]
pub struct SideNode {
    pub namespace: String,
    pub cluster: String,
    pub key: String,
    /// The revision label (`(none)` on a live node without one).
    pub revision: String,
    /// Up or down; `None` where the side does not say (a revisions
    /// ConfigMap).
    pub up: Option<bool>,
    /// The hashed input (`{kind, spec}` less dependencies).
    pub hashed: Value,
    /// Whether the revision is the chart's own choice rather than the hash.
    pub from_chart: bool,
}

/// One side of a diff: its nodes in wave order, and whether they are live
/// objects (whose fields the render does not set are the API server's
/// defaults, not changes).
#[derive(Clone, Debug, Default)]
pub struct Side {
    pub nodes: Vec<SideNode>,
    pub live: bool,
}

impl Side {
    /// The nodes of a render, in wave order.
    pub fn of_render(r: &Analysis) -> Side {
        let nodes = r
            .clusters
            .iter()
            .flat_map(|c| {
                c.nodes.iter().map(|n| SideNode {
                    namespace: c.namespace.clone(),
                    cluster: c.name.clone(),
                    key: n.key.clone(),
                    revision: n.revision.clone(),
                    up: Some(n.up),
                    hashed: revision::hashed(n.kind.name(), n.spec.as_ref()),
                    from_chart: n.revision_from_chart,
                })
            })
            .collect();
        Side { nodes, live: false }
    }

    /// The live nodes, by cluster and wave.
    pub fn of_live(live: &Live) -> Side {
        let mut nodes: Vec<(Option<i64>, SideNode)> = live
            .nodes()
            .map(|l| {
                (
                    l.wave(),
                    SideNode {
                        namespace: l.namespace.clone(),
                        cluster: l.cluster.clone(),
                        key: l.key.clone(),
                        revision: l.label().unwrap_or("(none)").to_string(),
                        up: Some(l.up()),
                        hashed: revision::hashed(l.kind.name(), l.obj.get("spec")),
                        from_chart: l.revision_from_chart(),
                    },
                )
            })
            .collect();
        nodes.sort_by(|(wa, a), (wb, b)| {
            (&a.namespace, &a.cluster, wa, &a.key).cmp(&(&b.namespace, &b.cluster, wb, &b.key))
        });
        Side {
            nodes: nodes.into_iter().map(|(_, n)| n).collect(),
            live: true,
        }
    }

    /// The nodes recorded in revisions ConfigMaps
    /// (`<cluster>-deployment-revisions`): each one's stored revision and
    /// hashed input; whether it was up is not recorded.
    pub fn of_stored(maps: &[StoredMap]) -> Side {
        let mut nodes = Vec::new();
        for m in maps {
            for (key, revision) in &m.revisions {
                let hashed = m.input(key).cloned().unwrap_or(Value::Null);
                nodes.push(SideNode {
                    namespace: m.namespace.clone(),
                    cluster: m.cluster().to_string(),
                    key: key.clone(),
                    revision: revision.clone(),
                    up: None,
                    hashed,
                    from_chart: m.chart.iter().any(|k| k == key),
                });
            }
        }
        Side { nodes, live: false }
    }

    pub(super) fn find(&self, n: &SideNode) -> Option<&SideNode> {
        self.nodes.iter().find(|m| {
            // A render may leave the namespace out (`model::same_namespace`).
            (m.namespace == n.namespace || m.namespace.is_empty() || n.namespace.is_empty())
                && m.cluster == n.cluster
                && m.key == n.key
        })
    }
}
