//! The walk's cursor over the text's bytes: columns and the simple-key
//! distance counted in characters, as go-yaml counts them; line breaks as
//! go-yaml's `is_break` has them (also U+0085, U+2028, U+2029).

use super::Scan;

impl Scan<'_> {
    /// The byte `k` bytes on (ASCII lookahead); 0 past the end.
    pub(super) fn at(&self, k: usize) -> u8 {
        self.c.get(self.i + k).copied().unwrap_or(0)
    }

    pub(super) fn end(&self) -> bool {
        self.i >= self.c.len()
    }

    /// The length of the line break `k` bytes on (go-yaml's `is_break`:
    /// also U+0085, U+2028, U+2029), or 0.
    pub(super) fn break_at(&self, k: usize) -> usize {
        match (self.at(k), self.at(k + 1), self.at(k + 2)) {
            (b'\r', b'\n', _) => 2,
            (b'\n' | b'\r', _, _) => 1,
            (0xc2, 0x85, _) => 2,
            (0xe2, 0x80, 0xa8 | 0xa9) => 3,
            _ => 0,
        }
    }

    pub(super) fn is_break(&self) -> bool {
        self.break_at(0) > 0
    }

    pub(super) fn is_blank(&self) -> bool {
        matches!(self.at(0), b' ' | b'\t')
    }

    /// A blank, a line break or the end, `k` bytes on.
    pub(super) fn blankz_at(&self, k: usize) -> bool {
        self.i + k >= self.c.len() || matches!(self.at(k), b' ' | b'\t') || self.break_at(k) > 0
    }

    /// One character on.
    pub(super) fn skip(&mut self) {
        let len = match self.at(0) {
            0xf0.. => 4,
            0xe0.. => 3,
            0xc0.. => 2,
            _ => 1,
        };
        self.i += len;
        self.n += 1;
        self.col += 1;
    }

    pub(super) fn skip_break(&mut self) {
        let len = self.break_at(0);
        self.n += if len == 2 && self.at(0) == b'\r' {
            2
        } else {
            1
        };
        self.i += len;
        self.line += 1;
        self.col = 0;
    }

    pub(super) fn skip_to_break(&mut self) {
        while !self.end() && !self.is_break() {
            self.skip();
        }
    }

    pub(super) fn text(&self, from: usize, to: usize) -> &str {
        std::str::from_utf8(&self.c[from..to]).unwrap_or("")
    }
}
