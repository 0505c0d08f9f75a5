//! Revisions ConfigMaps as stored: what `render` wrote (`revisions.json`,
//! `nodes.json`), read back from a render or a cluster and recomputed.

use crate::revision;
use crate::value::{self, Value};

/// The data key listing the nodes whose revision the chart set.
pub const CHART_REVISIONS: &str = "chart-revisions.json";

/// What a revisions ConfigMap's name adds to its cluster's name.
pub const SUFFIX: &str = "-deployment-revisions";

/// A revisions ConfigMap, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredMap {
    pub namespace: String,
    pub name: String,
    /// Node key → stored revision (`revisions.json`).
    pub revisions: Vec<(String, String)>,
    /// Node key → the hashed input (`nodes.json`).
    pub nodes: Vec<(String, Value)>,
    /// Keys whose revision the chart set (`chart-revisions.json`): their
    /// stored revision is the chart's, not a hash of their input.
    pub chart: Vec<String>,
}

impl StoredMap {
    /// The cluster it records: its name less [`SUFFIX`].
    pub fn cluster(&self) -> &str {
        self.name.strip_suffix(SUFFIX).unwrap_or(&self.name)
    }

    /// The stored revision of `key`.
    pub fn revision(&self, key: &str) -> Option<&str> {
        self.revisions
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, r)| r.as_str())
    }

    /// The hashed input stored for `key` (`nodes.json`).
    pub fn input(&self, key: &str) -> Option<&Value> {
        self.nodes.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// The revision label of a stored input: what `render` hashes it to.
pub fn hash(input: &Value) -> String {
    let mut s = String::new();
    crate::json::canonical(input, &mut s);
    revision::sha256_hex(&s)[..revision::LABEL_LEN].to_string()
}

/// One node of a stored map, recomputed.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredNode {
    pub key: String,
    pub stored: Option<String>,
    pub recomputed: Option<String>,
    /// The canonical text of the stored input.
    pub input: Option<String>,
    /// The stored revision is the chart's (`chart-revisions.json`).
    pub chart: bool,
}

impl StoredNode {
    /// Whether the stored revision is what it should be: its input's hash,
    /// or, for a revision the chart set, there at all.
    pub fn matches(&self) -> bool {
        self.stored.is_some() && (self.chart || self.stored == self.recomputed)
    }
}

fn parse_json(text: &str, what: &str) -> Result<Value, String> {
    value::read(text, Default::default())
        .map_err(|e| {
            let message = e.message.trim_start_matches("malformed YAML: ");
            match e.line {
                0 => format!("{what} is not JSON: {message}"),
                n => format!("{what} is not JSON: line {n} of {what}: {message}"),
            }
        })?
        .ok_or(format!("{what} is empty"))
}

/// Whether `o` is a revisions ConfigMap express-waves wrote: a ConfigMap
/// labelled `app.kubernetes.io/created-by: express-waves` holding
/// `revisions.json` or `nodes.json`. A chart's own map of that shape (seed
/// 003, kept with `--no-revision-configmap`) is not read as one.
pub fn is_revisions_map(o: &Value) -> bool {
    o.get("kind").and_then(Value::as_str) == Some("ConfigMap")
        && crate::model::created_by_express_waves(o)
        && (o.at(&["data", "revisions.json"]).is_some() || o.at(&["data", "nodes.json"]).is_some())
}

/// The revisions ConfigMaps among `objects` (those holding `revisions.json`
/// or `nodes.json`).
pub fn find(objects: &[Value]) -> Vec<Result<StoredMap, String>> {
    objects
        .iter()
        .filter(|o| is_revisions_map(o))
        .map(parse)
        .collect()
}

/// Parses one revisions ConfigMap.
pub fn parse(o: &Value) -> Result<StoredMap, String> {
    let (namespace, name) = crate::live::id(o);
    let map_of = |field: &str| -> Result<Vec<(String, Value)>, String> {
        match o.at(&["data", field]) {
            None => Ok(Vec::new()),
            Some(Value::Str(text)) => match parse_json(text, field)? {
                Value::Map(m) => Ok(m),
                _ => Err(format!("{field} is not a JSON object")),
            },
            Some(_) => Err(format!("data.{field} is not a string")),
        }
    };
    let revisions = map_of("revisions.json")?
        .into_iter()
        .map(|(k, v)| match v {
            Value::Str(s) => Ok((k, s)),
            _ => Err(format!(
                "revisions.json: the revision of {k} is not a string"
            )),
        })
        .collect::<Result<_, _>>()?;
    let chart = match o.at(&["data", CHART_REVISIONS]) {
        None => Vec::new(),
        Some(Value::Str(text)) => match parse_json(text, CHART_REVISIONS)? {
            Value::Seq(keys) => keys
                .into_iter()
                .map(|k| match k {
                    Value::Str(k) => Ok(k),
                    _ => Err(format!(
                        "{CHART_REVISIONS} holds a key that is not a string"
                    )),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(format!("{CHART_REVISIONS} is not a JSON list")),
        },
        Some(_) => return Err(format!("data.{CHART_REVISIONS} is not a string")),
    };
    Ok(StoredMap {
        namespace,
        name,
        revisions,
        nodes: map_of("nodes.json")?,
        chart,
    })
}

/// Recomputes every node of a stored map from its own `nodes.json`.
pub fn check(map: &StoredMap) -> Vec<StoredNode> {
    let mut keys: Vec<&str> = map.revisions.iter().map(|(k, _)| k.as_str()).collect();
    for (k, _) in &map.nodes {
        if !keys.contains(&k.as_str()) {
            keys.push(k);
        }
    }
    keys.into_iter()
        .map(|key| {
            let stored = map.revision(key).map(str::to_string);
            let input = map.input(key).map(|v| {
                let mut s = String::new();
                crate::json::canonical(v, &mut s);
                s
            });
            let recomputed = map.input(key).map(hash);
            StoredNode {
                key: key.to_string(),
                stored,
                recomputed,
                input,
                chart: map.chart.iter().any(|k| k == key),
            }
        })
        .collect()
}
