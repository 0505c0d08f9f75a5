//! Writing a planned render: passed-through documents byte for byte from
//! the input; Express documents with their edits spliced into their text
//! ([`splice`]), or, where their layout cannot vouch for that, read again,
//! patched and written anew (keeping their separator line and leading
//! comments); each new approval gate and revisions ConfigMap after its
//! cluster's last document. Nothing here can fail on the input: it was all read and
//! checked before.

use std::collections::HashMap;

use crate::emit;
use crate::error::{Error, Result};
use crate::gate::Gate;
use crate::stream::Chunk;
use crate::value::{self, Value};
use crate::yaml::Limits;

use super::Source;
use super::configmap::RevisionsMap;
use super::express::express_of;
use super::patch;
use super::read::{Doc, What};
use super::splice;

/// A render, planned and checked: every document was read and every
/// decision made; writing it splices each Express document's edits into
/// its text (or reads it again, where its layout cannot vouch for that) and
/// cannot fail on the input any more, so an error never leaves a half
/// stream.
pub struct Rendering<'a> {
    pub(super) sources: &'a [Source],
    pub(super) docs: Vec<Doc<'a>>,
    /// New revisions ConfigMaps, written after the document they follow.
    pub(super) inserts: HashMap<usize, RevisionsMap>,
    /// New approval gates, written after the document they follow (before
    /// a revisions ConfigMap there).
    pub(super) gate_inserts: HashMap<usize, Vec<Gate>>,
    pub(super) limits: Limits,
    /// How many Backends and Frontends it holds.
    pub nodes: usize,
}

impl<'a> Rendering<'a> {
    /// How many bytes [`Self::write_to`] writes (a dry write).
    pub fn output_len(&self) -> Result<u64> {
        struct Count(u64);
        impl std::io::Write for Count {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0 += b.len() as u64;
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut count = Count(0);
        self.write_to(&mut count)?;
        Ok(count.0)
    }

    /// The whole output in one buffer.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.sources.iter().map(|s| s.bytes.len() * 5 / 4).sum());
        self.write_to(&mut out)?;
        Ok(out)
    }

    /// Writes the output stream.
    pub fn write_to(&self, w: &mut dyn std::io::Write) -> Result<()> {
        let io = |e| Error::io("cannot write the output", e);
        let mut last: Option<u8> = None;
        fn put(
            w: &mut dyn std::io::Write,
            last: &mut Option<u8>,
            bytes: &[u8],
        ) -> std::io::Result<()> {
            if let Some(&b) = bytes.last() {
                *last = Some(b);
            }
            w.write_all(bytes)
        }
        let mut current_source = None;
        let mut buf = Vec::new();
        for (i, d) in self.docs.iter().enumerate() {
            if current_source != Some(d.source) {
                current_source = Some(d.source);
                // Sources are joined into one stream: the next one starts on
                // a new line, and with a separator if it has none.
                if last.is_some() {
                    if last != Some(b'\n') {
                        put(w, &mut last, b"\n").map_err(io)?;
                    }
                    if d.chunk.separator_len == 0 && !self.sources[d.source].bytes.is_empty() {
                        put(w, &mut last, b"---\n").map_err(io)?;
                    }
                }
            }
            match &d.what {
                What::Pass | What::ConfigMap(_) | What::Gate(_) => {
                    put(w, &mut last, d.chunk.bytes).map_err(io)?
                }
                What::Dropped => {}
                What::GateReplaced(gate) => {
                    buf.clear();
                    write_value(&d.chunk, &gate.to_value(), &mut buf);
                    put(w, &mut last, &buf).map_err(io)?;
                }
                What::Express(_) => {
                    buf.clear();
                    self.write_express(i, &mut buf)?;
                    put(w, &mut last, &buf).map_err(io)?;
                }
                What::Replaced(map) => {
                    buf.clear();
                    write_value(&d.chunk, &map.to_value(&self.docs), &mut buf);
                    put(w, &mut last, &buf).map_err(io)?;
                }
            }
            let gates = self.gate_inserts.get(&i).into_iter().flatten();
            let added = gates
                .map(Gate::to_value)
                .chain(self.inserts.get(&i).map(|map| map.to_value(&self.docs)));
            for doc in added {
                if last != Some(b'\n') {
                    put(w, &mut last, b"\n").map_err(io)?;
                }
                let mut s = String::from("---\n");
                emit::document(&doc, &mut s);
                put(w, &mut last, s.as_bytes()).map_err(io)?;
            }
        }
        Ok(())
    }

    /// Express document `i` with its edits: spliced into its text where
    /// its layout allows, else read again, patched and written anew.
    fn write_express(&self, i: usize, out: &mut Vec<u8>) -> Result<()> {
        let d = &self.docs[i];
        let e = express_of(&self.docs, i);
        if let Some(layout) = &e.layout
            && splice::splice(d.chunk.bytes, layout, patch::edits(&self.docs, i), out)
        {
            #[cfg(debug_assertions)]
            self.check_splice(i, std::str::from_utf8(out).expect("UTF-8 in, UTF-8 out"));
            return Ok(());
        }
        let mut v = match &e.value {
            Some(v) => Value::clone(v),
            None => reread(d, self.limits)?,
        };
        // The splice took the edits: made again (rarely) for the value.
        patch::apply(patch::edits(&self.docs, i), &mut v);
        write_value(&d.chunk, &v, out);
        Ok(())
    }

    /// Debug builds (every test) check each splice against the value
    /// patched: Go must read the same from both.
    #[cfg(debug_assertions)]
    fn check_splice(&self, i: usize, spliced: &str) {
        let mut want = reread(&self.docs[i], self.limits).expect("read before");
        patch::apply(patch::edits(&self.docs, i), &mut want);
        let got = value::read(spliced, self.limits)
            .unwrap_or_else(|e| panic!("the splice is unreadable: {}\n{spliced}", e.message))
            .expect("a document");
        let (mut a, mut b) = (String::new(), String::new());
        crate::json::canonical(&want, &mut a);
        crate::json::canonical(&got, &mut b);
        assert_eq!(a, b, "the splice means otherwise:\n{spliced}");
    }
}

fn ensure_newline(out: &mut Vec<u8>) {
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.push(b'\n');
    }
}

/// Writes a re-serialised document in place of `chunk`, keeping its
/// separator line and leading comments.
fn write_value(chunk: &Chunk<'_>, v: &Value, out: &mut Vec<u8>) {
    let sep = chunk.separator();
    if !sep.is_empty() {
        if crate::stream::separator_rest_is_blank(sep) {
            out.extend_from_slice(sep);
            ensure_newline(out);
        } else {
            out.extend_from_slice(b"---\n");
        }
    }
    out.extend_from_slice(chunk.leading_comments());
    ensure_newline(out);
    // Emit straight into the buffer: the YAML writer produces UTF-8 text.
    let mut s = String::from_utf8(std::mem::take(out)).expect("separator and comments are UTF-8");
    emit::document(v, &mut s);
    *out = s.into_bytes();
}

/// Re-reads an Express document for writing (render does not keep them).
fn reread(d: &Doc<'_>, limits: Limits) -> Result<Value> {
    let text = d.chunk.text().map_err(|m| Error::doc(&d.at(), m))?;
    value::read(text, limits)
        .map_err(|e| Error::doc(&d.at(), e.message))?
        .ok_or_else(|| Error::doc(&d.at(), "the document vanished"))
}
