//! Reading one YAML document into a syntax tree, with limits.
//!
//! The tree keeps what a Go reader needs to give each scalar its meaning
//! (text, quoting style, tag); `value` turns it into values. Aliases are
//! expanded here, under a budget of nodes they may add, so an alias bomb is an
//! error instead of an out-of-memory kill; nesting deeper than the depth limit
//! is refused while reading, before anything deep is built.

use std::borrow::Cow;

use saphyr_parser::{Event, ScalarStyle};

mod builder;
mod go;
mod go_scan;

use builder::Builder;
use go::{Positions, go_reading};

/// How much a document may ask of the reader.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of mappings and sequences.
    pub max_depth: usize,
    /// Nodes that alias expansion may add to one document.
    pub max_alias_nodes: usize,
}

/// The deepest `--max-depth` accepted: what the stack `main` runs on holds
/// with room to spare (a level costs about 1 KiB of stack in an
/// unoptimised build; 10,000 levels fit in 64 MiB six times over).
pub const MAX_DEPTH_CAP: usize = 10_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_alias_nodes: 100_000,
        }
    }
}

/// How a scalar was written. Only plain scalars are resolved to
/// null/bool/int/float; every other style is a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Quoted,
    Block,
}

/// A node of the syntax tree. Scalars borrow their text from the text read
/// where the parser can (most plain scalars).
#[derive(Clone, Debug, PartialEq)]
pub enum Node<'t> {
    Scalar {
        text: Cow<'t, str>,
        style: Style,
        tag: Option<String>,
    },
    Seq {
        items: Vec<Node<'t>>,
        tag: Option<String>,
    },
    Map {
        entries: Vec<(Node<'t>, Node<'t>)>,
        tag: Option<String>,
    },
}

impl Node<'_> {
    /// The same tree, owning its text.
    pub fn into_owned(self) -> Node<'static> {
        match self {
            Node::Scalar { text, style, tag } => Node::Scalar {
                text: Cow::Owned(text.into_owned()),
                style,
                tag,
            },
            Node::Seq { items, tag } => Node::Seq {
                items: items.into_iter().map(Node::into_owned).collect(),
                tag,
            },
            Node::Map { entries, tag } => Node::Map {
                entries: entries
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect(),
                tag,
            },
        }
    }

    /// The scalar text, for any style.
    pub fn as_scalar(&self) -> Option<&str> {
        match self {
            Node::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The value under `key` in a mapping whose key is a scalar `key`.
    pub fn get(&self, key: &str) -> Option<&Self> {
        match self {
            Node::Map { entries, .. } => entries
                .iter()
                .rev()
                .find(|(k, _)| k.as_scalar() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

/// A reading error, with the 1-based line (within the text read) it is at.
#[derive(Debug, PartialEq, Eq)]
pub struct ReadError {
    pub line: usize,
    pub message: String,
}

/// Reads the single document in `text` (which may start with its `---`
/// line). Returns `None` for an empty or comment-only document.
///
/// Where this YAML 1.2 parser refuses what Go's YAML 1.1 reader reads with
/// one meaning ([`go_reading`]), or reads it otherwise (a `?c` key in a flow
/// collection), the text is read again as Go reads it, a bounded number of
/// times; what both refuse stays refused.
pub fn read_document(text: &str, limits: Limits) -> Result<Option<Node<'_>>, ReadError> {
    read_document_observed(text, limits, &mut Unobserved)
}

/// Sees the parser's events of a document as [`read_document_observed`]
/// reads it, with where each is in the text.
pub trait Observer {
    /// An event, its span, and (for a collection start) whether it is a
    /// flow collection (`[`, `{`).
    fn event(&mut self, event: &Event<'_>, span: &saphyr_parser::Span, flow: bool);
    /// The document was read from a text other than the one given (as Go
    /// reads it): the positions seen do not point into the original.
    fn rewritten(&mut self);
}

struct Unobserved;

impl Observer for Unobserved {
    fn event(&mut self, _: &Event<'_>, _: &saphyr_parser::Span, _: bool) {}
    fn rewritten(&mut self) {}
}

/// [`read_document`], showing `observer` the events of the reading.
pub fn read_document_observed<'t>(
    text: &'t str,
    limits: Limits,
    observer: &mut dyn Observer,
) -> Result<Option<Node<'t>>, ReadError> {
    let original = text;
    // go-yaml's own scanner rules (`go_scan`), over the text as Go reads
    // it; where they can apply, its refusal comes first: it is the one Argo
    // CD would show. With anchors or aliases it runs before the parser, for
    // the names it ends where YAML 1.2 does not.
    let marks = go_scan::Marks::of(original);
    let mut text = Cow::Borrowed(text);
    if marks.names {
        let name_ends = go_scan::check(original)?;
        if !name_ends.is_empty() {
            let mut spaced = original.to_string();
            name_ends.iter().rev().for_each(|&i| spaced.insert(i, ' '));
            text = Cow::Owned(spaced);
        }
    }
    let mut readings = 0;
    let read = loop {
        // A tree read from a text rewritten here owns its text.
        let attempt = match &text {
            Cow::Borrowed(t) => read_once(t, limits, observer),
            Cow::Owned(t) => {
                observer.rewritten();
                read_once(t, limits, observer).map(|(n, m)| (n.map(Node::into_owned), m))
            }
        };
        match attempt {
            Err(Refused::Scan(e)) if readings < MAX_GO_READINGS => match go_reading(&text, &e) {
                Some(t) => text = Cow::Owned(t),
                None => break Err(Refused::Scan(e)),
            },
            Err(Refused::GoReads(t)) if readings < MAX_GO_READINGS => text = Cow::Owned(t),
            other => break other,
        }
        readings += 1;
    };
    let multiline_flow = matches!(read, Ok((_, true)));
    if !marks.names && go_scan::may_refuse(original, &marks, multiline_flow) {
        go_scan::check(original)?;
    }
    read.map(|(root, _)| root).map_err(|r| match r {
        Refused::Scan(e) => scan_error(&e),
        Refused::Read(e) => e,
        Refused::GoReads(_) => ReadError {
            line: 0,
            message: format!(
                "more than {MAX_GO_READINGS} places Go's YAML reader reads otherwise than YAML 1.2 (a `?` key in a flow collection, a tab after `:`, …); write them plainly"
            ),
        },
    })
}

/// Checks text that holds only blank lines and comments (what comes before
/// a stream's first document) against go-yaml's scanner, which refuses a
/// tab starting such a line; nothing else in it can matter to Go.
pub fn check_blank(text: &str) -> Result<(), ReadError> {
    if text.contains('\t') {
        go_scan::check(text)?;
    }
    Ok(())
}

/// How many constructs of one document [`read_document`] reads as Go does
/// before it gives up (each costs a parse).
const MAX_GO_READINGS: usize = 64;

/// Why a document was refused: by the scanner (maybe readable as Go reads
/// it), or by the reader's own rules.
enum Refused {
    Scan(saphyr_parser::ScanError),
    /// Read differently from Go without an error: the text as Go reads it.
    GoReads(String),
    Read(ReadError),
}

/// The message for a document the scanner refused.
fn scan_error(e: &saphyr_parser::ScanError) -> ReadError {
    let message = if e.info().contains("directive") {
        "a `%YAML` or `%TAG` directive in the middle of a stream: Helm and kubectl do not write them, and Go reads one only before a `---` that starts its document; remove it".to_string()
    } else if e.info().contains("recursion limit") {
        format!(
            "nesting deeper than the YAML parser allows ({}); this is not a real manifest",
            e.info()
        )
    } else {
        format!("malformed YAML: {}", e.info())
    };
    ReadError {
        line: e.marker().line(),
        message,
    }
}

/// The document's root, and whether a flow collection in it spans lines or
/// more than 1024 characters (where go-yaml's key rules can apply).
fn read_once<'t>(
    text: &'t str,
    limits: Limits,
    observer: &mut dyn Observer,
) -> Result<(Option<Node<'t>>, bool), Refused> {
    let mut b = Builder::new(limits);
    let mut positions = Positions::new(text);
    let mut flows = Flows::default();
    for item in yaml_events::Events::of(text) {
        let (ev, span) = item.map_err(Refused::Scan)?;
        match &ev {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                let is_flow = positions
                    .content(span.start.index())
                    .is_some_and(|(_, c)| c == '[' || c == '{');
                flows.open(is_flow, &span);
                observer.event(&ev, &span, is_flow);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                flows.close(&span);
                observer.event(&ev, &span, false);
            }
            Event::Scalar(v, style, _, _) => {
                scalar_as_go_reads(v, *style, &span, flows.inside(), &mut positions)?;
                observer.event(&ev, &span, false);
            }
            _ => observer.event(&ev, &span, false),
        }
        b.event(ev).map_err(|message| {
            Refused::Read(ReadError {
                line: span.start.line(),
                message,
            })
        })?;
    }
    // An empty document reads as an empty plain scalar: Go skips it.
    match b.root {
        Some(Node::Scalar {
            ref text,
            style: Style::Plain,
            tag: None,
        }) if text.is_empty() => Ok((None, flows.multiline)),
        root => Ok((root, flows.multiline)),
    }
}

/// The collections open around the parser's position: which are flow ones
/// (`[`, `{`), and whether one spanned lines or more than 1024 characters.
#[derive(Default)]
struct Flows {
    /// For each open collection: whether it is a flow one.
    open: Vec<bool>,
    /// How many of them are.
    flows: usize,
    /// Where the outermost open flow collection starts (line, character).
    start: Option<(usize, usize)>,
    multiline: bool,
}

impl Flows {
    fn inside(&self) -> bool {
        self.flows > 0
    }

    fn open(&mut self, is_flow: bool, span: &saphyr_parser::Span) {
        if is_flow {
            if self.flows == 0 {
                self.start = Some((span.start.line(), span.start.index()));
            }
            self.flows += 1;
        }
        self.open.push(is_flow);
    }

    fn close(&mut self, span: &saphyr_parser::Span) {
        if self.open.pop() == Some(true) {
            self.flows -= 1;
            if self.flows == 0
                && let Some((line, index)) = self.start.take()
            {
                self.multiline |= span.end.line() != line || span.end.index() > index + 1024;
            }
        }
    }
}

/// A scalar YAML 1.2 reads otherwise than go-yaml: refused, or (`?key` in
/// a flow collection) the text as Go reads it.
fn scalar_as_go_reads(
    v: &str,
    style: ScalarStyle,
    span: &saphyr_parser::Span,
    in_flow: bool,
    positions: &mut Positions<'_>,
) -> Result<(), Refused> {
    let refuse = |message: String| {
        Err(Refused::Read(ReadError {
            line: span.start.line(),
            message,
        }))
    };
    if style == ScalarStyle::DoubleQuoted
        && positions.has_slash_escape(span.start.index(), span.end.index())
    {
        return refuse("the escape `\\/` in a double-quoted string: Go's YAML reader does not know it and refuses this document; write `/`".into());
    }
    if style != ScalarStyle::Plain || !in_flow {
        return Ok(());
    }
    // Inside a flow collection go-yaml ends a plain scalar at `?`
    // (`yaml_parser_scan_plain_scalar`), so `[a?b]` is an error to Go.
    if v.chars().skip(1).any(|c| c == '?') {
        return refuse(format!(
            "`{v}` in a flow collection: Go's YAML reader ends a plain scalar at `?` there and refuses this document; quote it"
        ));
    }
    if v.starts_with('?')
        && let Some((at, '?')) = positions.content(span.start.index())
    {
        // Go reads `?` as the key indicator; what follows must then start a
        // node for Go as it does here.
        if v[1..].starts_with(['|', '>', ':', '#', '%', '@', '`']) {
            return refuse(format!(
                "`{v}` in a flow collection: Go's YAML reader takes `?` there for a key indicator and refuses what follows; quote it"
            ));
        }
        return Err(Refused::GoReads(positions.spaced_question(at)));
    }
    // go-yaml starts no scalar with these in a flow collection: `:` is the
    // value indicator there, the others start no token at all
    // (`yaml_parser_fetch_next_token`).
    if v.starts_with([':', '|', '>', '`', '@', '%']) {
        return refuse(format!(
            "`{v}` in a flow collection: Go's YAML reader starts no value with `{}` there and refuses this document; quote it",
            &v[..1]
        ));
    }
    // `a:` right before `,`, `]` or `}`: go-yaml keeps the `:` in the plain
    // scalar there, YAML 1.2 takes it for a value indicator, so `[a:]`
    // would mean `[{a: null}]`.
    if positions.colon_before_flow_end(span.end.index()) {
        return refuse(format!(
            "`{v}:` right before `,`, `]` or `}}` in a flow collection: Go reads the `:` as part of the text, YAML 1.2 as a key; quote it, or put a space after the `:`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
