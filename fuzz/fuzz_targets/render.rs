//! Fuzz target: arbitrary bytes into the stream reader and `render`.
//! Property: no panic, no hang; either an error, or output that renders to
//! itself again (idempotence) and splits into the same number of documents
//! plus the revisions ConfigMaps.
#![no_main]

use express_waves::render::{Options, Source, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = Options {
        // Keep single runs fast: the limits themselves are what is tested.
        max_input_bytes: 1 << 20,
        ..Options::default()
    };
    let sources = [Source { name: "fuzz".into(), bytes: data.to_vec() }];
    let _ = express_waves::stream::split(data);
    if let Ok(out) = render(&sources, &opts) {
        let again = render(&[Source { name: "fuzz".into(), bytes: out.clone() }], &opts)
            .expect("a render's output renders again");
        assert!(again == out, "render is not idempotent");
    }
});
