//! Node properties (anchors, aliases, tags) and scalars (quoted, plain,
//! block), read as far as go-yaml reads them, with the rules go-yaml has
//! there that YAML 1.2 does not.

use super::{Scan, Stop, refused};

/// go-yaml's `is_alpha`: the characters of anchor names and tag handles.
pub(super) fn is_alpha(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

impl Scan<'_> {
    /// `&name` or `*name`: go-yaml ends the name at the first character
    /// not in `is_alpha`, YAML 1.2 only at a blank or a flow indicator.
    pub(super) fn anchor(&mut self) -> Result<(), Stop> {
        let start = self.token_that_may_be_a_key()?;
        self.skip();
        while is_alpha(self.at(0)) {
            self.skip();
        }
        let after = self.at(0);
        let named = self.i > start + 1;
        // Before `:` and a blank (an alias as a key, `*a: 1`) YAML 1.2 reads
        // the `:` into the name; a space there makes it read Go's name.
        if named && after == b':' && self.blankz_at(1) {
            self.name_ends.push(self.i);
        }
        // After a blank or `,]}` both read the same name.
        if named
            && (self.blankz_at(0) || b",]}".contains(&after) || after == b':' && self.blankz_at(1))
        {
            if self.c[start] == b'*' {
                self.node_done();
            }
            return Ok(());
        }
        let what = if self.c[start] == b'&' {
            "anchor"
        } else {
            "alias"
        };
        let message = if self.i > start + 1 && matches!(after, b'[' | b'{') {
            format!(
                "{what} `{}` followed by `{}`: Go's YAML reader wants a space after the name and refuses this document; put one",
                self.text(start, self.i),
                after as char
            )
        } else {
            // The name as YAML 1.2 reads it: up to a blank or `,[]{}`.
            let end = self.c[start..]
                .iter()
                .position(|c| c.is_ascii_whitespace() || b",[]{}".contains(c))
                .map_or(self.c.len(), |k| start + k);
            let missing = if end == start + 1 { " (no name)" } else { "" };
            format!(
                "{what} `{}`{missing}: Go's YAML reader takes only letters, digits, `-` and `_` in a name, at least one, and refuses this document; rename it",
                self.text(start, end)
            )
        };
        Err(refused(self.line, message))
    }

    /// `!tag` or `!<uri>`.
    pub(super) fn tag(&mut self) -> Result<(), Stop> {
        let start = self.token_that_may_be_a_key()?;
        self.skip();
        let verbatim = self.at(0) == b'<';
        if verbatim {
            self.skip();
        }
        // A handle `!name!` or `!!` (`yaml_parser_scan_tag_handle`) wants a
        // suffix after it (`yaml_parser_scan_tag`).
        let handle = (!verbatim)
            .then(|| (0..).take_while(|&k| is_alpha(self.at(k))).count())
            .filter(|&k| self.at(k) == b'!')
            .map(|k| self.i + k + 1);
        self.tag_uri().map_err(|go| {
            refused(
                self.line,
                format!("tag `{}…`: a `%` in a tag must start a URI escape of one UTF-8 character, and Go's YAML reader refuses this document (\"{go}\")", self.text(start, self.i)),
            )
        })?;
        if handle.is_some_and(|end| self.i <= end) {
            return Err(refused(
                self.line,
                format!(
                    "tag `{}` with nothing after its handle: Go's YAML reader refuses the document (\"did not find expected tag URI\")",
                    self.text(start, self.i)
                ),
            ));
        }
        if verbatim {
            if self.at(0) != b'>' {
                return Err(refused(
                    self.line,
                    "a verbatim tag `!<…` without its `>`: Go's YAML reader refuses the document (\"did not find the expected '>'\")".into(),
                ));
            }
            if self.i == start + 2 {
                return Err(refused(
                    self.line,
                    "an empty verbatim tag `!<>`: Go's YAML reader refuses the document (\"did not find expected tag URI\"); remove it".into(),
                ));
            }
            self.skip();
        }
        let tag = self.text(start, self.i);
        if !verbatim && tag.contains([',', '[', ']']) {
            return Err(refused(
                self.line,
                format!(
                    "tag `{tag}`: Go's YAML reader reads `,`, `[` and `]` as part of a tag and refuses this document; put a space after the tag"
                ),
            ));
        }
        if !self.blankz_at(0) {
            let after = self.text(self.i, self.i + 1);
            return Err(refused(
                self.line,
                format!(
                    "tag `{tag}` followed by `{after}`: Go's YAML reader wants a space or a line break after a tag and refuses this document; put a space after the tag"
                ),
            ));
        }
        Ok(())
    }

    /// A single- or double-quoted scalar; tabs anywhere in it are fine.
    pub(super) fn quoted(&mut self) -> Result<(), Stop> {
        self.token_that_may_be_a_key()?;
        let quote = self.at(0);
        self.skip();
        loop {
            match self.at(0) {
                _ if self.end() => {
                    return Err(refused(
                        self.line,
                        "a quoted string that does not end: Go's YAML reader refuses the document (\"found unexpected end of stream\")".into(),
                    ));
                }
                b'\'' if quote == b'\'' && self.at(1) == b'\'' => (0..2).for_each(|_| self.skip()),
                b'\\' if quote == b'"' => {
                    self.skip();
                    if self.is_break() {
                        self.skip_break();
                    } else {
                        self.skip();
                    }
                }
                c if c == quote => {
                    self.skip();
                    self.node_done();
                    return Ok(());
                }
                _ if self.is_break() => self.skip_break(),
                _ => self.skip(),
            }
        }
    }

    /// A plain scalar, through the blanks and line breaks after it (as
    /// go-yaml reads them, looking for a continuation line).
    pub(super) fn plain(&mut self) -> Result<(), Stop> {
        self.token_that_may_be_a_key()?;
        let indent = self.indent + 1;
        let start_line = self.line;
        let mut leading_blanks = false;
        loop {
            let marker = self.col == 0
                && (self.c[self.i..].starts_with(b"---") || self.c[self.i..].starts_with(b"..."))
                && self.blankz_at(3);
            if marker || self.at(0) == b'#' {
                break;
            }
            while !self.blankz_at(0) {
                let c = self.at(0);
                if (c == b':' && self.blankz_at(1)) || (self.flow > 0 && b",?[]{}".contains(&c)) {
                    break;
                }
                leading_blanks = false;
                self.skip();
            }
            if !self.is_blank() && !self.is_break() {
                break;
            }
            while self.is_blank() || self.is_break() {
                if self.at(0) == b'\t' && leading_blanks && (self.col as isize) < indent {
                    return Err(refused(
                        self.line,
                        format!(
                            "a tab in the indentation of a line after the plain value on line {start_line}, left of column {}: Go's YAML reader refuses the document (\"found a tab character that violates indentation\"); use spaces, or remove the line",
                            indent + 1
                        ),
                    ));
                }
                if self.is_break() {
                    self.skip_break();
                    leading_blanks = true;
                } else {
                    self.skip();
                }
            }
            if self.flow == 0 && (self.col as isize) < indent {
                break;
            }
        }
        if leading_blanks {
            self.allowed = true;
        }
        self.node_done();
        Ok(())
    }

    /// `|` or `>`: the header, then the content lines, whose indentation
    /// must be spaces.
    pub(super) fn block_scalar(&mut self) -> Result<(), Stop> {
        self.remove_key()?;
        self.allowed = true;
        let start_line = self.line;
        let indicator = self.at(0) as char;
        self.skip();
        // A chomping indicator and an indentation digit, in either order.
        let mut increment = 0;
        let (mut chomping, mut digit) = (false, false);
        loop {
            match self.at(0) {
                b'+' | b'-' if !chomping => chomping = true,
                c @ b'1'..=b'9' if !digit => {
                    increment = isize::from(c - b'0');
                    digit = true;
                }
                _ => break,
            }
            self.skip();
        }
        while self.is_blank() {
            self.skip();
        }
        if self.at(0) == b'#' {
            self.skip_to_break();
        }
        if !self.end() {
            if !self.is_break() {
                return Err(refused(
                    self.line,
                    format!(
                        "text after the block scalar indicator `{indicator}`: Go's YAML reader takes only `+`, `-`, a digit and a comment there and refuses the document (\"did not find expected comment or line break\"); start the text on the next line"
                    ),
                ));
            }
            self.skip_break();
        }
        let mut indent = match increment {
            0 => 0,
            n if self.indent >= 0 => self.indent + n,
            n => n,
        };
        self.block_breaks(&mut indent, start_line)?;
        while self.col as isize == indent && !self.end() {
            self.skip_to_break();
            if !self.end() {
                self.skip_break();
            }
            self.block_breaks(&mut indent, start_line)?;
        }
        self.node_done();
        Ok(())
    }

    /// `yaml_parser_scan_block_scalar_breaks`: the indentation of the next
    /// content line, through blank lines; `indent` 0 is not known yet.
    pub(super) fn block_breaks(
        &mut self,
        indent: &mut isize,
        start_line: usize,
    ) -> Result<(), Stop> {
        let mut max = 0;
        loop {
            while (*indent == 0 || (self.col as isize) < *indent) && self.at(0) == b' ' {
                self.skip();
            }
            max = max.max(self.col as isize);
            if (*indent == 0 || (self.col as isize) < *indent) && self.at(0) == b'\t' {
                return Err(refused(
                    self.line,
                    format!(
                        "a tab in the indentation of the block scalar started on line {start_line}: Go's YAML reader refuses the document (\"found a tab character where an indentation space is expected\"); indent with spaces"
                    ),
                ));
            }
            if !self.is_break() {
                break;
            }
            self.skip_break();
        }
        if *indent == 0 {
            *indent = max.max(self.indent + 1).max(1);
        }
        Ok(())
    }
}
