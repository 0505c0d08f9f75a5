//! Fuzz target: arbitrary bytes into the stream reader, `render`, and the
//! readers of live objects (`status`, `verify`, `diff`), each also against
//! the render of the same bytes.
//! Property: no panic, no hang; `render` either errors, or gives output that
//! renders to itself again (idempotence). Built with debug assertions
//! (`bench/fuzz.sh` passes `-a`), render also checks each Express document
//! it edits in place against the document written anew.
#![no_main]

use express_waves::render::{Options, Source, run};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = Options {
        // Keep single runs fast: the limits themselves are what is tested.
        max_input_bytes: 1 << 20,
        ..Options::default()
    };
    let sources = [Source { name: "fuzz".into(), bytes: data.to_vec() }];
    let _ = express_waves::stream::split(data);
    if let Ok(out) = run(&sources, &opts).and_then(|r| r.to_bytes()) {
        let again = run(&[Source { name: "fuzz".into(), bytes: out.clone() }], &opts)
            .and_then(|r| r.to_bytes())
            .expect("a render's output renders again");
        assert!(again == out, "render is not idempotent");
    }
    // The same bytes as live objects (and the render of them as the
    // target): status, verify and diff must not panic.
    if let Ok(objects) = express_waves::live::parse("fuzz", data) {
        let live = express_waves::live::Live::new(objects, &opts.group);
        let rendering = express_waves::render::analyse(&sources, &opts).ok();
        let _ = express_waves::status::status(&live, None);
        let _ = express_waves::status::status(&live, rendering.as_ref());
        let _ = express_waves::verify::verify(None, Some(&live));
        if let Some(r) = &rendering {
            let _ = express_waves::verify::verify(Some((r, &live.objects)), Some(&live));
            let _ = express_waves::compare::deadlocks(r, &live);
            let old = express_waves::diff::Side::of_live(&live);
            let _ = express_waves::diff::diff(&old, &express_waves::diff::Side::of_render(r));
        }
    }
});
