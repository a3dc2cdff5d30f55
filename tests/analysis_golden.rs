//! The analysis report, as a user reads it, for real dumps posted publicly and for the
//! generated scenarios. The expected texts live in `testdata/golden/*.analyze.txt`; they were
//! read and checked by hand, and are re-blessed with `HOLDUP_BLESS=1` after a reviewed change.

mod common;

use common::{golden, run, testdata};

fn analyze_text(rel: &str) -> String {
    assert!(testdata(rel).is_file(), "{rel} is missing");
    // Named relative to the repository root (where `run` starts holdup), so that the report's
    // header, which is cut to 100 columns, reads the same in every checkout.
    let out = run(&["analyze", "--color", "never", &format!("testdata/{rel}")], None);
    assert!(out.status.success(), "{rel}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn seed_incident_names_the_remover_and_its_waiters() {
    let text = analyze_text("corpus/gen/S1-seed-volume-remove/go1.19.8/goroutine-stacks-2026-11-27T050236Z.log");
    // The first finding is the holder in (*Root).Remove → os.RemoveAll → unlinkat.
    let first = text.split("\n2. ").next().unwrap();
    assert!(
        first.contains(
            "1. BLOCKING goroutine 197 in local.(*Root).Remove\n   (deleting a directory tree: os.RemoveAll → \
             unix.Unlinkat) holds mutex 0xc0000dc980"
        ),
        "{text}"
    );
    assert!(first.contains("\n   — 40 goroutines wait: 30 ContainerCreate, 10 Cleanup"), "{text}");
    for frame in ["unix.Unlinkat", "os.RemoveAll", "local.(*Root).Remove"] {
        assert!(first.contains(frame), "{frame} missing from the holder's stack:\n{first}");
    }
    assert!(first.contains("postContainersCreate → Daemon.ContainerCreate → … → Root.Get"), "{first}");
    assert!(first.contains("Daemon.ProcessEvent → Daemon.Cleanup → … → Root.Get"), "{first}");
    golden("gen-S1-go1.19-docker-file.analyze.txt", &text);
}

#[test]
fn generated_scenarios_read_right() {
    for (rel, name) in [
        ("corpus/gen/S2-abba-deadlock/go1.27.3/goroutine-stacks-2026-11-27T052134Z.log", "gen-S2-go1.27-docker-file"),
        ("corpus/gen/S3-rwmutex-reader-blocks-writer/go1.23.9/sigquit-stderr.log", "gen-S3-go1.23-sigquit"),
        (
            "corpus/gen/S4-chain-to-syscall/go1.19.8/goroutine-stacks-2026-11-27T050239Z.log",
            "gen-S4-go1.19-docker-file",
        ),
        (
            "corpus/gen/S5-mutex-offset-and-global/go1.27.3/goroutine-stacks-2026-11-27T052137Z.log",
            "gen-S5-go1.27-docker-file",
        ),
        ("corpus/gen/S7-healthy-20k/go1.19.8/goroutine-stacks-2026-11-27T050242Z.log.gz", "gen-S7-go1.19-docker-file"),
    ] {
        golden(&format!("{name}.analyze.txt"), &analyze_text(rel));
    }
}

#[test]
fn real_dumps_read_right() {
    for (rel, name) in [
        ("corpus/real/go1.4-build-coordinator-statusmu-waiters.txt", "real-go1.4-coordinator"),
        ("corpus/real/dockerd-1.11-state-mutex-rm-ps-waiters.txt", "real-dockerd-1.11"),
        ("corpus/real/dockerd-1.11.2-journald-prefixed-rm-waiter.txt", "real-dockerd-1.11.2-journald"),
        ("corpus/real/containerd-1.7-go1.23-sync-mutex-lock-metrics-waiter.txt", "real-containerd-1.7-metrics"),
        ("corpus/real/dockerd-go1.4-ps-waiter-no-header-literal-tabs.txt", "real-dockerd-go1.4-no-header"),
        ("corpus/real/crio-1.20.7-journald-crash-fp-sp-pc.txt", "real-crio-1.20.7-journald"),
    ] {
        golden(&format!("{name}.analyze.txt"), &analyze_text(rel));
    }
}

#[test]
fn real_excerpts_claim_no_holder_that_is_not_in_them() {
    // In these excerpts the holder is not part of what was posted: holdup must say so rather
    // than name a waiter or a bystander.
    for rel in [
        "corpus/real/dockerd-1.11-state-mutex-rm-ps-waiters.txt",
        "corpus/real/dockerd-1.11.2-journald-prefixed-rm-waiter.txt",
        "corpus/real/containerd-1.7-go1.23-sync-mutex-lock-metrics-waiter.txt",
    ] {
        let text = analyze_text(rel);
        assert!(text.contains("NO HOLDER"), "{rel}:\n{text}");
        assert!(text.contains("no live holder found"), "{rel}:\n{text}");
        assert!(!text.contains("BLOCKED"), "{rel}:\n{text}");
    }
}
