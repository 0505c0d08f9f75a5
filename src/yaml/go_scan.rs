//! go-yaml v2's scanner (`gopkg.in/yaml.v2/scannerc.go`, what Kubernetes
//! and Argo CD read YAML with), walked over a document's text for the rules
//! of its own that YAML 1.2 does not have. This parser accepts documents
//! that break them; Go refuses the whole document, so a chart that breaks
//! one fails in the render here instead of in Argo CD:
//!
//! - **A tab where a token may start**, in the block context: at the start
//!   of a line (also a blank or comment line), after `-`, after `?`, and
//!   after the `:` of an explicit key. go-yaml skips a tab only where a
//!   simple key is not allowed (`yaml_parser_scan_skip_to_token`) and has no
//!   token starting with one ("found character that cannot start any
//!   token").
//! - **A tab in the indentation of a plain scalar's continuation line**,
//!   left of the scalar's indentation (`yaml_parser_scan_plain_scalar`: "found
//!   a tab character that violates indentation"); this covers the blank
//!   lines after a plain value too.
//! - **A tab in the indentation of a block scalar** (`|`, `>`), left of its
//!   indentation or before it is known (`yaml_parser_scan_block_scalar_breaks`).
//! - **Anchor and alias names with a character other than letters, digits,
//!   `-` and `_`** (`yaml_parser_scan_anchor`: `is_alpha`; `&a.b`), or
//!   followed by `[` or `{` (`&a{b: 1}`). Where go-yaml ends the name at
//!   `?`, `:`, `%`, `@` or a backquote, YAML 1.2 reads a longer name: the
//!   meanings differ, and the document is refused too.
//! - **Tags followed by anything but a blank** (`yaml_parser_scan_tag`:
//!   `!t}`), and tags running into `,`, `[` or `]`, which go-yaml reads as
//!   part of the tag (`yaml_parser_scan_tag_uri`).
//! - **A key that does not end on its line within 1,024 characters** before
//!   its `:` (`yaml_simple_key_is_valid`), in a flow collection (the
//!   parser already refuses it in the block context): the `:` then has no
//!   key and go-yaml refuses the document, unless `?` made the key explicit.
//!
//! The walk tracks only what those rules need, as go-yaml does: the flow
//! level, the block indentation stack, whether a simple key is allowed, and
//! the possible simple key of each flow level. Where the text does
//! something the walk does not model (what this parser refuses anyway), it
//! stops without a refusal: a refusal here is always one of the rules above.

use super::ReadError;

/// Whether a rule of this module can refuse `text`, told cheaply (the walk
/// costs about a tenth of a render): it holds a tab, an anchor, alias or
/// tag, a flow collection over lines or 1024 characters
/// (`multiline_flow`, which the parser saw), or starts with `...`, `|` or
/// `>`. Other documents the parser reads, go-yaml's scanner reads too (a
/// plain scalar in a flow collection that starts where go-yaml starts no
/// scalar is refused by the parser's event loop).
pub(super) fn may_refuse(text: &str, multiline_flow: bool) -> bool {
    let first_token = || {
        let mut lines = text.lines().map(str::trim_start);
        let mut line = lines.next().unwrap_or("");
        if line.starts_with("---") {
            line = line[3..].trim_start();
        }
        while line.is_empty() || line.starts_with('#') {
            match lines.next() {
                Some(next) => line = next,
                None => return false,
            }
        }
        line.starts_with(['|', '>']) || line.starts_with("...")
    };
    multiline_flow
        || text
            .bytes()
            .any(|b| matches!(b, b'\t' | b'&' | b'*' | b'!'))
        || first_token()
}

/// The first place in `text` (one document) where go-yaml v2's scanner
/// refuses it by a rule listed in the module doc, or `None`.
pub(super) fn refusal(text: &str) -> Option<ReadError> {
    let mut scan = Scan {
        c: text.as_bytes(),
        i: 0,
        n: 0,
        line: 1,
        col: 0,
        flow: 0,
        indent: -1,
        indents: Vec::new(),
        allowed: true,
        first: true,
        node_at_top: false,
        tail: false,
        levels: vec![Level::default()],
    };
    match scan.run() {
        Err(Stop::Refused(e)) => Some(e),
        Err(Stop::Unmodelled) | Ok(()) => None,
    }
}

/// Why the walk stopped early.
enum Stop {
    /// Go refuses the document here.
    Refused(ReadError),
    /// Something this walk does not model (and the parser refuses).
    Unmodelled,
}

/// A possible simple key: where it starts, and whether it must be one (in
/// the block context at the indentation column).
#[derive(Clone, Copy)]
struct Key {
    n: usize,
    line: usize,
    col: usize,
    required: bool,
}

/// What go-yaml keeps per flow level (the block context is level 0).
#[derive(Clone, Copy, Default)]
struct Level {
    key: Option<Key>,
    /// A `?` started the current entry's key.
    explicit: bool,
}

/// The walk over the text's bytes. Positions that go-yaml counts in
/// characters (columns, the 1024 of a simple key) are counted in
/// characters; every decision looks at ASCII bytes only.
struct Scan<'t> {
    c: &'t [u8],
    /// Byte position.
    i: usize,
    /// Character position.
    n: usize,
    /// 1-based, as the parser counts.
    line: usize,
    col: usize,
    flow: usize,
    /// The current block indentation column (-1 at the top).
    indent: isize,
    indents: Vec<isize>,
    /// Whether a simple key may start here (go-yaml's
    /// `simple_key_allowed`), which is also whether a tab is not skipped.
    allowed: bool,
    /// No token read yet.
    first: bool,
    /// A node just ended at the top (no block collection open): the root,
    /// unless a `:` makes it a key.
    node_at_top: bool,
    /// The root node has ended. Go reads the first document only: its
    /// parser asks for one token more, and its scanner reads on only until
    /// that token is known not to start a simple key
    /// (`yaml_parser_fetch_more_tokens`); the rest Go never reads.
    tail: bool,
    levels: Vec<Level>,
}

/// go-yaml's `is_alpha`: the characters of anchor names and tag handles.
fn is_alpha(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn refused(line: usize, message: String) -> Stop {
    Stop::Refused(ReadError { line, message })
}

/// A key at the indentation of its block mapping whose `:` is not on its
/// line (`yaml_parser_remove_simple_key`, `yaml_simple_key_is_valid`).
fn no_colon(key: Key) -> Stop {
    refused(
        key.line,
        "a key of a block mapping without its `:` on the same line: Go's YAML reader refuses the document (\"could not find expected ':'\")".into(),
    )
}

impl Scan<'_> {
    /// The byte `k` bytes on (ASCII lookahead); 0 past the end.
    fn at(&self, k: usize) -> u8 {
        self.c.get(self.i + k).copied().unwrap_or(0)
    }

    fn end(&self) -> bool {
        self.i >= self.c.len()
    }

    /// The length of the line break `k` bytes on (go-yaml's `is_break`:
    /// also U+0085, U+2028, U+2029), or 0.
    fn break_at(&self, k: usize) -> usize {
        match (self.at(k), self.at(k + 1), self.at(k + 2)) {
            (b'\r', b'\n', _) => 2,
            (b'\n' | b'\r', _, _) => 1,
            (0xc2, 0x85, _) => 2,
            (0xe2, 0x80, 0xa8 | 0xa9) => 3,
            _ => 0,
        }
    }

    fn is_break(&self) -> bool {
        self.break_at(0) > 0
    }

    fn is_blank(&self) -> bool {
        matches!(self.at(0), b' ' | b'\t')
    }

    /// A blank, a line break or the end, `k` bytes on.
    fn blankz_at(&self, k: usize) -> bool {
        self.i + k >= self.c.len() || matches!(self.at(k), b' ' | b'\t') || self.break_at(k) > 0
    }

    /// One character on.
    fn skip(&mut self) {
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

    fn skip_break(&mut self) {
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

    fn skip_to_break(&mut self) {
        while !self.end() && !self.is_break() {
            self.skip();
        }
    }

    fn text(&self, from: usize, to: usize) -> &str {
        std::str::from_utf8(&self.c[from..to]).unwrap_or("")
    }

    fn level(&mut self) -> &mut Level {
        self.levels
            .last_mut()
            .expect("the block level is never popped")
    }

    /// `yaml_parser_fetch_next_token`, one token at a time.
    fn run(&mut self) -> Result<(), Stop> {
        loop {
            self.skip_to_token()?;
            self.stale_key()?;
            let in_block = self.indent >= 0;
            self.unroll(self.col as isize);
            if self.tail && self.levels[0].key.is_none() {
                return Ok(());
            }
            if self.end() {
                return self.remove_key();
            }
            let first = std::mem::replace(&mut self.first, false);
            let (c, next) = (self.at(0), self.at(1));
            // A `:` after a top node that may be a simple key makes it a
            // key of the root mapping.
            let key_of_root = c == b':' && self.blankz_at(1) && self.levels[0].key.is_some();
            if (in_block && self.indent < 0 && self.flow == 0)
                || (std::mem::take(&mut self.node_at_top) && !key_of_root)
            {
                self.tail = true;
            }
            let marker = |m: u8| {
                self.col == 0 && c == m && next == m && self.at(2) == m && self.blankz_at(3)
            };
            match c {
                b'%' if self.col == 0 => {
                    self.allowed = false;
                    self.skip_to_break();
                }
                _ if marker(b'.') && first => {
                    return Err(refused(
                        self.line,
                        "a document that starts with `...` (the end of a document): Go's YAML reader finds no content there and refuses it (\"did not find expected node content\"); remove the line".into(),
                    ));
                }
                _ if marker(b'-') || marker(b'.') => {
                    // Go reads the document after its `---` line, and
                    // nothing after a `...`.
                    self.first = first && c == b'-';
                    self.unroll(-1);
                    self.remove_key()?;
                    if c == b'.' {
                        return Ok(());
                    }
                    self.allowed = false;
                    (0..3).for_each(|_| self.skip());
                }
                b'[' | b'{' => {
                    self.save_key()?;
                    self.flow += 1;
                    self.levels.push(Level::default());
                    self.allowed = true;
                    self.skip();
                }
                b']' | b'}' => {
                    self.remove_key()?;
                    if self.flow == 0 {
                        return Err(Stop::Unmodelled);
                    }
                    self.flow -= 1;
                    self.levels.pop();
                    self.allowed = false;
                    self.skip();
                    self.node_done();
                }
                b',' => {
                    self.remove_key()?;
                    self.level().explicit = false;
                    self.allowed = true;
                    self.skip();
                }
                b'-' if self.blankz_at(1) => self.indicator(false)?,
                b'?' if self.flow > 0 || self.blankz_at(1) => self.indicator(true)?,
                b':' if self.flow > 0 || self.blankz_at(1) => self.value()?,
                b'*' | b'&' => self.anchor()?,
                b'!' => self.tag()?,
                b'|' | b'>' if self.flow == 0 => self.block_scalar()?,
                b'\'' | b'"' => self.quoted()?,
                b'\t' => {
                    return Err(refused(
                        self.line,
                        "a tab where Go's YAML reader expects indentation or the start of a node (at the start of a line, or after `-`, `?` or an explicit key's `:`); go-yaml refuses the document (\"found character that cannot start any token\"): use spaces".into(),
                    ));
                }
                _ if !(self.blankz_at(0) || b"-?:,[]{}#&*!|>'\"%@`".contains(&c))
                    || (c == b'-' && !matches!(next, b' ' | b'\t'))
                    || (self.flow == 0 && matches!(c, b'?' | b':') && !self.blankz_at(1)) =>
                {
                    self.plain()?
                }
                _ if self.blankz_at(0) => return Err(Stop::Unmodelled),
                _ => {
                    return Err(refused(
                        self.line,
                        format!(
                            "'{}' where Go's YAML reader expects the start of a node; go-yaml refuses the document (\"found character that cannot start any token\"): quote the value",
                            c as char
                        ),
                    ));
                }
            }
        }
    }

    /// `yaml_parser_scan_skip_to_token`: blanks, comments and line breaks;
    /// a tab is skipped only where a simple key is not allowed.
    fn skip_to_token(&mut self) -> Result<(), Stop> {
        loop {
            if self.col == 0 && self.c[self.i..].starts_with("\u{feff}".as_bytes()) {
                self.skip();
            }
            while self.at(0) == b' ' || (self.at(0) == b'\t' && (self.flow > 0 || !self.allowed)) {
                self.skip();
            }
            if self.at(0) == b'#' {
                self.skip_to_break();
            }
            if !self.is_break() {
                return Ok(());
            }
            self.skip_break();
            if self.flow == 0 {
                self.allowed = true;
            }
        }
    }

    /// `yaml_simple_key_is_valid`: a key is possible only on its line and
    /// within 1,024 characters; past that a required one is an error.
    fn stale_key(&mut self) -> Result<(), Stop> {
        let (n, line) = (self.n, self.line);
        let level = self.level();
        if let Some(key) = level.key
            && (key.line < line || key.n + 1024 < n)
        {
            level.key = None;
            if key.required {
                return Err(no_colon(key));
            }
        }
        Ok(())
    }

    /// A node ended here: at the top, it may be the root.
    fn node_done(&mut self) {
        if self.flow == 0 && self.indent < 0 {
            self.node_at_top = true;
        }
    }

    fn roll(&mut self, col: usize) {
        if self.flow == 0 && self.indent < col as isize {
            self.indents.push(self.indent);
            self.indent = col as isize;
        }
    }

    fn unroll(&mut self, col: isize) {
        if self.flow > 0 {
            return;
        }
        while self.indent > col {
            self.indent = self.indents.pop().unwrap_or(-1);
        }
    }

    fn save_key(&mut self) -> Result<(), Stop> {
        if !self.allowed {
            return Ok(());
        }
        let key = Key {
            n: self.n,
            line: self.line,
            col: self.col,
            required: self.flow == 0 && self.indent == self.col as isize,
        };
        self.remove_key()?;
        self.level().key = Some(key);
        Ok(())
    }

    /// A scalar, anchor, alias or tag starts here: it may start a simple
    /// key, and none can start right after it. Returns where it starts.
    fn token_that_may_be_a_key(&mut self) -> Result<usize, Stop> {
        self.save_key()?;
        self.allowed = false;
        Ok(self.i)
    }

    fn remove_key(&mut self) -> Result<(), Stop> {
        match self.level().key.take() {
            Some(key) if key.required => Err(no_colon(key)),
            _ => Ok(()),
        }
    }

    /// `-` (a block entry) or `?` (a key).
    fn indicator(&mut self, key: bool) -> Result<(), Stop> {
        if self.flow == 0 {
            if !self.allowed {
                return Err(Stop::Unmodelled);
            }
            self.roll(self.col);
        } else if !key {
            return Err(Stop::Unmodelled);
        }
        self.remove_key()?;
        if key {
            self.level().explicit = true;
        }
        self.allowed = !key || self.flow == 0;
        self.skip();
        Ok(())
    }

    /// `:`: the value of the possible simple key, or of an explicit key.
    fn value(&mut self) -> Result<(), Stop> {
        let level = *self.level();
        match level.key {
            Some(key) => {
                self.roll(key.col);
                self.level().key = None;
                self.allowed = false;
            }
            None => {
                if self.flow == 0 {
                    if !self.allowed {
                        return Err(refused(
                            self.line,
                            "a `:` with no key before it on its line: Go's YAML reader refuses the document (\"mapping values are not allowed in this context\"); write the key and its `:` on one line".into(),
                        ));
                    }
                    self.roll(self.col);
                } else if !level.explicit {
                    return Err(refused(
                        self.line,
                        "a `:` in a flow collection with no key before it, or after a key that does not end on its line within 1024 characters: Go's YAML reader takes no key there and refuses the document; write the key on one line, or after `? `".into(),
                    ));
                }
                self.allowed = self.flow == 0;
            }
        }
        self.level().explicit = false;
        self.skip();
        Ok(())
    }

    /// `&name` or `*name`: go-yaml ends the name at the first character
    /// not in `is_alpha`, YAML 1.2 only at a blank or a flow indicator.
    fn anchor(&mut self) -> Result<(), Stop> {
        let start = self.token_that_may_be_a_key()?;
        self.skip();
        while is_alpha(self.at(0)) {
            self.skip();
        }
        let after = self.at(0);
        // After a blank or `,]}` both read the same name.
        if self.i > start + 1 && (self.blankz_at(0) || b",]}".contains(&after)) {
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
    fn tag(&mut self) -> Result<(), Stop> {
        let start = self.token_that_may_be_a_key()?;
        self.skip();
        let verbatim = self.at(0) == b'<';
        if verbatim {
            self.skip();
        }
        while is_alpha(self.at(0)) || b";/?:@&=+$,.!~*'()[]%".contains(&self.at(0)) {
            self.skip();
        }
        if verbatim {
            if self.at(0) != b'>' {
                return Err(Stop::Unmodelled);
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
    fn quoted(&mut self) -> Result<(), Stop> {
        self.token_that_may_be_a_key()?;
        let quote = self.at(0);
        self.skip();
        loop {
            match self.at(0) {
                _ if self.end() => return Err(Stop::Unmodelled),
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
    fn plain(&mut self) -> Result<(), Stop> {
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
    fn block_scalar(&mut self) -> Result<(), Stop> {
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
    fn block_breaks(&mut self, indent: &mut isize, start_line: usize) -> Result<(), Stop> {
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
