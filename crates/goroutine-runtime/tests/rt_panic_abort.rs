//! `PanicPolicy::Abort`: Go's behaviour, a panic ends the process with
//! status 2. Each case runs in a child process (this test binary, re-run
//! with `GOROUTINE_ABORT_CHILD` set), since it ends its process.

use std::process::Command;

use goroutine::runtime::{Builder, PanicPolicy};

const TEST: &str = "a_panic_under_the_abort_policy_exits_with_status_2";

fn child(case: &str) {
    let rt = Builder::new()
        .workers(2)
        .panic_policy(PanicPolicy::Abort)
        .build()
        .unwrap();
    match case {
        "goroutine" => {
            rt.block_on(async {
                let _ = goroutine::spawn(async { panic!("boom in a goroutine") }).await;
                goroutine::time::sleep(std::time::Duration::from_secs(10)).await;
            });
        }
        "main" => rt.block_on(async { panic!("boom in main") }),
        "cleanup" => {
            // A block_on in a destructor that runs while its thread unwinds
            // from an ordinary panic: it returns, and nothing aborts.
            struct Cleanup(goroutine::runtime::Runtime);
            impl Drop for Cleanup {
                fn drop(&mut self) {
                    assert_eq!(self.0.block_on(async { 2 }), 2);
                }
            }
            let t = std::thread::spawn(move || {
                let _cleanup = Cleanup(rt);
                panic!("an ordinary panic");
            });
            assert!(t.join().is_err());
        }
        other => unreachable!("{other}"),
    }
    println!("survived");
}

#[test]
fn a_block_on_that_returns_while_its_thread_unwinds_does_not_abort() {
    if std::env::var("GOROUTINE_ABORT_CHILD").is_ok() {
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
        .env("GOROUTINE_ABORT_CHILD", "cleanup")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("survived"), "{stdout}");
}

#[test]
fn a_panic_under_the_abort_policy_exits_with_status_2() {
    if let Ok(case) = std::env::var("GOROUTINE_ABORT_CHILD") {
        child(&case);
        return;
    }
    for (case, message) in [
        ("goroutine", "boom in a goroutine"),
        ("main", "boom in main"),
    ] {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
            .env("GOROUTINE_ABORT_CHILD", case)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{case}: {stderr}");
        // Go's report: `panic: <message>`, then the goroutine.
        assert!(
            stderr.contains(&format!("panic: {message}\n\ngoroutine ")),
            "{case}: {stderr}"
        );
        assert!(stderr.contains(" [running]:\n"), "{case}: {stderr}");
        assert!(
            !stderr.contains("thread '"),
            "{case}: Rust's report too: {stderr}"
        );
        assert!(!stdout.contains("survived"), "{case}: {stdout}");
    }
}
