//! `#[goroutine::main]` and `#[goroutine::test]`: the compile errors users
//! see (`ui/fail/*.rs` and their `.stderr`), programs that must build and run
//! (`ui/pass/*.rs`), and the test attribute used for real below.
//!
//! Regenerate the expected errors with
//! `TRYBUILD=overwrite cargo test -p goroutine --test macros_ui`, then read
//! the new `.stderr` files: each must say what to write instead.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}

// The attributes used for real.

#[goroutine::main(workers = 1)]
async fn double(n: u32) -> u32 {
    std::future::ready(n * 2).await
}

#[test]
fn main_attribute_on_helper_runs_body_and_returns_its_value() {
    assert_eq!(double(21), 42);
    // Each call starts (and ends) a runtime of its own.
    assert_eq!(double(2), 4);
}

#[goroutine::main(detect_deadlock = false)]
async fn parse_plus_one(s: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = s.trim().parse()?;
    Ok(n + 1)
}

#[test]
fn question_mark_in_main_attribute_body_returns_the_error() {
    assert_eq!(parse_plus_one(" 41 "), Ok(42));
    assert!(parse_plus_one("forty-one").is_err());
}

#[goroutine::test]
async fn test_attribute_accepts_result_and_question_mark() -> Result<(), std::num::ParseIntError> {
    let n: u8 = "12".parse()?;
    assert_eq!(n, 12);
    Ok(())
}

#[goroutine::test(workers = 2)]
#[should_panic(expected = "panic in test body")]
async fn panic_in_test_body_reaches_the_harness() {
    panic!("panic in test body");
}

#[goroutine::test]
async fn spawned_goroutine_result_comes_back_to_test_body() {
    let handle = goroutine::spawn(async { 6 * 7 });
    assert_eq!(handle.await.unwrap(), 42);
}

#[goroutine::test(workers = 3)]
async fn workers_argument_sets_maxprocs() {
    assert_eq!(goroutine::maxprocs(), 3);
}

#[goroutine::main(workers = 2)]
async fn maxprocs_in_main_attribute() -> usize {
    goroutine::maxprocs()
}

#[test]
fn workers_argument_reaches_main_attribute_runtime() {
    assert_eq!(maxprocs_in_main_attribute(), 2);
}
