//! The parse-only floor `render` is measured against (issue 13): reads the
//! stream on stdin and runs saphyr-parser's event parser over it, keeping
//! nothing. The parser is the one `render` calls, compiled once in
//! crates/yaml-events, so both run the same machine code. Below this no
//! YAML reader built on that parser can go; the ratio of `render`'s time to
//! this program's, on the same input in the same run of `bench/run.py`, is
//! the number that matters. Prints the event count.
//!
//!     cargo build --release --example parse-floor
//!     target/release/examples/parse-floor < input.yaml

use std::io::Read;

fn main() {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .expect("a UTF-8 stream on stdin");
    let mut events = 0usize;
    for event in yaml_events::Events::of(&text) {
        std::hint::black_box(event.expect("YAML the parser reads"));
        events += 1;
    }
    println!("{events}");
}
