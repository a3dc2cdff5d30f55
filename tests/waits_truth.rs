//! Wait classification per Go era, on real dumps: `testdata/dumps/waitkinds` holds one
//! goroutine per wait kind, dumped by Go 1.19, 1.21, 1.23 and 1.27 both through
//! `runtime.Stack` and SIGQUIT, with each goroutine's id, kind and lock address recorded by
//! the process. Every role must be classified as its kind, and every mutex waiter must carry
//! the true lock address (RWMutex waiters print none since Go 1.17, so only theirs is
//! allowed to be missing).

mod common;

use holdup::waits::{WaitKind, classify};
use serde_json::Value;

fn expected(kind: &str) -> Option<&'static [WaitKind]> {
    Some(match kind {
        "sync.Mutex.Lock" => &[WaitKind::Mutex],
        "sync.RWMutex.RLock" => &[WaitKind::RwRead],
        "sync.RWMutex.Lock" => &[WaitKind::RwWrite],
        "sync.WaitGroup.Wait" => &[WaitKind::WaitGroup],
        "sync.Cond.Wait" => &[WaitKind::Cond],
        "chan send" => &[WaitKind::ChanSend],
        "chan receive" => &[WaitKind::ChanReceive],
        "chan send (nil chan)" => &[WaitKind::ChanSendNil],
        "chan receive (nil chan)" => &[WaitKind::ChanReceiveNil],
        "select" => &[WaitKind::Select],
        "select (no cases)" => &[WaitKind::SelectNoCases],
        "IO wait" => &[WaitKind::IoWait],
        "syscall" => &[WaitKind::Syscall],
        "sleep" => &[WaitKind::Sleep],
        // A busy loop is caught running or just preempted.
        "runnable/running" => &[WaitKind::Running, WaitKind::Runnable],
        _ => return None,
    })
}

#[test]
fn every_wait_kind_in_every_era() {
    let files = common::files_under(&common::testdata("dumps/waitkinds"), &|n| n.ends_with(".truth.json"));
    assert!(files.len() >= 8, "expected waitkinds dumps for 4 Go versions × 2 transports");
    let mut checked = 0;
    for tf in files {
        let truth: Value = serde_json::from_str(&std::fs::read_to_string(&tf).unwrap()).unwrap();
        let dump_path = tf.to_string_lossy().trim_end_matches(".truth.json").to_string();
        let d = holdup::read_path(&dump_path).unwrap().remove(0);
        let version = truth["go_version"].as_str().unwrap();
        for role in truth["roles"].as_array().unwrap() {
            let Some(want) = expected(role["kind"].as_str().unwrap()) else { continue };
            let id = role["id"].as_u64().unwrap();
            let name = role["role"].as_str().unwrap();
            // The SIGQUIT dump catches main waiting for the signal; its role kind is the
            // runtime.Stack one.
            if name == "main" {
                continue;
            }
            let g =
                d.goroutines.iter().find(|g| g.id == Some(id)).unwrap_or_else(|| panic!("{dump_path}: goroutine {id}"));
            let w = classify(&d, g);
            assert!(want.contains(&w.kind), "{version} {dump_path}: {name} (goroutine {id}) classified {:?}", w.kind);
            if let Some(addr) = role["lock_address"].as_str().filter(|_| role["mode"] != "hold") {
                let addr = u64::from_str_radix(addr.trim_start_matches("0x"), 16).unwrap();
                match w.kind {
                    WaitKind::Mutex => assert_eq!(w.addr, Some(addr), "{version} {name}: mutex address"),
                    _ => assert!(w.addr.is_none_or(|a| a == addr), "{version} {name}: wrong address {:x?}", w.addr),
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 150, "only {checked} roles checked");
}
