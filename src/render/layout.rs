//! Where the places render edits sit in an Express document's text, seen
//! in the parser's events while the document is read (the one reading), so
//! that writing can splice new lines into the original bytes
//! ([`super::splice`]) instead of reading the document again and writing
//! it anew.
//!
//! The places are the mappings of [`PLACES`]; of each, the layout keeps
//! where its first key starts and where its content ends, and for the keys
//! render sets in it, where the entry's key starts and its value ends.
//! Lines count from 1 and columns (in characters) from 0, as the parser
//! counts them.
//!
//! A layout is kept only where every position it holds is one the splice
//! can trust; otherwise it is void and the document is written anew:
//! - an anchor or an alias anywhere (an edit could change what an alias
//!   elsewhere means);
//! - a tag on a place or on one of its entries, or a tag with nothing after
//!   it (the parser gives no end for it);
//! - an empty item of a block sequence (`-` alone: its end is not known);
//! - a document read from a text other than its own (as Go reads it), a
//!   carriage return or a byte order mark in it (lines or columns would not
//!   be the text's).
//!
//! A block scalar's end is where the parser sees the next token; an end
//! that is one is not used.
//!
//! What is kept is checked against the text once, when the document has
//! been read, and kept as byte ranges of whole lines ([`Layout`]): a place
//! or entry whose lines hold more than it (a key that does not start its
//! line, content after a value, a next line that is not left of it) is
//! kept as unusable, so that an edit needing it writes the document anew
//! rather than add a key that is already there.

use saphyr_parser::{Event, ScalarStyle, Span};

use crate::model;

/// A position in the text: line from 1, column from 0, in characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Pos {
    pub(super) line: u32,
    pub(super) col: u32,
}

/// Where content ends; `block` when it ends with a block scalar, `key`
/// when it is an entry's key whose value is empty (its `:` follows).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct End {
    pub(super) pos: Pos,
    pub(super) block: bool,
    pub(super) key: bool,
}

/// A mapping render edits (or creates): its path from the root, and the
/// keys render sets in it.
pub(super) struct Place {
    pub(super) path: &'static [&'static str],
    pub(super) keys: &'static [&'static str],
}

pub(super) const ROOT: usize = 0;
pub(super) const ANNOTATIONS: usize = 3;
pub(super) const LABELS: usize = 4;
pub(super) const DEPENDENCIES: usize = 5;

/// The places, each after its parent.
pub(super) const PLACES: [Place; 6] = [
    Place {
        path: &[],
        keys: &[],
    },
    Place {
        path: &["metadata"],
        keys: &[],
    },
    Place {
        path: &["spec"],
        keys: &[],
    },
    Place {
        path: &["metadata", "annotations"],
        keys: &[
            model::ANN_SYNC_WAVE,
            model::ANN_SYNC_OPTIONS,
            model::ANN_MODE,
            model::ANN_DEPENDENCIES,
            model::ANN_REVISION_SHA256,
            model::ANN_REVISION_SOURCE,
        ],
    },
    Place {
        path: &["metadata", "labels"],
        keys: &[model::LABEL_REVISION],
    },
    Place {
        path: &["spec", "deploymentDependencies"],
        keys: &["provisioningPrerequisites", "upgradePrerequisites"],
    },
];

/// How many keys all places set together.
const SLOTS: usize = 9;

/// The slot of key `k` of place `p`, if render sets it there.
pub(super) fn slot(p: usize, key: &str) -> Option<usize> {
    let first: usize = PLACES[..p].iter().map(|pl| pl.keys.len()).sum();
    PLACES[p]
        .keys
        .iter()
        .position(|k| *k == key)
        .map(|i| first + i)
}

/// The place under key `key` of place `p`.
pub(super) fn child(p: usize, key: &str) -> Option<usize> {
    let parent = PLACES[p].path;
    PLACES.iter().position(|pl| {
        pl.path.len() == parent.len() + 1
            && pl.path[..parent.len()] == *parent
            && pl.path[parent.len()] == key
    })
}

/// A block mapping as seen: where its first key starts and its content
/// ends.
#[derive(Clone, Copy, Debug)]
struct MapAt {
    first_key: Key,
    end: End,
}

/// Where a key starts and ends.
#[derive(Clone, Copy, Debug)]
struct Key {
    start: Pos,
    end: Pos,
}

/// What an entry's value is, as far as the splice cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    /// Nothing written: null, an empty mapping to edit.
    Null,
    /// `{}`.
    EmptyFlowMap,
    BlockMap,
    Other,
}

/// An entry as seen: where its key starts and its value ends.
#[derive(Clone, Copy, Debug)]
struct EntryAt {
    key: Key,
    end: End,
    shape: Shape,
}

/// What the recorder saw, in positions.
#[derive(Default)]
struct Seen {
    maps: [Option<MapAt>; PLACES.len()],
    entries: [Option<EntryAt>; SLOTS],
    /// Each place's own entry in its parent, whatever its value.
    own: [Option<EntryAt>; PLACES.len()],
}

/// Whole lines of the text: `text[start..end]`, and the column of the keys
/// there. For a place's mapping, `start == end`: where new entries go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Lines {
    pub(super) start: u32,
    pub(super) end: u32,
    pub(super) col: u32,
}

/// What one kept range is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Where new entries of a place's block mapping go.
    Map(u8),
    /// The entry of a key render sets ([`slot`]).
    Entry(u8),
    /// A place's own entry in its parent, and its value's shape.
    Own(u8, Shape),
}

/// Where the places of one document are in its text, checked.
#[derive(Clone, Debug)]
pub(super) struct Layout {
    /// Bit `i` of [`Self::bit`]: there, but its lines hold more than it.
    unusable: u32,
    kept: Box<[(Kind, Lines)]>,
}

/// What a layout says of a place or an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Found<T> {
    Absent,
    At(T),
    /// There, but not to be edited in place.
    Unusable,
}

impl Layout {
    fn bit(kind: Kind) -> u32 {
        1 << match kind {
            Kind::Map(p) => p as u32,
            Kind::Own(p, _) => 6 + p as u32,
            Kind::Entry(s) => 12 + s as u32,
        }
    }

    fn find(&self, probe: Kind, same: impl Fn(Kind) -> bool) -> Found<(Kind, Lines)> {
        if self.unusable & Layout::bit(probe) != 0 {
            return Found::Unusable;
        }
        match self.kept.iter().find(|(k, _)| same(*k)) {
            Some(&found) => Found::At(found),
            None => Found::Absent,
        }
    }

    /// The lines kept as exactly `kind`.
    fn lines(&self, kind: Kind) -> Found<Lines> {
        match self.find(kind, |k| k == kind) {
            Found::At((_, l)) => Found::At(l),
            Found::Absent => Found::Absent,
            Found::Unusable => Found::Unusable,
        }
    }

    /// Where new entries of place `p`'s block mapping go.
    pub(super) fn map(&self, p: usize) -> Found<Lines> {
        self.lines(Kind::Map(p as u8))
    }

    /// The lines of the entry of `key` in place `p`.
    pub(super) fn entry(&self, p: usize, key: &str) -> Found<Lines> {
        match slot(p, key) {
            Some(s) => self.lines(Kind::Entry(s as u8)),
            None => Found::Absent,
        }
    }

    /// The lines of place `p`'s own entry in its parent, and its value's
    /// shape.
    pub(super) fn own(&self, p: usize) -> Found<(Lines, Shape)> {
        let p = p as u8;
        match self.find(
            Kind::Own(p, Shape::Null),
            |k| matches!(k, Kind::Own(q, _) if q == p),
        ) {
            Found::At((Kind::Own(_, shape), l)) => Found::At((l, shape)),
            Found::Unusable => Found::Unusable,
            _ => Found::Absent,
        }
    }
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

#[derive(Clone, Copy)]
struct KeyAt {
    pos: Pos,
    end: Pos,
    slot: Option<usize>,
    child: Option<usize>,
}

/// Builds a [`Layout`] from a document's events.
#[derive(Default)]
pub(super) struct Recorder {
    seen: Seen,
    void: bool,
    stack: Vec<Frame>,
    /// Where the content seen so far ends.
    last: End,
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
    pub(super) fn finish(self, text: &str) -> Option<Layout> {
        if self.void || text.contains('\r') || text.contains('\u{FEFF}') {
            return None;
        }
        let lines = TextLines::of(text);
        let mut layout = Layout {
            unusable: 0,
            kept: Box::new([]),
        };
        let mut kept = Vec::new();
        let mut keep = |kind: Kind, lines: Option<Lines>| match lines {
            Some(l) => kept.push((kind, l)),
            None => layout.unusable |= Layout::bit(kind),
        };
        for (p, m) in self.seen.maps.iter().enumerate() {
            if let Some(m) = m {
                keep(Kind::Map(p as u8), lines.after(m));
            }
        }
        for (s, e) in self.seen.entries.iter().enumerate() {
            if let Some(e) = e {
                keep(Kind::Entry(s as u8), lines.entry(e));
            }
        }
        for (p, e) in self.seen.own.iter().enumerate() {
            if let Some(e) = e {
                keep(Kind::Own(p as u8, e.shape), lines.entry(e));
            }
        }
        layout.kept = kept.into_boxed_slice();
        matches!(layout.map(ROOT), Found::At(_)).then_some(layout)
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
            if f.first_key.is_none() {
                f.first_key = Some(Key { start, end });
            }
            let (slot, child) = match f.place {
                Some(p) => (slot(p, text), child(p, text)),
                None => (None, None),
            };
            f.key = Some(KeyAt {
                pos: start,
                end,
                slot,
                child,
            });
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
                pos: k.end,
                block: false,
                key: true,
            };
        }
        if k.slot.is_none() && k.child.is_none() {
            return;
        }
        let at = Some(EntryAt {
            key: Key {
                start: k.pos,
                end: k.end,
            },
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

/// The text's lines, for turning positions into byte ranges.
struct TextLines<'t> {
    text: &'t str,
    /// The byte offset each line starts at.
    starts: Vec<usize>,
}

impl<'t> TextLines<'t> {
    fn of(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        TextLines { text, starts }
    }

    /// Line `n` (from 1) without its line break, and where it starts.
    fn line(&self, n: u32) -> Option<(usize, &'t str)> {
        let start = *self.starts.get(n.checked_sub(1)? as usize)?;
        let end = self
            .starts
            .get(n as usize)
            .map_or(self.text.len(), |next| next - 1);
        Some((start, &self.text[start..end]))
    }

    /// Where the line after line `n` starts (the text's end after the
    /// last line).
    fn next_start(&self, n: u32) -> usize {
        self.starts
            .get(n as usize)
            .copied()
            .unwrap_or(self.text.len())
    }

    /// Checks that a key stands alone at the start of its line, with its
    /// `:` after it on the same line: an implicit key, not one behind a `?`
    /// (on its line or the one before), whose lines hold more than it.
    fn key_starts_line(&self, k: Key) -> Option<()> {
        let (_, line) = self.line(k.start.line)?;
        let before = line.as_bytes().get(..k.start.col as usize)?;
        if k.end.line != k.start.line || !before.iter().all(|&b| b == b' ') {
            return None;
        }
        self.colon_after(k.end)
    }

    /// Checks that `:` follows `p` on its line (after blanks).
    fn colon_after(&self, p: Pos) -> Option<()> {
        let (_, line) = self.line(p.line)?;
        let at = self.byte_at(line, p.col)?;
        line[at..]
            .trim_start_matches([' ', '\t'])
            .starts_with(':')
            .then_some(())
    }

    /// The byte offset of character column `col` in `line` (its end for
    /// the column just past it).
    fn byte_at(&self, line: &str, col: u32) -> Option<usize> {
        let col = col as usize;
        if line.as_bytes().get(..col).is_some_and(<[u8]>::is_ascii) {
            return Some(col);
        }
        match line.char_indices().nth(col) {
            Some((i, _)) => Some(i),
            None if line.chars().count() == col => Some(line.len()),
            None => None,
        }
    }

    /// Checks that nothing but blanks and a comment (after an empty
    /// value's `:`) follows `end` on its line.
    fn ends_line(&self, end: End) -> Option<()> {
        if end.block {
            return None;
        }
        let (_, line) = self.line(end.pos.line)?;
        let at = self.byte_at(line, end.pos.col)?;
        let mut rest = line[at..].trim_start_matches([' ', '\t']);
        if end.key {
            rest = rest.strip_prefix(':')?.trim_start_matches([' ', '\t']);
        }
        (rest.is_empty() || rest.starts_with('#')).then_some(())
    }

    /// Checks that the first line with content after line `n` stands left
    /// of column `col` (or at it, with `at_col`), or ends the document: the
    /// lines up to line `n` hold all of what ends there.
    fn next_left_of(&self, n: u32, col: u32, at_col: bool) -> Option<()> {
        let mut k = n + 1;
        while let Some((_, line)) = self.line(k) {
            let body = line.trim_start_matches(' ');
            if body.is_empty() || body.starts_with('#') {
                k += 1;
                continue;
            }
            if line.starts_with("---") || line.starts_with("...") {
                return Some(());
            }
            let indent = (line.len() - body.len()) as u32;
            return (indent < col || (at_col && indent == col)).then_some(());
        }
        Some(())
    }

    /// An entry's lines: from its key's line to the one its value ends on.
    fn entry(&self, e: &EntryAt) -> Option<Lines> {
        self.key_starts_line(e.key)?;
        self.ends_line(e.end)?;
        self.next_left_of(e.end.pos.line, e.key.start.col, true)?;
        let (start, _) = self.line(e.key.start.line)?;
        Some(Lines {
            start: start as u32,
            end: self.next_start(e.end.pos.line) as u32,
            col: e.key.start.col,
        })
    }

    /// Where new entries of a block mapping go: after the line its content
    /// ends on.
    fn after(&self, m: &MapAt) -> Option<Lines> {
        self.key_starts_line(m.first_key)?;
        self.ends_line(m.end)?;
        self.next_left_of(m.end.pos.line, m.first_key.start.col, false)?;
        let at = self.next_start(m.end.pos.line) as u32;
        Some(Lines {
            start: at,
            end: at,
            col: m.first_key.start.col,
        })
    }
}
