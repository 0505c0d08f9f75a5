//! The recorder: the parser's events of one document turned into the
//! positions of the places and of the entries render sets ([`Seen`]), or
//! nothing (void) where an anchor, an alias, a tag near a place or an
//! empty block-sequence item makes positions untrustworthy.

use saphyr_parser::{Event, ScalarStyle, Span};

use super::text::{End, EntryAt, Key, MapAt, Pos, TextLines};
use super::{Kind, Layout, Lines, PLACES, ROOT, SLOTS, Shape, child, slot};

/// What the recorder saw, in positions.
#[derive(Default)]
struct Seen {
    maps: [Option<MapAt>; PLACES.len()],
    entries: [Option<EntryAt>; SLOTS],
    /// Each place's own entry in its parent, whatever its value.
    own: [Option<EntryAt>; PLACES.len()],
}

/// An open collection.
struct Frame {
    map: bool,
    flow: bool,
    /// The place it is, if it is one written in block style.
    place: Option<usize>,
    /// A collection that is a mapping's key.
    is_key: bool,
    /// Whether the next node is a key (mappings).
    key_next: bool,
    /// The key the next value belongs to.
    key: Option<KeyAt>,
    first_key: Option<Key>,
    entries: usize,
}

/// A key of an open mapping, and what render does with its entry.
#[derive(Clone, Copy)]
struct KeyAt {
    key: Key,
    /// The slot of a key render sets.
    slot: Option<usize>,
    /// The place its value is.
    child: Option<usize>,
}

/// Builds a [`Layout`] from a document's events. One recorder serves a
/// stream's documents in turn, its buffers kept from one to the next.
#[derive(Default)]
pub(in crate::render) struct Recorder {
    seen: Seen,
    void: bool,
    stack: Vec<Frame>,
    /// Where the content seen so far ends.
    last: End,
    /// The line starts of the text being finished.
    starts: Vec<usize>,
}

fn pos(m: &saphyr_parser::Marker) -> Pos {
    Pos {
        line: m.line() as u32,
        col: m.col() as u32,
    }
}

impl Recorder {
    /// The layout, checked against `text`, unless it is void, `text` has
    /// what would make its positions wrong, or its root is not a usable
    /// block mapping.
    /// The recorder is ready for the next document.
    pub(in crate::render) fn finish(&mut self, text: &str) -> Option<Layout> {
        let seen = std::mem::take(&mut self.seen);
        let void = std::mem::replace(&mut self.void, false);
        self.stack.clear();
        self.last = End::default();
        if void {
            return None;
        }
        let lines = TextLines::of(text, &mut self.starts)?;
        let mut layout = Layout {
            unusable: 0,
            kept: Box::new([]),
        };
        let seen = &seen;
        let count = seen.maps.iter().flatten().count()
            + seen.entries.iter().flatten().count()
            + seen.own.iter().flatten().count();
        let mut kept = Vec::with_capacity(count);
        let mut keep = |kind: Kind, lines: Option<Lines>| match lines {
            Some(l) => kept.push((kind, l)),
            None => layout.unusable |= Layout::bit(kind),
        };
        for (p, m) in seen.maps.iter().enumerate() {
            if let Some(m) = m {
                keep(Kind::Map(p as u8), lines.after(m));
            }
        }
        for (s, e) in seen.entries.iter().enumerate() {
            if let Some(e) = e {
                keep(Kind::Entry(s as u8), lines.entry(e));
            }
        }
        for (p, e) in seen.own.iter().enumerate() {
            if let Some(e) = e {
                keep(Kind::Own(p as u8, e.shape), lines.entry(e));
            }
        }
        layout.kept = kept.into_boxed_slice();
        matches!(layout.map(ROOT), Ok(Some(_))).then_some(layout)
    }

    /// Whether the node starting now is a mapping's key; the key (or
    /// parent) bookkeeping for it.
    fn starts_key(&mut self) -> bool {
        match self.stack.last_mut() {
            Some(f) if f.map && f.key_next => {
                f.key_next = false;
                f.entries += 1;
                true
            }
            _ => false,
        }
    }

    /// Whether the node starting now has a place or is a place's entry.
    fn near_place(&self) -> bool {
        self.stack.last().is_none_or(|f| f.place.is_some())
    }

    fn scalar(&mut self, text: &str, style: ScalarStyle, tagged: bool, span: &Span) {
        let (start, end) = (pos(&span.start), pos(&span.end));
        let empty = text.is_empty() && style == ScalarStyle::Plain;
        if tagged && (empty || self.near_place()) {
            self.void = true;
            return;
        }
        if empty && self.stack.last().is_some_and(|f| !f.map && !f.flow) {
            self.void = true;
            return;
        }
        if !empty {
            self.last = End {
                pos: end,
                block: matches!(style, ScalarStyle::Literal | ScalarStyle::Folded),
                key: false,
            };
        }
        if self.starts_key() {
            if empty {
                self.void = true;
                return;
            }
            let f = self.stack.last_mut().expect("a key has a mapping");
            let key = Key { start, end };
            f.first_key.get_or_insert(key);
            let (slot, child) = match f.place {
                Some(p) => (slot(p, text), child(p, text)),
                None => (None, None),
            };
            f.key = Some(KeyAt { key, slot, child });
        } else {
            self.value_done(if empty { Shape::Null } else { Shape::Other }, empty);
        }
    }

    fn open(&mut self, map: bool, flow: bool, tagged: bool) {
        if tagged && self.near_place() {
            self.void = true;
            return;
        }
        let is_key = self.starts_key();
        let place = match self.stack.last() {
            None if map && !flow => Some(ROOT),
            Some(f) if !is_key && map && !flow => f.key.and_then(|k| k.child),
            _ => None,
        };
        if is_key && self.stack.last().is_some_and(|f| f.place.is_some()) {
            self.void = true;
            return;
        }
        self.stack.push(Frame {
            map,
            flow,
            place,
            is_key,
            key_next: map,
            key: None,
            first_key: None,
            entries: 0,
        });
    }

    fn close(&mut self, span: &Span) {
        let Some(f) = self.stack.pop() else {
            self.void = true;
            return;
        };
        if f.flow {
            self.last = End {
                pos: pos(&span.end),
                block: false,
                key: false,
            };
        }
        if let (Some(p), Some(first_key)) = (f.place, f.first_key) {
            self.seen.maps[p] = Some(MapAt {
                first_key,
                end: self.last,
            });
        }
        if !f.is_key {
            let shape = match (f.map, f.flow, f.entries) {
                (true, false, _) => Shape::BlockMap,
                (true, true, 0) => Shape::EmptyFlowMap,
                _ => Shape::Other,
            };
            self.value_done(shape, false);
        }
    }

    /// A value ended: the entry it completes, if render sets its key.
    fn value_done(&mut self, shape: Shape, empty: bool) {
        let Some(f) = self.stack.last_mut() else {
            return;
        };
        if !f.map {
            return;
        }
        f.key_next = true;
        let Some(k) = f.key.take() else { return };
        if empty {
            // The key is the last content, and its `:` follows.
            self.last = End {
                pos: k.key.end,
                block: false,
                key: true,
            };
        }
        if k.slot.is_none() && k.child.is_none() {
            return;
        }
        let at = Some(EntryAt {
            key: k.key,
            end: self.last,
            shape,
        });
        if let Some(s) = k.slot {
            self.seen.entries[s] = at;
        }
        if let Some(c) = k.child {
            self.seen.own[c] = at;
        }
    }
}

impl crate::yaml::Observer for Recorder {
    fn event(&mut self, event: &Event<'_>, span: &Span, flow: bool) {
        if self.void {
            return;
        }
        match event {
            Event::Alias(_) => self.void = true,
            Event::Scalar(_, _, anchor, _)
            | Event::MappingStart(anchor, _)
            | Event::SequenceStart(anchor, _)
                if *anchor != 0 =>
            {
                self.void = true
            }
            Event::Scalar(text, style, _, tag) => self.scalar(text, *style, tag.is_some(), span),
            Event::MappingStart(_, tag) => self.open(true, flow, tag.is_some()),
            Event::SequenceStart(_, tag) => self.open(false, flow, tag.is_some()),
            Event::MappingEnd | Event::SequenceEnd => self.close(span),
            _ => {}
        }
    }

    fn rewritten(&mut self) {
        self.void = true;
    }
}
