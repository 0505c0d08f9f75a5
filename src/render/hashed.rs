//! The hashed inputs a render records in the revisions ConfigMaps'
//! `nodes.json`, held from reading until they are written.
//!
//! Nodes of a cluster are rendered from one template and differ in a few
//! places, so each input is held as the difference from the input of the
//! node read just before it, when that node is of the same cluster: the
//! length of the text they share at the start, the length they share at the
//! end, and what stands between ([`Input::Delta`]). The first node of a run
//! of the same cluster is held whole. Written out, each cluster's inputs
//! are rebuilt in the order they were read ([`rebuild`]) and are the exact
//! texts that were hashed: the debug build checks each delta against its
//! text when it is made.

/// One node's hashed input, as held.
#[derive(Debug)]
pub(super) enum Input {
    Whole(Box<str>),
    /// The text of the node of the same cluster read before it, with
    /// everything between its first `prefix` and last `suffix` bytes
    /// replaced by `middle`.
    Delta {
        prefix: u32,
        suffix: u32,
        middle: Box<str>,
    },
}

/// While reading: the last node's cluster and input, against which the
/// next node of the same cluster is held.
#[derive(Default)]
pub(super) struct Deltas {
    last: Option<(String, String, Box<str>)>,
}

impl Deltas {
    /// `text`, the input of a node of `(namespace, cluster)`, as held.
    pub(super) fn hold(&mut self, namespace: &str, cluster: &str, text: Box<str>) -> Input {
        let held = match &self.last {
            Some((ns, c, prev)) if ns == namespace && c == cluster => delta(prev, &text),
            _ => Input::Whole(text.clone()),
        };
        match &mut self.last {
            Some((ns, c, prev)) if ns == namespace && c == cluster => *prev = text,
            last => *last = Some((namespace.to_string(), cluster.to_string(), text)),
        }
        held
    }
}

/// `text` as the difference from `prev`.
fn delta(prev: &str, text: &str) -> Input {
    let (a, b) = (prev.as_bytes(), text.as_bytes());
    let mut prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    // Cut on character boundaries, so that every part is text.
    while !text.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let room = a.len().min(b.len()) - prefix;
    let mut suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(room)
        .take_while(|(x, y)| x == y)
        .count();
    while !text.is_char_boundary(b.len() - suffix) || !prev.is_char_boundary(a.len() - suffix) {
        suffix -= 1;
    }
    let (Ok(p), Ok(s)) = (u32::try_from(prefix), u32::try_from(suffix)) else {
        return Input::Whole(text.into());
    };
    let held = Input::Delta {
        prefix: p,
        suffix: s,
        middle: text[prefix..b.len() - suffix].into(),
    };
    debug_assert_eq!(apply(prev, &held), text, "a delta rebuilds its text");
    held
}

/// The text `held` stands for, `prev` being the text of the node before it.
fn apply(prev: &str, held: &Input) -> String {
    match held {
        Input::Whole(t) => t.to_string(),
        Input::Delta {
            prefix,
            suffix,
            middle,
        } => {
            let (p, s) = (*prefix as usize, *suffix as usize);
            let mut t = String::with_capacity(p + middle.len() + s);
            t.push_str(&prev[..p]);
            t.push_str(middle);
            t.push_str(&prev[prev.len() - s..]);
            t
        }
    }
}

/// The texts of one cluster's inputs, given in the order they were read.
pub(super) fn rebuild<'i>(inputs: impl IntoIterator<Item = &'i Input>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for held in inputs {
        let text = match (held, out.last()) {
            (Input::Delta { .. }, Some(prev)) => apply(prev, held),
            (Input::Whole(t), _) => t.to_string(),
            (Input::Delta { .. }, None) => unreachable!("a cluster's first input is held whole"),
        };
        out.push(text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(texts: &[(&str, &str)]) -> Vec<String> {
        let mut d = Deltas::default();
        let held: Vec<Input> = texts
            .iter()
            .map(|(cluster, t)| d.hold("ns", cluster, (*t).into()))
            .collect();
        let mut out = Vec::new();
        // Rebuilt per cluster, each in reading order.
        for cluster in ["a", "b"] {
            let mine: Vec<&Input> = texts
                .iter()
                .zip(&held)
                .filter(|((c, _), _)| *c == cluster)
                .map(|(_, h)| h)
                .collect();
            out.extend(rebuild(mine));
        }
        out
    }

    #[test]
    fn every_input_is_rebuilt_exactly_whatever_it_shares_with_the_one_before() {
        let texts = [
            ("a", r#"{"kind":"Backend","spec":{"serviceName":"be"}}"#),
            ("a", r#"{"kind":"Frontend","spec":{"serviceName":"fe1"}}"#),
            ("a", r#"{"kind":"Frontend","spec":{"serviceName":"fe2"}}"#),
            ("a", r#"{"kind":"Frontend","spec":{"serviceName":"fe2"}}"#),
            ("a", "aa"),
            ("a", "aaa"),
            ("a", "a"),
            ("a", ""),
            ("a", "é€x"),
            ("a", "é€y"),
            ("a", "ü€x"),
            ("a", "€"),
            ("a", "x€"),
        ];
        let out = round_trip(&texts);
        let want: Vec<&str> = texts.iter().map(|(_, t)| *t).collect();
        assert_eq!(out, want);
    }

    #[test]
    fn a_node_after_another_clusters_node_is_held_whole_and_rebuilt_in_its_own_cluster() {
        let texts = [("a", "{1}"), ("b", "{2}"), ("a", "{1x}"), ("b", "{2y}")];
        let mut d = Deltas::default();
        let held: Vec<Input> = texts
            .iter()
            .map(|(c, t)| d.hold("ns", c, (*t).into()))
            .collect();
        assert!(held.iter().all(|h| matches!(h, Input::Whole(_))));
        assert_eq!(round_trip(&texts), ["{1}", "{1x}", "{2}", "{2y}"]);
    }

    #[test]
    fn nodes_of_one_template_are_held_in_a_few_bytes() {
        let be = r#"{"kind":"Frontend","spec":{"heapSize":"12g","serviceName":"fe1.express","tenant":"acme"}}"#;
        let mut d = Deltas::default();
        d.hold("ns", "a", be.into());
        match d.hold("ns", "a", be.replace("fe1", "fe2").into()) {
            Input::Delta { middle, .. } => assert_eq!(&*middle, "2"),
            Input::Whole(_) => panic!("held whole"),
        }
    }
}
