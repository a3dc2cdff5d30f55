//! Any bytes through extraction and parsing: never a panic, a hang or unbounded memory, and
//! every goroutine read can be printed back in Go's format.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dumps) = holdup::read_dumps(data, "fuzz") else { return };
    let mut out = Vec::new();
    for d in &dumps {
        for g in &d.goroutines {
            let _ = d.state(g);
            for f in d.frames(g) {
                let _ = (f.func.package(), f.func.receiver_type(), f.func.base_name());
                let _ = f.words().count();
                let _ = holdup::model::parse_args(f.args);
            }
            holdup::report::gotext::write_goroutine(&mut out, d, g).unwrap();
        }
        let json = holdup::report::model_json::dump_json(d, 0, &|_| true);
        let text = serde_json::to_string(&json).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).expect("parse JSON is well-formed");
        out.clear();
    }
});
