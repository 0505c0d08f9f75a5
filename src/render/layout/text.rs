//! Positions in a document's text (lines from 1, columns from 0 in
//! characters, as the parser counts them), and the checks that turn the
//! positions of a mapping or an entry into whole lines that hold nothing
//! else ([`super::Lines`]).

use super::{Lines, Shape};

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

/// A block mapping as seen: where its first key starts and its content
/// ends.
#[derive(Clone, Copy, Debug)]
pub(super) struct MapAt {
    pub(super) first_key: Key,
    pub(super) end: End,
}

/// Where a key starts and ends.
#[derive(Clone, Copy, Debug)]
pub(super) struct Key {
    pub(super) start: Pos,
    pub(super) end: Pos,
}

/// An entry as seen: where its key starts and its value ends.
#[derive(Clone, Copy, Debug)]
pub(super) struct EntryAt {
    pub(super) key: Key,
    pub(super) end: End,
    pub(super) shape: Shape,
}

/// The text's lines, for turning positions into byte ranges.
pub(super) struct TextLines<'t> {
    text: &'t str,
    /// The byte offset each line starts at.
    starts: &'t [usize],
}

impl<'t> TextLines<'t> {
    /// The lines of `text`, unless a carriage return or a byte order mark
    /// in it would make the parser's lines or columns not the text's.
    /// `starts` is a buffer for them.
    pub(super) fn of(text: &'t str, starts: &'t mut Vec<usize>) -> Option<Self> {
        let bytes = text.as_bytes();
        if memchr::memchr(b'\r', bytes).is_some()
            || memchr::memmem::find(bytes, "\u{FEFF}".as_bytes()).is_some()
        {
            return None;
        }
        starts.clear();
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        Some(TextLines { text, starts })
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
    pub(super) fn entry(&self, e: &EntryAt) -> Option<Lines> {
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
    pub(super) fn after(&self, m: &MapAt) -> Option<Lines> {
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
