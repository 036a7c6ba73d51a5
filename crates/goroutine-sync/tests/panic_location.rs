//! Misuse panics name the caller's line, as Go's traceback names the
//! line that called `wg.Done()`, not a line inside the library.
//!
//! One test in its own binary: it installs a process-wide panic hook.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Runs `f`, which must panic, and returns the file its panic names.
fn panic_file(f: impl FnOnce()) -> String {
    let file = Arc::new(Mutex::new(String::new()));
    let seen = file.clone();
    std::panic::set_hook(Box::new(move |info| {
        *seen.lock().unwrap() = info
            .location()
            .map(|l| l.file().to_owned())
            .unwrap_or_default();
    }));
    let caught = catch_unwind(AssertUnwindSafe(f));
    let _ = std::panic::take_hook();
    assert!(caught.is_err(), "expected a panic");
    let file = file.lock().unwrap().clone();
    file
}

#[test]
fn misuse_panics_point_at_the_callers_line() {
    let here = file!();
    let wg = goroutine::sync::WaitGroup::new();
    assert_eq!(panic_file(|| wg.done()), here, "WaitGroup::done");
    wg.add(usize::MAX >> 32);
    assert_eq!(panic_file(|| wg.add(usize::MAX)), here, "WaitGroup::add");
    let sem = goroutine::sync::Semaphore::new(1);
    assert_eq!(
        panic_file(|| sem.add_permits(goroutine::sync::Semaphore::MAX_PERMITS)),
        here,
        "Semaphore::add_permits"
    );
    assert_eq!(
        panic_file(|| drop(sem.acquire_many(usize::MAX))),
        here,
        "Semaphore::acquire_many"
    );
    let group = goroutine::sync::ErrGroup::<()>::new();
    assert_eq!(
        panic_file(|| group.set_limit(0)),
        here,
        "ErrGroup::set_limit"
    );
    assert_eq!(
        panic_file(|| drop(goroutine::time::Ticker::new(Duration::ZERO))),
        here,
        "Ticker::new"
    );
}
