//! What a document is, read from its syntax tree before it is a value: an
//! Express CR, a ConfigMap, or anything else; and the Express CRs (or
//! approval gates) Go would see in it that a plain reading would not.

use crate::yaml::{Node, Style};

use super::{ExpressKind, in_group, qualified};

/// What a document is, from its syntax tree.
#[derive(Debug, PartialEq)]
pub enum Identity {
    Express(ExpressKind),
    /// A `v1` ConfigMap: `(namespace, name)`.
    ConfigMap(String, String),
    Other,
}

/// Classifies a document. An `apiVersion` in `group` with an unknown kind is
/// an error: it is meant for the operator, and express-waves would otherwise
/// pass it through unordered.
pub fn identify(node: &Node, group: &str) -> Result<Identity, String> {
    // Approval gates too: one hidden in a List would pass beside the gate
    // render writes of that name.
    refuse_hidden(node, &[group, crate::gate::GROUP])?;
    let api = node
        .get("apiVersion")
        .and_then(Node::as_scalar)
        .unwrap_or("");
    let kind = node.get("kind").and_then(Node::as_scalar).unwrap_or("");
    let api_group = api.split_once('/').map_or(api, |(g, _)| g);
    if api == group || (api_group != group && api_group.eq_ignore_ascii_case(group)) {
        return Err(format!(
            "apiVersion `{api}` looks like the {group} group but is not `{group}/<version>`: the API server would not take it for an Express CR, and it would go out without a wave; write `{group}/<version>`"
        ));
    }
    if in_group(api, group) {
        return ExpressKind::from_name(kind)
            .map(Identity::Express)
            .ok_or_else(|| {
                format!("unknown {group} kind `{kind}` (expected Cluster, Backend or Frontend)")
            });
    }
    if api == "v1" && kind == "ConfigMap" {
        let meta = node.get("metadata");
        let s = |k: &str| {
            meta.and_then(|m| m.get(k))
                .and_then(Node::as_scalar)
                .unwrap_or("")
                .to_string()
        };
        return Ok(Identity::ConfigMap(s("namespace"), s("name")));
    }
    Ok(Identity::Other)
}

/// `kind` and `namespace/name` as written, for messages.
pub fn label_of(node: &Node) -> (Option<String>, Option<String>) {
    let kind = node
        .get("kind")
        .and_then(Node::as_scalar)
        .map(str::to_string);
    let meta = node.get("metadata");
    let name = meta.and_then(|m| m.get("name")).and_then(Node::as_scalar);
    let ns = meta
        .and_then(|m| m.get("namespace"))
        .and_then(Node::as_scalar);
    let name = name.map(|n| qualified(ns.unwrap_or(""), n));
    (kind, name)
}

/// Refuses CRs of `groups` (the Express group, and the approval gates')
/// that Go would see in this document but a reading of its plain
/// `apiVersion` would not, so they would go out with no wave, no
/// dependency and no revision: an `apiVersion` behind a `!!binary` tag
/// (base64 to Go), one given by a top-level merge key (`<<`, which
/// go-yaml v2 applies), and the items of a `List` (kubectl and Argo CD
/// unpack `*List` kinds). One walk of the document for all the groups.
fn refuse_hidden(node: &Node, groups: &[&str]) -> Result<(), String> {
    let group_of = |api: &str| groups.iter().copied().find(|g| in_group(api, g));
    let named_group = |n: &Node| {
        n.get("apiVersion")
            .and_then(Node::as_scalar)
            .and_then(group_of)
    };
    if let Some(Node::Scalar {
        text, tag: Some(t), ..
    }) = node.get("apiVersion")
        && (t == "!!binary" || t == "tag:yaml.org,2002:binary")
        && let Some(group) = base64(text).and_then(|api| group_of(&api))
    {
        return Err(format!(
            "apiVersion is !!binary for a CR of {group}: write it as plain text"
        ));
    }
    if let Node::Map { entries, .. } = node {
        for (k, v) in entries {
            if !matches!(k, Node::Scalar { text, style: Style::Plain, tag: None } if text == "<<") {
                continue;
            }
            let found = match v {
                Node::Seq { items, .. } => items.iter().find_map(named_group),
                other => named_group(other),
            };
            if let Some(group) = found {
                return Err(format!(
                    "a merge key (<<) gives this document an apiVersion in {group}: write apiVersion and kind plainly"
                ));
            }
        }
    }
    let kind = node.get("kind").and_then(Node::as_scalar).unwrap_or("");
    if kind.ends_with("List")
        && let Some(Node::Seq { items, .. }) = node.get("items")
        && let Some((i, item, group)) = items
            .iter()
            .enumerate()
            .find_map(|(i, item)| named_group(item).map(|g| (i, item, g)))
    {
        let (ikind, name) = label_of(item);
        return Err(format!(
            "item {} of this {kind} is a {} of {group} ({}): Argo CD and kubectl unpack Lists, so it would go out without a wave; render it as a document of its own",
            i + 1,
            ikind.unwrap_or_default(),
            name.unwrap_or_default()
        ));
    }
    Ok(())
}

/// Standard base64 (what go-yaml decodes a `!!binary` scalar with), white
/// space ignored, read as text the way Go's string conversion keeps it
/// (invalid UTF-8 replaced); `None` if it is not base64.
fn base64(text: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => continue,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}
