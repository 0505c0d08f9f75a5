//! Making a document's edits in its text: the original bytes, with the
//! entries render sets written over or after the lines that hold them, so
//! that everything else (comments, quoting, flow style, key order) stays as
//! the chart wrote it.
//!
//! Each edit touches whole lines of a block mapping of the [`Layout`]:
//! - a key that is there: its lines, from the key's line to the line its
//!   value ends on, are replaced by the new entry (or removed);
//! - a key that is not: the new entry goes after the line the mapping's
//!   content ends on;
//! - a mapping that is not there, or is null or `{}`: set in its parent the
//!   same way, holding the new entries.
//!
//! New entries are written as [`emit`] writes values, at the column of the
//! mapping's keys. The splice refuses (`None`, and the document is written
//! anew) wherever a line it would cut holds more than the entry: a key that
//! does not start its line, a value that ends before other content, a
//! block scalar's end, a place written in flow style with content, or two
//! edits over the same bytes.

use std::ops::Range;

use super::layout::{Layout, Lines, PLACES, ROOT, Shape, parent};
use super::patch::{Edit, New};

/// One change to the text: `text[start..end]` becomes `with`, a range of
/// the texts written for a document's cuts (one buffer for them all).
struct Cut {
    start: usize,
    end: usize,
    with: Range<usize>,
}

impl Cut {
    fn over(lines: Lines, with: Range<usize>) -> Cut {
        Cut {
            start: lines.start as usize,
            end: lines.end as usize,
            with,
        }
    }

    /// `lines` written over by the entry `key: value`, at their column.
    fn entry(lines: Lines, key: &str, value: &New<'_>, texts: &mut String) -> Cut {
        let start = texts.len();
        value.write_entry(key, lines.col as usize, texts);
        Cut::over(lines, start..texts.len())
    }
}

/// Writes `text` with `edits` made to `out`; `false` (and nothing
/// written) where the layout cannot vouch for a cut.
pub(super) fn splice(
    text: &[u8],
    layout: &Layout,
    edits: Vec<Edit<'_>>,
    out: &mut Vec<u8>,
) -> bool {
    let mut texts = String::with_capacity(1024);
    let Some(mut cuts) = cuts(layout, edits, &mut texts) else {
        return false;
    };
    cuts.sort_by_key(|c| c.start);
    if cuts.windows(2).any(|w| w[0].end > w[1].start) {
        return false;
    }
    let mut at = 0;
    for c in cuts {
        out.extend_from_slice(&text[at..c.start]);
        let with = &texts.as_bytes()[c.with];
        if c.start > 0 && text[c.start - 1] != b'\n' && !with.is_empty() {
            out.push(b'\n');
        }
        out.extend_from_slice(with);
        at = c.end;
    }
    out.extend_from_slice(&text[at..]);
    true
}

/// The cuts that make `edits`, or `None` where the layout cannot vouch for
/// one.
fn cuts(layout: &Layout, edits: Vec<Edit<'_>>, texts: &mut String) -> Option<Vec<Cut>> {
    // Per place: the entries to set, each with the number of the edit
    // that made it (new entries are written in that order, as the patched
    // value has them).
    let mut sets: [Vec<(usize, &'static str, New<'_>)>; PLACES.len()] = Default::default();
    let mut cuts = Vec::with_capacity(edits.len());
    for (n, edit) in edits.into_iter().enumerate() {
        match edit {
            Edit::Set { place, key, value } => sets[place].push((n, key, value)),
            Edit::Remove { place, key } => {
                if layout.map(place).ok()?.is_some()
                    && let Some(lines) = layout.entry(place, key).ok()?
                {
                    cuts.push(Cut::over(lines, 0..0));
                }
            }
        }
    }
    // Children before parents: a place that is missing becomes an entry of
    // its parent.
    for place in (0..PLACES.len()).rev() {
        let mut entries = std::mem::take(&mut sets[place]);
        entries.sort_by_key(|e| e.0);
        let Some(&(first, _, _)) = entries.first() else {
            continue;
        };
        if let Some(map) = layout.map(place).ok()? {
            // The new entries, written after those that are there.
            let mut new = Vec::with_capacity(entries.len());
            for (_, key, value) in entries {
                match layout.entry(place, key).ok()? {
                    Some(lines) => cuts.push(Cut::entry(lines, key, &value, texts)),
                    None => new.push((key, value)),
                }
            }
            if !new.is_empty() {
                let start = texts.len();
                for (key, value) in new {
                    value.write_entry(key, map.col as usize, texts);
                }
                cuts.push(Cut::over(map, start..texts.len()));
            }
            continue;
        }
        if place == ROOT {
            return None;
        }
        let (parent, key) = parent(place);
        let value = New::Map(entries.into_iter().map(|(_, k, v)| (k, v)).collect());
        // A null or `{}` place is written over whole, with its entry.
        match layout.own(place).ok()? {
            Some((lines, Shape::Null | Shape::EmptyFlowMap)) => {
                cuts.push(Cut::entry(lines, key, &value, texts))
            }
            Some(_) => return None,
            None => sets[parent].push((first, key, value)),
        }
    }
    Some(cuts)
}

#[cfg(test)]
mod tests;
