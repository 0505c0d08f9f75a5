//! go-yaml v2's scanner (`gopkg.in/yaml.v2/scannerc.go`, what Kubernetes
//! and Argo CD read YAML with), walked over a document's text for the rules
//! of its own that YAML 1.2 does not have. This parser accepts documents
//! that break them; Go refuses the whole document, so a chart that breaks
//! one fails in the render here instead of in Argo CD:
//!
//! - **A tab where a token may start**, in the block context: at the start
//!   of a line (also a blank or comment line), after `-`, after `?`, and
//!   after the `:` of an explicit key. go-yaml skips a tab only where a
//!   simple key is not allowed (`yaml_parser_scan_to_next_token`) and has no
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
//!   `!t}`), tags running into `,`, `[` or `]`, which go-yaml reads as
//!   part of the tag (`yaml_parser_scan_tag_uri`), a named handle with
//!   nothing after it (`!a!`), and a `%` that starts no escape of one UTF-8
//!   character (`yaml_parser_scan_uri_escapes`).
//! - **A key that does not end on its line within 1,024 characters** before
//!   its `:` (`yaml_simple_key_is_valid`), in a flow collection (the
//!   parser already refuses it in the block context): the `:` then has no
//!   key and go-yaml refuses the document, unless `?` made the key explicit.
//! - **A directive go-yaml does not know**, on a line starting `%` that
//!   this parser reads as the text of a top-level block scalar (go-yaml
//!   indents that text at least 1, `yaml_parser_scan_block_scalar_breaks`,
//!   so the line is a directive to it, `yaml_parser_fetch_next_token`):
//!   a name that is empty, runs into another character, or is not `YAML`
//!   or `TAG`, and a malformed version or tag prefix (`directive`).
//!
//! The walk tracks only what those rules need, as go-yaml does: the flow
//! level, the block indentation stack, whether a simple key is allowed, and
//! the possible simple key of each flow level. Where the text does
//! something the walk does not model (what this parser refuses anyway), it
//! stops without a refusal: a refusal here is always one of the rules above.

use super::ReadError;

mod cursor;
mod directive;
mod keys;
mod scalars;

use keys::{Key, Level};

/// What one pass over a document's bytes tells about go-yaml's rules:
/// whether it holds an anchor or alias (`&`, `*`: the walk must run before
/// the parser, for the names it ends), and a tab or tag (`\t`, `!`).
pub(super) struct Marks {
    pub(super) names: bool,
    pub(super) tabs_or_tags: bool,
}

impl Marks {
    pub(super) fn of(text: &str) -> Marks {
        let bytes = text.as_bytes();
        Marks {
            names: memchr::memchr2(b'&', b'*', bytes).is_some(),
            tabs_or_tags: memchr::memchr2(b'\t', b'!', bytes).is_some(),
        }
    }
}

/// Whether a rule of this module can refuse `text`, told cheaply (the walk
/// costs about a tenth of a render): it holds a tab, an anchor, alias or
/// tag, a flow collection over lines or 1024 characters
/// (`multiline_flow`, which the parser saw), or starts with `...`, `|` or
/// `>`. Other documents the parser reads, go-yaml's scanner reads too (a
/// plain scalar in a flow collection that starts where go-yaml starts no
/// scalar is refused by the parser's event loop).
pub(super) fn may_refuse(text: &str, marks: &Marks, multiline_flow: bool) -> bool {
    let first_token = || {
        let mut lines = text
            .lines()
            .map(|l| l.trim_start_matches('\u{feff}').trim_start());
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
    multiline_flow || marks.names || marks.tabs_or_tags || first_token()
}

/// Walks `text` (one document) as go-yaml v2's scanner does: the first
/// place where it refuses the document by a rule listed in the module doc,
/// or else the byte positions where it ends an anchor or alias name at a
/// `:` and a blank (`*a: 1`, an alias as a key), which YAML 1.2 would read
/// as part of the name: with a space there, both read the same.
pub(super) fn check(text: &str) -> Result<Vec<usize>, ReadError> {
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
        name_ends: Vec::new(),
    };
    scan.stream_start();
    match scan.run() {
        Err(Stop::Refused(e)) => Err(e),
        Err(Stop::Unmodelled) | Ok(()) => Ok(scan.name_ends),
    }
}

/// Why the walk stopped early.
enum Stop {
    /// Go refuses the document here.
    Refused(ReadError),
    /// Something this walk does not model (and the parser refuses).
    Unmodelled,
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
    /// The root node has ended. Go reads the first document only
    /// (`yaml.go`, `unmarshal`: one `parser.parse`): its parser asks for one
    /// token more, and its scanner reads on only until that token is known
    /// not to start a simple key (`scannerc.go`,
    /// `yaml_parser_fetch_more_tokens`); the rest Go never reads.
    tail: bool,
    levels: Vec<Level>,
    /// Where an anchor or alias name ends at a `:` and a blank.
    name_ends: Vec<usize>,
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
    /// Where Go's stream starts: after the document's `---` line, where
    /// Argo CD splits the stream ([`crate::stream::blank_separator_len`]),
    /// and after a byte order mark, which go-yaml's reader drops
    /// (`readerc.go`, `yaml_parser_determine_encoding`), so columns count
    /// from after it.
    fn stream_start(&mut self) {
        let separator = crate::stream::blank_separator_len(self.c);
        if separator > 0 {
            // For the 1024 rule only distances matter.
            self.i = separator;
            self.line += 1;
        }
        if self.c[self.i..].starts_with("\u{feff}".as_bytes()) {
            self.i += 3;
        }
    }

    /// `yaml_parser_fetch_more_tokens`: token after token, to the end or
    /// to where Go reads no further.
    fn run(&mut self) -> Result<(), Stop> {
        loop {
            // After the root, Go reads on while the token after it may
            // still be a simple key, deciding so where the last token ended
            // (before skipping to the next one).
            if self.tail {
                match self.levels[0].key {
                    Some(key) if key.line == self.line && key.n + 1024 >= self.n => {}
                    Some(key) if key.required => return Err(no_colon(key)),
                    _ => return Ok(()),
                }
            }
            self.skip_to_token()?;
            self.stale_key()?;
            let in_block = self.indent >= 0;
            self.unroll(self.col as isize);
            if self.end() {
                return self.remove_key();
            }
            self.note_root_end(in_block);
            if !self.token()? {
                return Ok(());
            }
        }
    }

    /// Whether the root node ended before the token here: its block
    /// collection closed (`in_block`: one was open before this token), or
    /// a node ended at the top and no `:` makes it a key.
    fn note_root_end(&mut self, in_block: bool) {
        let key_of_root = self.at(0) == b':' && self.blankz_at(1) && self.levels[0].key.is_some();
        if (in_block && self.indent < 0 && self.flow == 0)
            || (std::mem::take(&mut self.node_at_top) && !key_of_root)
        {
            self.tail = true;
        }
    }

    /// `yaml_parser_fetch_next_token`: the token here; `false` where Go
    /// reads no further.
    fn token(&mut self) -> Result<bool, Stop> {
        let first = std::mem::replace(&mut self.first, false);
        let (c, next) = (self.at(0), self.at(1));
        let marker =
            |m: u8| self.col == 0 && c == m && next == m && self.at(2) == m && self.blankz_at(3);
        match c {
            b'%' if self.col == 0 => self.directive()?,
            _ if marker(b'-') || marker(b'.') => return self.document_marker(first),
            b'[' | b'{' => self.flow_start()?,
            b']' | b'}' => self.flow_end()?,
            b',' => self.flow_entry()?,
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
        Ok(true)
    }

    /// `%` at column 0: a directive to go-yaml (`yaml_parser_fetch_next_token`
    /// fetches one there, `yaml_parser_fetch_directive`), where the parser
    /// read the line otherwise; refused where go-yaml refuses it.
    fn directive(&mut self) -> Result<(), Stop> {
        let (from, at) = (self.i, self.line);
        self.directive_line().map_err(|go| {
            let line = &self.c[from..];
            let end = line
                .iter()
                .position(|&b| matches!(b, b'\n' | b'\r'))
                .unwrap_or(line.len());
            let shown = String::from_utf8_lossy(&line[..end.min(40)]);
            refused(
                at,
                format!(
                    "the line `{shown}` at column 0 is a directive to Go's YAML reader (it ends a top-level block scalar's text before column 0), and go-yaml refuses the document (\"{go}\"): indent the line"
                ),
            )
        })?;
        self.allowed = false;
        Ok(())
    }

    /// `---` or `...` at column 0. Go reads the document after its `---`
    /// line, nothing after a `...`, and no document that starts with one.
    fn document_marker(&mut self, first: bool) -> Result<bool, Stop> {
        let end = self.at(0) == b'.';
        if end && first {
            return Err(refused(
                self.line,
                "a document that starts with `...` (the end of a document): Go's YAML reader finds no content there and refuses it (\"did not find expected node content\"); remove the line".into(),
            ));
        }
        self.first = first && !end;
        self.unroll(-1);
        self.remove_key()?;
        if end {
            return Ok(false);
        }
        self.allowed = false;
        (0..3).for_each(|_| self.skip());
        Ok(true)
    }

    /// `yaml_parser_scan_to_next_token`: blanks, comments and line breaks;
    /// a tab is skipped only where a simple key is not allowed.
    fn skip_to_token(&mut self) -> Result<(), Stop> {
        loop {
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
}
