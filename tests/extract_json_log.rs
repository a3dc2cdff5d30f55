//! Dumps written through Docker's json-file log driver (one JSON object per output line, the
//! files under /var/lib/docker/containers/*/): the same goroutines and findings as the dump
//! itself.

mod common;

fn to_json_log(text: &str) -> String {
    let mut out =
        String::from("{\"log\":\"starting up\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-01T00:00:00Z\"}\n");
    for line in text.lines() {
        let quoted = serde_json::to_string(&format!("{line}\n")).unwrap();
        out.push_str(&format!("{{\"log\":{quoted},\"stream\":\"stderr\",\"time\":\"2024-01-01T00:00:01.5Z\"}}\n"));
    }
    out
}

#[test]
fn json_file_logs_read_like_the_dump() {
    let rel = "corpus/gen/S4-chain-to-syscall/go1.27.3/goroutine-stacks-2026-11-27T052136Z.log";
    let text = String::from_utf8(common::read_plain(&common::testdata(rel))).unwrap();
    let plain = holdup::read_dumps(text.as_bytes(), "plain").unwrap();
    let logged = holdup::read_dumps(to_json_log(&text).as_bytes(), "logged").unwrap();
    assert_eq!(logged.len(), 1);
    let (p, l) = (&plain[0], &logged[0]);
    assert_eq!(l.goroutine_count(), p.goroutine_count());
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    assert!(l.wrapping.iter().any(|w| w == "docker json-file log lines"), "{:?}", l.wrapping);
    assert_eq!(l.span.first_line, 2, "the start-up line is not part of the dump");
    let (ap, al) = (holdup::analysis::analyze(p), holdup::analysis::analyze(l));
    let holders = |a: &holdup::analysis::Analysis<'_>| -> Vec<Option<u64>> {
        a.holders.iter().map(|h| h.first().and_then(|h| a.dump.goroutines[h.goroutine].id)).collect()
    };
    assert_eq!(holders(&al), holders(&ap));
}
