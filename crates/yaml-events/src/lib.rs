//! saphyr-parser's event parser over a `&str`, instantiated in a crate of
//! its own.
//!
//! The parser is generic over its input, so it is compiled (monomorphised)
//! in whichever crate calls it, and rustc's partitioning of that crate into
//! code-generation units decides where its scanner is inlined. In the
//! express-waves crate that placement moved with every unrelated change, by
//! up to 120 M instructions at 500 tenants (bench/RESULTS.md, "The
//! code-generation lottery, measured"). Here it is compiled once, from this
//! file alone, and `render` and the parse-only floor (bench/parse_floor.rs)
//! both call the same machine code: their ratio measures what render adds
//! to the parse, not where the optimiser happened to put it.
//!
//! Nothing else: the events are saphyr-parser's own, unchanged.

use saphyr_parser::{Event, Parser, ScanError, Span, StrInput};

/// The events of a YAML stream, in order, each with its span; a scan error
/// ends them.
pub struct Events<'input> {
    parser: Parser<'input, StrInput<'input>>,
}

impl<'input> Events<'input> {
    /// The events of `text`.
    pub fn of(text: &'input str) -> Self {
        Events {
            parser: Parser::new_from_str(text),
        }
    }
}

impl<'input> Iterator for Events<'input> {
    type Item = Result<(Event<'input>, Span), ScanError>;

    // Never inlined into a caller: the point of this crate is that the
    // parser's code does not move with the caller's.
    #[inline(never)]
    fn next(&mut self) -> Option<Self::Item> {
        self.parser.next_event()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yields_the_parsers_own_events_in_order() {
        let text = "a: [1, b]\n---\n- x\n";
        let ours: Vec<_> = Events::of(text).map(Result::unwrap).collect();
        let theirs: Vec<_> = Parser::new_from_str(text).map(Result::unwrap).collect();
        assert_eq!(ours, theirs);
        assert!(ours.len() > 10);
    }

    #[test]
    fn ends_at_a_scan_error() {
        let mut events = Events::of("a: [1\n");
        assert!(events.by_ref().any(|e| e.is_err()));
    }
}
