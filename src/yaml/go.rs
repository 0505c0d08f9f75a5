//! Where go-yaml v2 (YAML 1.1, what Kubernetes and Argo CD read with) and
//! this YAML 1.2 parser disagree on a document, decided as Go decides:
//! constructs the parser refuses that Go reads with one meaning are read
//! again as Go reads them ([`go_reading`]); the text around an event is
//! looked up for the checks of the event loop ([`Positions`]). go-yaml's
//! scanner rules are in `go_scan`.

/// `text` with the construct the scanner refused at `e` written as the
/// YAML 1.2 that means what go-yaml v2 reads it as, when there is one (each
/// construct in its own function below, with the go-yaml function that
/// reads it so).
pub(super) fn go_reading(text: &str, e: &saphyr_parser::ScanError) -> Option<String> {
    let at = e.marker().index();
    let chars: Vec<char> = text.chars().collect();
    let info = e.info();
    let out = if info.contains("':' must be followed by a valid YAML whitespace") {
        tab_after_colon(chars, at)?
    } else if info.contains("tab cannot be used as indentation") && chars.get(at) == Some(&'\t') {
        // Only raised in the leading blanks of a quoted scalar's
        // continuation line, which fold away; go-yaml takes tabs there
        // (`yaml_parser_scan_flow_scalar`: `is_blank`). Read as a space; an
        // indentation the scalar cannot have is still refused after.
        let mut out = chars;
        out[at] = ' ';
        out
    } else if info.contains("tabs disallowed within this context (block indentation)")
        && in_flow_collection(&chars[..at.min(chars.len())])
    {
        tabs_starting_a_flow_line(chars, at)
    } else if info.contains("byte order mark") && chars.get(at) == Some(&'\u{feff}') {
        bom_after_separator(text, chars, at)?
    } else if info.contains("comments must be separated from other tokens by whitespace") {
        // A `#` where a token would start (`[a,#c`, `"a"#c`): go-yaml skips
        // a comment there with no blank before it
        // (`yaml_parser_scan_to_next_token`); with a space, YAML 1.2 does
        // too. (Inside a plain scalar both keep the `#`.)
        let hash = (at.saturating_sub(1)..(at + 2).min(chars.len())).find(|&i| chars[i] == '#')?;
        let mut out = chars;
        out.insert(hash, ' ');
        out
    } else if info.contains("invalid indentation in quoted scalar") {
        return indented_quoted(chars, at, e.marker().col());
    } else if info.starts_with("invalid indentation") {
        // Inside a flow collection only: in the block context go-yaml
        // counts indentation as YAML 1.2 does.
        return indented_flow(&chars, at.min(chars.len()));
    } else if info.contains("found unknown escape character") && chars.get(at) == Some(&'"') {
        escaped_quote(chars, at)?
    } else {
        return None;
    };
    Some(out.into_iter().collect())
}

/// A tab after the `:` value indicator (`a:<TAB>b`, `{a:<TAB>1}`): go-yaml's
/// scanner takes any blank after `:` (`yaml_parser_fetch_next_token`:
/// `is_blankz`), so the tab is separation, written as a space. The marker
/// is past the blanks after `:`.
fn tab_after_colon(chars: Vec<char>, at: usize) -> Option<Vec<char>> {
    let blanks = chars[..at.min(chars.len())]
        .iter()
        .rev()
        .take_while(|c| matches!(c, ' ' | '\t'))
        .count();
    let colon = at.checked_sub(blanks + 1)?;
    if blanks == 0 || chars[colon] != ':' {
        return None;
    }
    // An explicit value (`:` first on its line, after `? key`): go-yaml
    // does not skip a tab there (`yaml_parser_scan_to_next_token`: a
    // simple key is allowed after it), and refuses the document.
    let line = line_start(&chars, colon);
    if chars[line..colon].iter().all(|c| *c == ' ') {
        return None;
    }
    let mut out = chars;
    for c in &mut out[colon + 1..at] {
        *c = ' ';
    }
    Some(out)
}

/// Where the line holding `chars[at]` starts.
fn line_start(chars: &[char], at: usize) -> usize {
    chars[..at]
        .iter()
        .rposition(|&c| c == '\n')
        .map_or(0, |i| i + 1)
}

/// The tabs starting a line inside a flow collection: go-yaml skips blanks
/// in the flow context (`yaml_parser_scan_to_next_token`), YAML 1.2 counts
/// them as indentation. Read as spaces.
fn tabs_starting_a_flow_line(chars: Vec<char>, at: usize) -> Vec<char> {
    let line = line_start(&chars, at);
    let mut out = chars;
    for c in &mut out[line..at] {
        if *c == '\t' {
            *c = ' ';
        }
    }
    out
}

/// A byte order mark right after the document's `---` line: Argo CD splits
/// the stream there ([`crate::stream::blank_separator_len`]), so it starts
/// the text go-yaml reads, whose reader drops it (`readerc.go`,
/// `yaml_parser_determine_encoding`).
fn bom_after_separator(text: &str, chars: Vec<char>, at: usize) -> Option<Vec<char>> {
    let separator = crate::stream::blank_separator_len(text.as_bytes());
    if separator == 0 || at != text[..separator].chars().count() {
        return None;
    }
    let mut out = chars;
    out.remove(at);
    Some(out)
}

/// `\'` in the double-quoted scalar opening at `at`: go-yaml's escape table
/// has `'` (`yaml_parser_scan_flow_scalar`), YAML 1.2's does not; it is the
/// character `'`. The first escape the parser does not know is read so.
fn escaped_quote(chars: Vec<char>, at: usize) -> Option<Vec<char>> {
    let mut i = at + 1;
    while let Some(&c) = chars.get(i) {
        match c {
            '"' => return None,
            '\\' => match chars.get(i + 1) {
                Some('\'') => {
                    let mut out = chars;
                    out.remove(i);
                    return Some(out);
                }
                Some(_) => i += 2,
                None => return None,
            },
            _ => i += 1,
        }
    }
    None
}

/// The document's text, looked up at the parser's positions (which count
/// characters), for the checks of the event loop.
pub(super) struct Positions<'t> {
    text: &'t str,
    /// The text as characters (the parser's positions count characters),
    /// built at the first anchor: empty for ASCII text, whose characters
    /// are its bytes.
    chars: Option<Vec<char>>,
    /// Whether the text holds a backslash, once asked.
    backslash: Option<bool>,
}

impl<'t> Positions<'t> {
    pub(super) fn new(text: &'t str) -> Positions<'t> {
        Positions {
            text,
            chars: None,
            backslash: None,
        }
    }

    fn at(&mut self, i: usize) -> Option<char> {
        let text = self.text;
        let chars = self.chars.get_or_insert_with(|| {
            if text.is_ascii() {
                Vec::new()
            } else {
                text.chars().collect()
            }
        });
        if chars.is_empty() {
            text.as_bytes().get(i).map(|&b| b as char)
        } else {
            chars.get(i).copied()
        }
    }

    /// Whether a plain scalar ending at character `end` is followed by `:`
    /// and then `,`, `]` or `}`.
    pub(super) fn colon_before_flow_end(&mut self, end: usize) -> bool {
        self.at(end) == Some(':') && matches!(self.at(end + 1), Some(',' | ']' | '}'))
    }

    /// The index of the line break ending the line at `i` (or the end).
    fn end_of_line(&mut self, mut i: usize) -> usize {
        while self.at(i).is_some_and(|c| c != '\n') {
            i += 1;
        }
        i
    }

    /// Where a node's content starts, past its properties (tag, anchor)
    /// from character `start`: the index and the character there.
    pub(super) fn content(&mut self, start: usize) -> Option<(usize, char)> {
        let mut i = start;
        loop {
            match self.at(i)? {
                ' ' | '\t' | '\n' | '\r' => i += 1,
                // Between a node's properties and its content only a
                // comment can start with `#`.
                '#' => i = self.end_of_line(i),
                '!' | '&' => {
                    while self.at(i).is_some_and(|c| !c.is_whitespace()) {
                        i += 1;
                    }
                }
                c => return Some((i, c)),
            }
        }
    }

    /// The text with a space after the `?` at character `at`: in a flow
    /// collection go-yaml takes `?` as the complex-key indicator even with
    /// no blank after it (`scannerc.go`, `yaml_parser_fetch_next_token`:
    /// `parser.flow_level > 0 || is_blankz`), where YAML 1.2 reads a plain
    /// scalar `?c`. With the space, both read the key `c`.
    pub(super) fn spaced_question(&mut self, at: usize) -> String {
        let mut out: Vec<char> = self.text.chars().collect();
        out.insert(at + 1, ' ');
        out.into_iter().collect()
    }

    /// Whether the double-quoted scalar between characters `start` and
    /// `end` holds the escape `\/`: YAML 1.2 has it, go-yaml v2's escape
    /// table does not (`yaml_parser_scan_flow_scalar`), and Go refuses the
    /// document.
    pub(super) fn has_slash_escape(&mut self, start: usize, end: usize) -> bool {
        // Most documents hold no backslash at all: told once.
        let text = self.text.as_bytes();
        let any = *self
            .backslash
            .get_or_insert_with(|| memchr::memchr(b'\\', text).is_some());
        if !any {
            return false;
        }
        let Some((mut i, '"')) = self.content(start) else {
            return false;
        };
        i += 1;
        while i < end {
            match self.at(i) {
                Some('\\') => {
                    if self.at(i + 1) == Some('/') {
                        return true;
                    }
                    i += 2;
                }
                Some('"') | None => return false,
                Some(_) => i += 1,
            }
        }
        false
    }
}

/// `chars` with every continuation line of the quoted scalar opening at
/// `at` (column `col`) indented past that column. Leading blanks of a
/// quoted scalar's lines fold away, so the meaning is unchanged.
fn indented_quoted(chars: Vec<char>, at: usize, col: usize) -> Option<String> {
    let quote = *chars.get(at).filter(|c| matches!(c, '"' | '\''))?;
    let mut out: Vec<char> = chars[..=at].to_vec();
    let mut i = at + 1;
    loop {
        let c = *chars.get(i)?;
        out.push(c);
        i += 1;
        match c {
            '\\' if quote == '"' => {
                let escaped = *chars.get(i)?;
                out.push(escaped);
                i += 1;
                if escaped == '\n' {
                    // An escaped line break: the next line continues the
                    // scalar too.
                    out.extend(std::iter::repeat_n(' ', col + 1));
                }
            }
            '\'' if quote == '\'' && chars.get(i) == Some(&'\'') => {
                out.push('\'');
                i += 1;
            }
            c if c == quote => break,
            '\n' => out.extend(std::iter::repeat_n(' ', col + 1)),
            _ => {}
        }
    }
    out.extend_from_slice(&chars[i..]);
    Some(out.into_iter().collect())
}

/// Flow collection depth along a text, outside quoted scalars and
/// comments. (A bracket inside a plain scalar counts too; brackets there
/// come in pairs in practice, and a wrong guess can only read blanks Go
/// refuses as separation, never change what Go reads.)
#[derive(Default)]
struct FlowDepth {
    depth: usize,
    quote: Option<char>,
    escaped: bool,
    comment: bool,
    after_blank: bool,
}

impl FlowDepth {
    fn feed(&mut self, c: char) {
        match (self.quote, c) {
            _ if self.comment => self.comment = c != '\n',
            (Some('"'), _) if self.escaped => self.escaped = false,
            (Some('"'), '\\') => self.escaped = true,
            (Some(q), c) if c == q => self.quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => self.quote = Some(c),
            (None, '#') if self.after_blank => self.comment = true,
            (None, '[' | '{') => self.depth += 1,
            (None, ']' | '}') => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        self.after_blank = c.is_whitespace();
    }
}

/// Whether `before` leaves a flow collection open.
fn in_flow_collection(before: &[char]) -> bool {
    let mut flow = FlowDepth {
        after_blank: true,
        ..FlowDepth::default()
    };
    before.iter().for_each(|&c| flow.feed(c));
    flow.depth > 0
}

/// `chars` with every line of the flow collection open at `at`, from the
/// line of `at` on, indented past the column of the collection's opening
/// bracket (tabs there as spaces). YAML 1.2 wants a flow collection's lines
/// indented past the block around it; go-yaml has no indentation in the
/// flow context (`yaml_parser_scan_to_next_token` skips any blanks there),
/// and a line's leading blanks inside a flow collection are separation or
/// fold away, so the meaning is unchanged. `None` when nothing changes.
fn indented_flow(chars: &[char], at: usize) -> Option<String> {
    let mut flow = FlowDepth {
        after_blank: true,
        ..FlowDepth::default()
    };
    let (mut open, mut line_start) = (0, 0);
    for (i, &c) in chars[..at].iter().enumerate() {
        if flow.depth == 0 && matches!(c, '[' | '{') && flow.quote.is_none() && !flow.comment {
            open = i - line_start;
        }
        flow.feed(c);
        if c == '\n' {
            line_start = i + 1;
        }
    }
    if flow.depth == 0 {
        return None;
    }
    let need = open + 1;
    let mut out: Vec<char> = chars[..line_start].to_vec();
    let mut i = line_start;
    let mut changed = false;
    while i < chars.len() {
        // At the start of a line inside the collection.
        let blanks = chars[i..]
            .iter()
            .take_while(|c| matches!(c, ' ' | '\t'))
            .count();
        if blanks < need || chars[i..i + blanks].contains(&'\t') {
            out.extend(std::iter::repeat_n(' ', blanks.max(need)));
            changed = true;
        } else {
            out.extend_from_slice(&chars[i..i + blanks]);
        }
        i += blanks;
        while let Some(&c) = chars.get(i) {
            out.push(c);
            flow.feed(c);
            i += 1;
            if c == '\n' {
                break;
            }
        }
        if flow.depth == 0 {
            break;
        }
    }
    out.extend_from_slice(&chars[i.min(chars.len())..]);
    changed.then(|| out.into_iter().collect())
}
