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

mod recorder;
mod text;

pub(super) use recorder::Recorder;

use crate::model;

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
            model::ANN_WAVE_START,
            model::ANN_CLUSTERS,
            model::ANN_FRONTENDS_BEFORE_BACKEND,
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
const SLOTS: usize = 12;
const _: () = {
    let mut n = 0;
    let mut p = 0;
    while p < PLACES.len() {
        n += PLACES[p].keys.len();
        p += 1;
    }
    assert!(n == SLOTS, "SLOTS counts the keys of every place");
};

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

/// The parent of place `p` (not the root), and `p`'s key in it.
pub(super) fn parent(p: usize) -> (usize, &'static str) {
    let (key, path) = PLACES[p].path.split_last().expect("not the root");
    let parent = PLACES
        .iter()
        .position(|pl| pl.path == path)
        .expect("every place but the root has a parent");
    (parent, key)
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

/// A place or an entry that is there, but whose lines hold more than it:
/// not to be edited in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Unusable;

/// What a layout says of a place or an entry: there (`Ok(Some)`), not
/// there (`Ok(None)`), or there but [`Unusable`].
pub(super) type Found<T> = Result<Option<T>, Unusable>;

impl Layout {
    fn bit(kind: Kind) -> u32 {
        1 << match kind {
            Kind::Map(p) => p as u32,
            Kind::Own(p, _) => 6 + p as u32,
            Kind::Entry(s) => 12 + s as u32,
        }
    }

    /// The kept range `same` picks; `probe` names its unusable bit.
    fn find(&self, probe: Kind, same: impl Fn(Kind) -> bool) -> Found<(Kind, Lines)> {
        if self.unusable & Layout::bit(probe) != 0 {
            return Err(Unusable);
        }
        Ok(self.kept.iter().find(|(k, _)| same(*k)).copied())
    }

    /// The lines kept as exactly `kind`.
    fn lines(&self, kind: Kind) -> Found<Lines> {
        Ok(self.find(kind, |k| k == kind)?.map(|(_, l)| l))
    }

    /// Where new entries of place `p`'s block mapping go.
    pub(super) fn map(&self, p: usize) -> Found<Lines> {
        self.lines(Kind::Map(p as u8))
    }

    /// The lines of the entry of `key` in place `p`. A key the layout
    /// was not watching for is [`Unusable`]: whether it is there is not
    /// known (an edit of it is not spliced, or it could be written twice).
    pub(super) fn entry(&self, p: usize, key: &str) -> Found<Lines> {
        match (slot(p, key), child(p, key)) {
            (Some(s), _) => self.lines(Kind::Entry(s as u8)),
            // A place's own entry in its parent.
            (None, Some(c)) => self.own(c).map(|own| own.map(|(lines, _)| lines)),
            (None, None) => Err(Unusable),
        }
    }

    /// The lines of place `p`'s own entry in its parent, and its value's
    /// shape.
    pub(super) fn own(&self, p: usize) -> Found<(Lines, Shape)> {
        let p = p as u8;
        // The unusable bit does not depend on the shape.
        let found = self.find(
            Kind::Own(p, Shape::Null),
            |k| matches!(k, Kind::Own(q, _) if q == p),
        )?;
        Ok(match found {
            Some((Kind::Own(_, shape), l)) => Some((l, shape)),
            _ => None,
        })
    }
}
