//! `PanicPolicy::Abort`: Go's behaviour, a panic ends the process with
//! status 2. Each case runs in a child process (this test binary, re-run
//! with `GOROUTINE_ABORT_CHILD` set), since it ends its process.

use std::panic::{catch_unwind, resume_unwind};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use goroutine::__private::{EntryConfig, MainOnWorkers as _, ProgramMain};
use goroutine::runtime::{Builder, PanicPolicy};

const TEST: &str = "a_panic_under_the_abort_policy_exits_with_status_2";
const RECOVER_TEST: &str = "a_recovered_panic_prints_nothing_and_a_reraised_one_is_reported";
const ABORT_TEST: &str = "a_panic_that_aborts_during_unwinding_still_prints_gos_first_line";

/// Runs `main` as `#[goroutine::main]` runs a program's `async fn main`
/// (its expansion, with the default settings but 2 workers).
fn program_main<F: std::future::Future<Output = ()> + Send + 'static>(main: F) -> ExitCode {
    let config = EntryConfig {
        workers: Some(2),
        detect_deadlock: true,
        panic_abort: false,
    };
    (&&ProgramMain::new(config, main)).run_program()
}

/// Runs `case` in a child process (this binary, running only `test`),
/// killed if it runs for over a minute (a hang fails the test).
fn run_child(test: &str, case: &str) -> (Option<i32>, String, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("GOROUTINE_ABORT_CHILD", case)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{case}: still running after a minute");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

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
        "two_at_once" => {
            // Two goroutines on two workers panic at the same moment:
            // one report, not two interleaved.
            static READY: AtomicUsize = AtomicUsize::new(0);
            rt.block_on(async {
                for _ in 0..2 {
                    goroutine::spawn(async {
                        READY.fetch_add(1, SeqCst);
                        while READY.load(SeqCst) < 2 {
                            std::hint::spin_loop();
                        }
                        panic!("boom at once");
                    });
                }
                goroutine::time::sleep(std::time::Duration::from_secs(10)).await;
            });
        }
        "recovered_in_goroutine" => {
            // Go's `recover`: the panic is caught inside the goroutine and
            // nothing is printed.
            let out = rt.block_on(async {
                goroutine::spawn(async { catch_unwind(|| panic!("recovered")).is_err() }).await
            });
            assert!(out.unwrap());
        }
        "recovered_in_main" => {
            let _ = program_main(async {
                assert!(catch_unwind(|| panic!("recovered")).is_err());
            });
        }
        "destructor_panics_while_unwinding" => {
            // The process aborts before the poll's catch: Go's first line
            // must still be there.
            struct PanicsOnDrop;
            impl Drop for PanicsOnDrop {
                fn drop(&mut self) {
                    panic!("in drop");
                }
            }
            rt.block_on(async {
                let _ = goroutine::spawn(async {
                    let _d = PanicsOnDrop;
                    panic!("boom before the drop");
                })
                .await;
            });
        }
        "reraised_same_text" => {
            let _ = program_main(async {
                let h = goroutine::spawn(async { panic!("{}", "same") });
                let payload = h.await.unwrap_err().into_panic();
                // Caught here before, with the same text: not the
                // re-raised panic's location.
                assert!(catch_unwind(|| panic!("{}", "same")).is_err());
                resume_unwind(payload);
            });
        }
        "reraised_in_main" => {
            let _ = program_main(async {
                let h = goroutine::spawn(async { panic!("boom from a goroutine") });
                let payload = h.await.unwrap_err().into_panic();
                // A panic caught before, in the same poll: its location is
                // not the re-raised one's.
                assert!(catch_unwind(|| panic!("first")).is_err());
                resume_unwind(payload);
            });
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
        ("two_at_once", "boom at once"),
    ] {
        let (code, stdout, stderr) = run_child(TEST, case);
        assert_eq!(code, Some(2), "{case}: {stderr}");
        // Go's report: `panic: <message>`, then the goroutine.
        assert!(
            stderr.contains(&format!("panic: {message}\n\ngoroutine ")),
            "{case}: {stderr}"
        );
        assert_eq!(
            stderr.matches(" [running]:\n").count(),
            1,
            "{case}: {stderr}"
        );
        assert_eq!(stderr.matches("panic: ").count(), 1, "{case}: {stderr}");
        assert!(
            !stderr.contains("thread '"),
            "{case}: Rust's report too: {stderr}"
        );
        assert!(!stdout.contains("survived"), "{case}: {stdout}");
    }
}

#[test]
fn a_recovered_panic_prints_nothing_and_a_reraised_one_is_reported() {
    if let Ok(case) = std::env::var("GOROUTINE_ABORT_CHILD") {
        child(&case);
        return;
    }
    for case in ["recovered_in_goroutine", "recovered_in_main"] {
        let (code, stdout, stderr) = run_child(RECOVER_TEST, case);
        assert_eq!(code, Some(0), "{case}: {stderr}");
        assert!(stdout.contains("survived"), "{case}: {stdout}");
        assert!(!stderr.contains("panic"), "{case}: {stderr}");
    }
    // Re-raised in main (`resume_unwind`, which skips the panic hook):
    // still Go's report, with the re-raised message.
    let (code, stdout, stderr) = run_child(RECOVER_TEST, "reraised_in_main");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("panic: boom from a goroutine\n\ngoroutine 1 [running]:\n"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("\tpanicked at"),
        "a stale location: {stderr}"
    );
    assert!(!stdout.contains("survived"), "{stdout}");
    let (code, _, stderr) = run_child(RECOVER_TEST, "reraised_same_text");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("panic: same\n\ngoroutine 1 [running]:\n"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("\tpanicked at"),
        "a stale location: {stderr}"
    );
}

#[test]
fn a_panic_that_aborts_during_unwinding_still_prints_gos_first_line() {
    if let Ok(case) = std::env::var("GOROUTINE_ABORT_CHILD") {
        child(&case);
        return;
    }
    let (code, stdout, stderr) = run_child(ABORT_TEST, "destructor_panics_while_unwinding");
    assert_ne!(code, Some(0), "{stderr}");
    assert!(stderr.contains("panic: boom before the drop\n"), "{stderr}");
    assert!(!stdout.contains("survived"), "{stdout}");
}
