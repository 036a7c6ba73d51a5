//! The tour (`examples/tour.rs`, the README's demo) runs to the end and
//! prints what it promises: the seed programs' output, then the million
//! goroutines part, here scaled down to 10,000 with `TOUR_N`.
//!
//! The example runs as its own process, as a newcomer runs it. `cargo test`
//! and `cargo test -p goroutine` build examples before they run tests;
//! `cargo test --test tour` alone does not (build it first with
//! `cargo build --example tour -p goroutine`).

mod common;

use std::process::{Command, Output};

fn tour(n: &str) -> Output {
    let path = common::example("tour");
    Command::new(&path).env("TOUR_N", n).output().unwrap()
}

#[test]
fn tour_runs_the_seed_programs_and_ten_thousand_parked_goroutines() {
    let out = tour("10_000");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    let has = |line: &str| lines.contains(&line);
    let starts = |prefix: &str| lines.iter().find(|l| l.starts_with(prefix)).copied();

    // Part 1: the seed's programs, in order where Go's order is fixed.
    for line in [
        "Hello from goroutine!",
        "Main function",
        "Hello from goroutine",
        "results (sorted): [2, 4, 6, 8, 10]",
        "timeout after 50 ms",
        "gave up: context deadline exceeded",
        "part 1 stopped: context canceled",
        "part 3 stopped: context canceled",
        "g.Wait() = Err(\"part 2 failed\")",
    ] {
        assert!(has(line), "missing {line:?} in:\n{stdout}");
    }
    let pos = |line: &str| lines.iter().position(|l| *l == line).unwrap();
    assert!(pos("Hello from goroutine!") < pos("Main function"));
    for id in 1..=3 {
        assert!(pos(&format!("Worker {id} starting")) < pos(&format!("Worker {id} done")));
    }
    for id in 0..5 {
        assert!(has(&format!("Goroutine {id}")), "{stdout}");
    }

    // Part 2, scaled down.
    assert!(has("PART 2: 10,000 goroutines"), "{stdout}");
    assert!(
        starts("spawned  10,000 goroutines in ").is_some(),
        "{stdout}"
    );
    // The million (here 10,000) and main; a goroutine of part 1 that is
    // returning at that moment may still count.
    let live = starts("         runtime.NumGoroutine() = ").expect("a NumGoroutine line");
    let live: usize = live
        .trim_start()
        .trim_start_matches("runtime.NumGoroutine() = ")
        .split(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("no count in {live:?}"));
    assert!(live >= 10_001, "{stdout}");
    assert!(
        starts("woke     and joined all 10,000 in ").is_some(),
        "{stdout}"
    );
    assert!(
        has("checked  every goroutine received its own value, exactly once"),
        "{stdout}"
    );

    // The memory figure is a number, and below Go's (the 280 B goal itself
    // is checked by the memory bench, at a million).
    let memory = starts("memory   ").expect("a memory line");
    let bytes: f64 = memory["memory   ".len()..]
        .split(" B ")
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("no byte count in {memory:?}"));
    assert!(bytes > 0.0 && bytes < 2_815.0, "{memory}");
    assert!(
        starts("  goroutine (this run, 10,000)").is_some(),
        "{stdout}"
    );

    // Not a terminal: no progress line redrawn with carriage returns.
    assert!(!stdout.contains('\r'), "{stdout:?}");
}

#[test]
fn tour_rejects_a_goroutine_count_that_is_not_a_number() {
    let out = tour("lots");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("must be a positive number"), "{stderr}");
    assert!(out.stdout.is_empty());
}
