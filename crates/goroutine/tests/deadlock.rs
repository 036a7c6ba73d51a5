//! Go's deadlock report (issue 6): each `deadlock_*` example must stop with
//! "fatal error: all goroutines are asleep - deadlock!", a goroutine dump
//! naming what each goroutine waits on, and exit status 2.
//!
//! The examples run as separate processes: the check counts the threads of
//! its process, and a test harness's own threads would (rightly) make it
//! stand down. `cargo test` builds examples before it runs tests.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::example;

fn run(name: &str) -> (i32, String, String, Duration) {
    let path = example(name);
    let start = Instant::now();
    let out = Command::new(&path).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        start.elapsed(),
    )
}

const FATAL: &str = "fatal error: all goroutines are asleep - deadlock!";

#[test]
fn unbuffered_send_with_no_receiver_is_reported_as_deadlock() {
    let (code, stdout, stderr, took) = run("deadlock_send");
    assert_eq!(code, 2, "stderr: {stderr}");
    assert!(stderr.starts_with(FATAL), "stderr: {stderr}");
    assert!(
        stderr.contains("goroutine 1 [chan send]:"),
        "stderr: {stderr}"
    );
    assert!(stderr.contains("main goroutine"), "stderr: {stderr}");
    // The main goroutine is located at the user's `main`, not inside the
    // runtime that `#[goroutine::main]` expands to.
    assert!(
        stderr.contains("main goroutine, started at crates/goroutine/examples/deadlock_send.rs"),
        "stderr: {stderr}"
    );
    assert!(!stdout.contains("unreachable"));
    assert!(took < Duration::from_secs(20));
}

#[test]
fn two_goroutines_waiting_on_each_other_are_reported_as_deadlock() {
    let (code, _stdout, stderr, _) = run("deadlock_mutual");
    assert_eq!(code, 2, "stderr: {stderr}");
    assert!(stderr.starts_with(FATAL), "stderr: {stderr}");
    assert_eq!(
        stderr.matches("[chan receive]").count(),
        3,
        "stderr: {stderr}"
    );
    assert!(
        stderr.contains("deadlock_mutual.rs"),
        "spawn locations: {stderr}"
    );
}

#[test]
fn a_waitgroup_never_done_is_reported_as_deadlock() {
    let (code, stdout, stderr, _) = run("deadlock_waitgroup");
    assert_eq!(code, 2, "stderr: {stderr}");
    assert_eq!(stdout, "one done\n");
    assert!(stderr.starts_with(FATAL), "stderr: {stderr}");
    assert!(
        stderr.contains("goroutine 1 [semacquire]:"),
        "stderr: {stderr}"
    );
}

/// A panic in the main goroutine exits with Go's status 2 (not Rust's 101),
/// with the panic message on stderr, and does not wait for goroutines that
/// are still running.
#[test]
fn a_panic_in_the_main_goroutine_exits_with_status_2() {
    let (code, stdout, stderr, took) = run("panic_main");
    assert_eq!(code, 2, "stderr: {stderr}");
    assert_eq!(stdout, "before\n");
    // Go's report, first line first.
    assert!(
        stderr.starts_with("panic: sync: negative WaitGroup counter\n\ngoroutine 1 [running]:\n"),
        "stderr: {stderr}"
    );
    assert!(!stderr.contains(FATAL), "stderr: {stderr}");
    assert!(took < Duration::from_secs(20));
}

/// Under `#[goroutine::main(panic = "abort")]` a panic in any goroutine
/// ends the program at once with status 2, as in Go; main's sleep is cut
/// short and its last line never printed.
#[test]
fn a_goroutine_panic_under_panic_abort_exits_with_status_2() {
    let (code, stdout, stderr, _) = run("panic_goroutine");
    assert_eq!(code, 2, "stderr: {stderr}");
    assert_eq!(stdout, "before\n");
    assert!(
        stderr.starts_with("panic: boom\n\ngoroutine "),
        "stderr: {stderr}"
    );
    assert!(!stderr.contains(FATAL), "stderr: {stderr}");
}

/// The seed programs finish normally: no false report, and the output Go
/// prints.
#[test]
fn seed_programs_exit_cleanly_with_gos_output() {
    let (code, stdout, stderr, _) = run("seed_simple_goroutine");
    assert_eq!(
        (code, stdout.as_str()),
        (0, "Hello from goroutine!\nMain function\n"),
        "{stderr}"
    );
    let (code, stdout, stderr, _) = run("seed_channels");
    assert_eq!(
        (code, stdout.as_str()),
        (0, "Hello from goroutine\n"),
        "{stderr}"
    );
    let (code, stdout, stderr, _) = run("seed_worker_pool");
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    let (code, stdout, stderr, _) = run("seed_waitgroup");
    assert_eq!(code, 0, "{stderr}");
    let mut lines: Vec<_> = stdout.lines().collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        [
            "Goroutine 0",
            "Goroutine 1",
            "Goroutine 2",
            "Goroutine 3",
            "Goroutine 4"
        ]
    );
    let (code, stdout, stderr, _) = run("seed_multiple_goroutines");
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), 6);
    assert!(
        lines[..3].iter().all(|l| l.ends_with("starting")),
        "{stdout}"
    );
    assert!(lines[3..].iter().all(|l| l.ends_with("done")), "{stdout}");
}

#[test]
fn go_by_example_time_programs_print_what_go_prints() {
    let (code, stdout, stderr, _) = run("time_timeouts");
    assert_eq!(
        (code, stdout.as_str()),
        (0, "timeout 1\nresult 2\n"),
        "{stderr}"
    );
    let (code, stdout, stderr, _) = run("time_timers");
    assert_eq!(
        (code, stdout.as_str()),
        (0, "Timer 1 fired\nTimer 2 stopped\n"),
        "{stderr}"
    );
    let (code, stdout, stderr, _) = run("time_tickers");
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(lines[..3].iter().all(|l| l.starts_with("Tick at")));
    assert_eq!(lines[3], "Ticker stopped");
}

/// `GOROUTINE_TRACEBACK=1` + `SIGQUIT` prints every goroutine and exits 2.
#[test]
fn sigquit_with_goroutine_traceback_dumps_every_goroutine() {
    let path = example("traceback");
    assert!(path.exists(), "{} is not built", path.display());
    let mut child = Command::new(&path)
        .env("GOROUTINE_TRACEBACK", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the program to say it runs (its first line), then signal.
    let pid = child.id().to_string();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 7];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    assert_eq!(&first, b"running");
    let status = Command::new("kill").args(["-QUIT", &pid]).status().unwrap();
    assert!(status.success());
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(2));
    assert!(stderr.starts_with("SIGQUIT: quit"), "{stderr}");
    assert!(stderr.contains("goroutine 1 [sleep"), "{stderr}");
    assert!(stderr.contains("name: waiter"), "{stderr}");
    assert!(stderr.contains("[chan receive"), "{stderr}");
}
