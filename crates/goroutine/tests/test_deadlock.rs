//! `#[goroutine::test]` reports a deadlock by panicking with Go's message,
//! also while other tests of the same binary run: the check then accepts
//! the threads of the other tests' runtimes. Before, two tests deadlocked
//! at once each saw the other's threads, and the run hung.

use std::process::Command;
use std::time::{Duration, Instant};

#[goroutine::test]
#[ignore = "run by concurrent_deadlocked_tests_are_each_reported"]
#[should_panic(expected = "fatal error: all goroutines are asleep - deadlock!")]
async fn deadlocked_at_once_a() {
    let (_tx, rx) = goroutine::chan::bounded::<i32>(0);
    rx.recv().await;
}

#[goroutine::test]
#[ignore = "run by concurrent_deadlocked_tests_are_each_reported"]
#[should_panic(expected = "fatal error: all goroutines are asleep - deadlock!")]
async fn deadlocked_at_once_b() {
    let (_tx, rx) = goroutine::chan::bounded::<i32>(0);
    rx.recv().await;
}

/// Runs the two ignored tests above in a child process, at once, with a
/// time limit: the failure mode is a hang.
#[test]
fn concurrent_deadlocked_tests_are_each_reported() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--test-threads=2", "deadlocked_at_once_"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the deadlocked tests hung instead of panicking");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(status.success(), "{stdout}");
    assert!(stdout.contains("2 passed"), "{stdout}");
}
