//! Values as Go reads them: the meaning Helm, Argo CD and kubectl give YAML.
//!
//! Kubernetes tools read YAML with `sigs.k8s.io/yaml` over go-yaml v2, which
//! follows YAML 1.1: plain `yes`, `on`, `y` are booleans, `0123` is octal,
//! `1_000` is an integer, `1e400` is a string, and mapping keys become JSON
//! object keys. [`resolve_plain`] reproduces go-yaml v2's `resolve` for plain
//! scalars exactly, so a value re-written by `emit.rs` means to Go what the
//! input meant. What cannot be carried over faithfully (explicit tags other
//! than `!!str`, merge keys, non-finite floats, keys that are not strings,
//! integers or booleans, duplicate keys) is refused with the JSON pointer of
//! the offending place.

use crate::yaml::{Limits, Node, ReadError, Style};

mod resolve;
pub use resolve::{Resolved, is_keyword, resolve_plain, resolve_plain_unless_string};

/// A JSON-like value, as Go would hold it after reading the YAML.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Go's int64 or uint64.
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Value>),
    /// Keys in document order; unique.
    Map(Vec<(String, Value)>),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        match self {
            Value::Map(m) => m.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows a path of mapping keys.
    pub fn at(&self, path: &[&str]) -> Option<&Value> {
        path.iter().try_fold(self, |v, k| v.get(k))
    }

    /// The string at `path`, or `""` when there is none (absent, or not a
    /// string): for names read off objects where an empty one means "not
    /// set".
    pub fn str_at(&self, path: &[&str]) -> &str {
        self.at(path).and_then(Value::as_str).unwrap_or("")
    }

    /// Sets `key` in a mapping: replaced in place if present, appended if not.
    /// Does nothing on a non-mapping.
    pub fn set(&mut self, key: &str, value: Value) {
        if let Value::Map(m) = self {
            match m.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value,
                None => m.push((key.to_string(), value)),
            }
        }
    }

    /// The mapping under `key`, created (empty) if missing or null.
    /// Returns `None` if something other than a mapping is there.
    pub fn map_entry(&mut self, key: &str) -> Option<&mut Value> {
        if !matches!(self.get(key), Some(Value::Map(_))) {
            if matches!(self.get(key), None | Some(Value::Null)) {
                self.set(key, Value::Map(Vec::new()));
            } else {
                return None;
            }
        }
        self.get_mut(key)
    }

    /// Removes `key` from a mapping.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        match self {
            Value::Map(m) => {
                let i = m.iter().position(|(k, _)| k == key)?;
                Some(m.remove(i).1)
            }
            _ => None,
        }
    }

    /// A short name of the type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Appends a JSON-pointer segment (`~` and `/` escaped).
pub fn pointer_push(path: &str, seg: &str) -> String {
    let mut p = String::with_capacity(path.len() + seg.len() + 1);
    p.push_str(path);
    p.push('/');
    for c in seg.chars() {
        match c {
            '~' => p.push_str("~0"),
            '/' => p.push_str("~1"),
            c => p.push(c),
        }
    }
    p
}

/// Where a node is in its document, as a JSON pointer (`~` and `/`
/// escaped) written out only when a message names it: building one for
/// every node cost a render a large share of its allocations.
#[derive(Clone, Copy)]
pub enum Pointer<'a> {
    Root,
    Key(&'a Pointer<'a>, &'a str),
    Index(&'a Pointer<'a>, usize),
}

impl std::fmt::Display for Pointer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;
        match self {
            Pointer::Root => Ok(()),
            Pointer::Index(up, i) => write!(f, "{up}/{i}"),
            Pointer::Key(up, key) => {
                write!(f, "{up}/")?;
                key.chars().try_for_each(|c| match c {
                    '~' => f.write_str("~0"),
                    '/' => f.write_str("~1"),
                    c => f.write_char(c),
                })
            }
        }
    }
}

/// The pointer for a message: `/` for the document itself.
fn at(path: &Pointer<'_>) -> String {
    match path {
        Pointer::Root => "/".to_string(),
        p => p.to_string(),
    }
}

/// Converts a syntax tree to the value Go would read, or says why it can't be
/// carried over faithfully (naming where, by JSON pointer). The tree's
/// owned text moves into the value.
pub fn from_node(node: Node<'_>) -> Result<Value, String> {
    value_at(node, &Pointer::Root)
}

fn value_at(node: Node<'_>, path: &Pointer<'_>) -> Result<Value, String> {
    match node {
        Node::Scalar { text, style, tag } => scalar(text, style, tag.as_deref(), path),
        Node::Seq { items, tag } => {
            check_tag(tag.as_deref(), "seq", path)?;
            items
                .into_iter()
                .enumerate()
                .map(|(i, n)| value_at(n, &Pointer::Index(path, i)))
                .collect::<Result<_, _>>()
                .map(Value::Seq)
        }
        Node::Map { entries, tag } => {
            check_tag(tag.as_deref(), "map", path)?;
            let mut out: Vec<(String, Value)> = Vec::with_capacity(entries.len());
            // Small maps (nearly all) are checked for duplicate keys by a
            // look at the keys so far; large ones with a set.
            let mut seen = (entries.len() > 16).then(std::collections::HashSet::new);
            for (k, v) in entries {
                let key = key_string(k, path)?;
                let duplicate = match &mut seen {
                    Some(seen) => !seen.insert(key.clone()),
                    None => out.iter().any(|(k, _)| *k == key),
                };
                if duplicate {
                    return Err(format!(
                        "duplicate key `{key}` at {} (Go keeps the last one silently; remove one)",
                        at(path)
                    ));
                }
                let value = value_at(v, &Pointer::Key(path, &key))?;
                out.push((key, value));
            }
            Ok(Value::Map(out))
        }
    }
}

fn is_core_tag(tag: &str, name: &str) -> bool {
    tag.strip_prefix("tag:yaml.org,2002:")
        .or_else(|| tag.strip_prefix("!!"))
        == Some(name)
}

fn check_tag(tag: Option<&str>, kind: &str, path: &Pointer<'_>) -> Result<(), String> {
    match tag {
        None => Ok(()),
        Some(t) if is_core_tag(t, kind) => Ok(()),
        Some(t) => Err(format!(
            "explicit tag `{t}` at {} is not supported in Express documents",
            at(path)
        )),
    }
}

fn scalar(
    text: std::borrow::Cow<'_, str>,
    style: Style,
    tag: Option<&str>,
    path: &Pointer<'_>,
) -> Result<Value, String> {
    match tag {
        Some(t) if is_core_tag(t, "str") => return Ok(Value::Str(text.into_owned())),
        Some(t) => {
            return Err(format!(
                "explicit tag `{t}` at {} is not supported in Express documents",
                at(path)
            ));
        }
        None => {}
    }
    if style != Style::Plain {
        return Ok(Value::Str(text.into_owned()));
    }
    match resolve_plain_unless_string(&text) {
        None => Ok(Value::Str(text.into_owned())),
        Some(Resolved::Value(Value::Float(f))) if !f.is_finite() => Err(format!(
            "`{text}` at {} is not a finite number; Kubernetes cannot store it (quote it for a string)",
            at(path)
        )),
        Some(Resolved::Value(v)) => Ok(v),
        Some(Resolved::Merge) => Err(format!(
            "merge key `<<` at {} is not supported in Express documents; write the keys out",
            at(path)
        )),
    }
}

fn key_string(key: Node<'_>, path: &Pointer<'_>) -> Result<String, String> {
    match key {
        Node::Scalar {
            ref text,
            style: Style::Plain,
            tag: None,
        } if text == "<<" => Err(format!(
            "merge key `<<` at {} is not supported in Express documents; write the keys out",
            at(path)
        )),
        Node::Scalar { .. } => match value_at(key, path)? {
            Value::Str(s) => Ok(s),
            // sigs.k8s.io/yaml turns these keys into their text, as here.
            Value::Bool(b) => Ok(b.to_string()),
            Value::Int(i) => Ok(i.to_string()),
            other => Err(format!(
                "a mapping key at {} is {}; only string keys are supported (quote it)",
                at(path),
                other.type_name()
            )),
        },
        _ => Err(format!(
            "a mapping key at {} is a collection; only string keys are supported",
            at(path)
        )),
    }
}

/// Whether Go (go-yaml v2, then sigs.k8s.io/yaml's conversion to JSON, as
/// Helm, Argo CD and kubectl do) can read a document that is passed through
/// unchanged: a `!!binary` scalar must be base64 (go-yaml `decode.go`,
/// `base64.StdEncoding.DecodeString`), and JSON has no place for an
/// infinity, a NaN, or a key that is null or a collection. What Go refuses,
/// render refuses, so a broken chart fails here and not in the cluster.
pub fn go_can_read(node: &Node) -> Result<(), String> {
    readable_at(node, &Pointer::Root)
}

fn readable_at(node: &Node, path: &Pointer<'_>) -> Result<(), String> {
    match node {
        Node::Scalar {
            text,
            style,
            tag,
        } => {
            if let Some(t) = tag
                && is_core_tag(t, "binary")
                && !is_go_base64(text)
            {
                return Err(format!("!!binary at {} is not base64 (Go refuses it)", at(path)));
            }
            // The only plain scalars go-yaml reads as non-finite (its
            // `resolveMap`; every other float out of range is a string).
            let non_finite = matches!(
                text.as_ref(),
                ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf"
                    | "-.INF" | ".nan" | ".NaN" | ".NAN"
            );
            if *style == Style::Plain && tag.is_none() && non_finite {
                return Err(format!(
                    "`{text}` at {}: JSON has no infinity or NaN, so Go's conversion refuses it",
                    at(path)
                ));
            }
            Ok(())
        }
        Node::Seq { items, .. } => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| readable_at(item, &Pointer::Index(path, i))),
        Node::Map { entries, .. } => entries.iter().try_for_each(|(k, v)| {
            let key = match k {
                Node::Scalar { text, style, tag } => {
                    if *style == Style::Plain
                        && tag.is_none()
                        && matches!(&**text, "" | "~" | "null" | "Null" | "NULL")
                    {
                        return Err(format!(
                            "a null key at {}: JSON keys are strings, so Go's conversion refuses it",
                            at(path)
                        ));
                    }
                    // A plain `<<` is a merge key to go-yaml, which
                    // refuses any value but a map or a list of maps
                    // (`decode.go`, `merge`: "map merge requires map or
                    // sequence of maps as the value").
                    let merges_maps = match v {
                        Node::Map { .. } => true,
                        Node::Seq { items, .. } => {
                            items.iter().all(|i| matches!(i, Node::Map { .. }))
                        }
                        Node::Scalar { .. } => false,
                    };
                    if *style == Style::Plain && tag.is_none() && text == "<<" && !merges_maps {
                        return Err(format!(
                            "the merge key `<<` at {} has a value that is not a map or a list of maps, which Go refuses",
                            at(path)
                        ));
                    }
                    text.as_ref()
                }
                _ => {
                    return Err(format!(
                        "a key at {} is a collection: JSON keys are strings, so Go's conversion refuses it",
                        at(path)
                    ));
                }
            };
            readable_at(v, &Pointer::Key(path, key))
        }),
    }
}

/// Go's `base64.StdEncoding.DecodeString` (not strict): line breaks are
/// skipped; the rest is whole groups of four from the standard alphabet,
/// `=` only as the last one or two.
fn is_go_base64(text: &str) -> bool {
    let b: Vec<u8> = text.bytes().filter(|&c| c != b'\r' && c != b'\n').collect();
    if !b.len().is_multiple_of(4) {
        return false;
    }
    let pad = b.iter().rev().take_while(|&&c| c == b'=').count();
    pad <= 2
        && b[..b.len() - pad]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
}

/// One document's text as Go reads it: the syntax tree (under `limits`),
/// then its value. `Ok(None)` for an empty or comment-only document. A
/// value that cannot be carried over is an error at line 0 (it has a JSON
/// pointer instead).
pub fn read(text: &str, limits: Limits) -> Result<Option<Value>, ReadError> {
    let Some(node) = crate::yaml::read_document(text, limits)? else {
        return Ok(None);
    };
    from_node(node)
        .map(Some)
        .map_err(|message| ReadError { line: 0, message })
}

/// Test helper: the value of one YAML document, which must carry over.
#[cfg(test)]
pub(crate) fn test_value(src: &str) -> Value {
    parse_for_test(src).unwrap_or_else(|e| panic!("{src}: {e}"))
}

/// Test helper: the value of one YAML document as Go reads it, or why it
/// can't be carried over.
#[cfg(test)]
pub(crate) fn parse_for_test(src: &str) -> Result<Value, String> {
    read(src, Limits::default())
        .map_err(|e| e.message)?
        .ok_or_else(|| "empty document".into())
}

#[cfg(test)]
mod tests;
