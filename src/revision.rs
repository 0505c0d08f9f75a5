//! Deployment revisions: a stable hash of what a node runs.
//!
//! The hashed input of a node is the canonical JSON (see `json.rs`) of
//!
//! ```text
//! {"kind": <kind>, "spec": <spec without deploymentDependencies>}
//! ```
//!
//! where `spec` is the node's `spec` as Go reads it (a missing or null `spec`
//! is `{}`). The revision is the SHA-256 of those UTF-8 bytes: the label
//! `express.medallia.com/deployment-revision` holds its first 16 lower-case
//! hex characters (a label value holds at most 63), the annotation
//! `express.medallia.com/deployment-revision-sha256` all 64.
//!
//! Dependencies are left out so that a change to one node (its version, its
//! revision) does not restart the nodes that depend on it. Recompute by hand:
//! `printf '%s' "$INPUT" | sha256sum | cut -c1-16`.

use crate::json;
use crate::value::Value;
use sha2::{Digest as _, Sha256};

/// Characters of the digest kept in the label.
pub const LABEL_LEN: usize = 16;

/// A computed revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    /// The exact text that was hashed, without spare capacity.
    pub input: Box<str>,
    pub digest: Digest,
}

impl Revision {
    /// The full SHA-256, 64 lower-case hex characters.
    pub fn sha256(&self) -> &str {
        self.digest.sha256()
    }

    /// The short form used as the label value.
    pub fn short(&self) -> &str {
        self.digest.short()
    }
}

/// A SHA-256 in lower-case hex, held in place (every node of a render
/// keeps one).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Digest([u8; 64]);

impl Digest {
    /// All 64 characters.
    pub fn sha256(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hex digits are ASCII")
    }

    /// The short form used as the label value.
    pub fn short(&self) -> &str {
        &self.sha256()[..LABEL_LEN]
    }
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.sha256())
    }
}

/// What is hashed for a node: `{"kind": kind, "spec": spec}` with the
/// spec's `deploymentDependencies` left out.
pub fn hashed(kind: &str, spec: Option<&Value>) -> Value {
    let spec = match spec {
        Some(Value::Map(m)) => Value::Map(
            m.iter()
                .filter(|(k, _)| k != "deploymentDependencies")
                .cloned()
                .collect(),
        ),
        None | Some(Value::Null) => Value::Map(Vec::new()),
        Some(other) => other.clone(),
    };
    Value::Map(vec![
        ("kind".into(), Value::Str(kind.into())),
        ("spec".into(), spec),
    ])
}

/// The canonical hashed input of a node: [`hashed`] in canonical JSON,
/// written without building it (`"kind"` sorts before `"spec"`).
pub fn input(kind: &str, spec: Option<&Value>) -> String {
    let mut out = String::from("{\"kind\":");
    json::string(kind, &mut out);
    out.push_str(",\"spec\":");
    match spec {
        Some(Value::Map(m)) => json::canonical_map(m, Some("deploymentDependencies"), &mut out),
        None | Some(Value::Null) => out.push_str("{}"),
        Some(other) => json::canonical(other, &mut out),
    }
    out.push('}');
    out
}

/// SHA-256 of `text` in lower-case hex.
pub fn sha256_hex(text: &str) -> String {
    digest(text).sha256().to_string()
}

fn digest(text: &str) -> Digest {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = [0u8; 64];
    for (i, b) in digest.iter().enumerate() {
        hex[2 * i] = HEX[usize::from(b >> 4)];
        hex[2 * i + 1] = HEX[usize::from(b & 15)];
    }
    Digest(hex)
}

/// The revision of a node of `kind` with `spec`.
pub fn compute(kind: &str, spec: Option<&Value>) -> Revision {
    let input = input(kind, spec);
    Revision {
        digest: digest(&input),
        input: input.into_boxed_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(src: &str) -> Value {
        crate::value::parse_for_test(src).unwrap()
    }

    #[test]
    fn known_digest() {
        // printf '%s' '{"kind":"Frontend","spec":{}}' | sha256sum
        let r = compute("Frontend", None);
        assert_eq!(&*r.input, r#"{"kind":"Frontend","spec":{}}"#);
        assert_eq!(r.sha256(), sha256_hex(r#"{"kind":"Frontend","spec":{}}"#));
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(r.short().len(), 16);
    }

    #[test]
    fn the_input_is_the_hashed_value_in_canonical_json() {
        for src in [
            "x: 1\ndeploymentDependencies: {a: 1}\nkind: z\n",
            "{}",
            "[1, 2]",
            "\"text\"",
            "~",
        ] {
            let v = spec(src);
            let mut want = String::new();
            json::canonical(&hashed("Backend", Some(&v)), &mut want);
            assert_eq!(input("Backend", Some(&v)), want, "{src}");
        }
        let mut want = String::new();
        json::canonical(&hashed("Frontend", None), &mut want);
        assert_eq!(input("Frontend", None), want);
    }

    #[test]
    fn key_order_and_formatting_do_not_matter() {
        let a = spec("x: 1\ny: {b: 2, a: 'q'}\n");
        let b = spec("y:\n  a: q\n  b: 2\nx: 1.0\n");
        assert_eq!(compute("Backend", Some(&a)), compute("Backend", Some(&b)));
    }

    #[test]
    fn dependencies_do_not_matter_but_everything_else_does() {
        let a = spec("expressVersion: v1\ndeploymentDependencies: {upgradePrerequisites: []}\n");
        let b = spec("expressVersion: v1\n");
        let c = spec("expressVersion: v2\n");
        assert_eq!(compute("Frontend", Some(&a)), compute("Frontend", Some(&b)));
        assert_ne!(compute("Frontend", Some(&a)), compute("Frontend", Some(&c)));
        assert_ne!(compute("Frontend", Some(&b)), compute("Backend", Some(&b)));
    }
}
