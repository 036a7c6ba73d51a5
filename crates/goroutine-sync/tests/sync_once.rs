//! Once and OnceCell behaviours, ported from Go's `src/sync/once_test.go`.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use goroutine::debug::WaitReason;
use goroutine::sync::{Barrier, Once, OnceCell, Semaphore, WaitGroup};

// Go: TestOnce. Ten callers at once: `f` runs once and every caller
// returns only after it has finished.
#[test]
fn once_runs_once_and_callers_wait_for_it() {
    let once = Arc::new(Once::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(std::sync::Barrier::new(10));
    let threads: Vec<_> = (0..10)
        .map(|_| {
            let (once, runs, start) = (once.clone(), runs.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                once.call_once(|| {
                    std::thread::yield_now();
                    runs.fetch_add(1, SeqCst);
                });
                assert_eq!(runs.load(SeqCst), 1, "returned before f finished");
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(runs.load(SeqCst), 1);
}

// Go: TestOncePanic.
#[test]
fn once_whose_function_panicked_does_not_run_again() {
    let once = Once::new();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        once.call_once(|| panic!("init failed"))
    }));
    assert!(r.is_err());
    once.call_once(|| panic!("must not run again"));
    assert!(once.is_completed());
}

#[goroutine::test(workers = 2)]
async fn once_called_from_goroutines_runs_once() {
    let once = Arc::new(Once::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let wg = WaitGroup::new();
    for _ in 0..16 {
        let (once, runs) = (once.clone(), runs.clone());
        wg.go(async move {
            once.call_once(|| {
                runs.fetch_add(1, SeqCst);
            });
            assert_eq!(runs.load(SeqCst), 1);
        });
    }
    wg.wait().await;
}

#[goroutine::test(workers = 2)]
async fn once_cell_initialiser_runs_once_for_concurrent_callers() {
    let cell = Arc::new(OnceCell::new());
    let inits = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(8));
    let wg = WaitGroup::new();
    for i in 0..8 {
        let (cell, inits, start) = (cell.clone(), inits.clone(), start.clone());
        wg.go(async move {
            start.wait().await;
            let v = cell
                .get_or_init(|| async move {
                    inits.fetch_add(1, SeqCst);
                    goroutine::yield_now().await; // others arrive meanwhile
                    i
                })
                .await;
            assert!(*v < 8);
        });
    }
    wg.wait().await;
    assert_eq!(inits.load(SeqCst), 1);
}

#[goroutine::test(workers = 2)]
async fn once_cell_initialiser_that_panics_lets_the_next_caller_try() {
    let cell = Arc::new(OnceCell::<u32>::new());
    let c = cell.clone();
    let failed =
        goroutine::spawn(
            async move { *c.get_or_init(|| async { panic!("first init fails") }).await },
        );
    assert!(failed.await.unwrap_err().is_panic());
    assert_eq!(cell.get(), None);
    assert_eq!(*cell.get_or_init(|| async { 7 }).await, 7);
}

#[goroutine::test(workers = 2)]
async fn once_cell_cancelled_initialiser_lets_a_waiter_take_over() {
    let cell = Arc::new(OnceCell::<u32>::new());
    let started = Arc::new(Semaphore::new(0));
    // The first initialiser never finishes; its goroutine will be aborted.
    let stuck = {
        let (cell, started) = (cell.clone(), started.clone());
        goroutine::spawn(async move {
            cell.get_or_init(|| async move {
                started.add_permits(1);
                std::future::pending::<u32>().await
            })
            .await;
        })
    };
    started.acquire().await.forget(); // `stuck` holds the initialiser's turn
    let waiter = {
        let cell = cell.clone();
        goroutine::task::Builder::new()
            .name("cell-waiter")
            .spawn(async move { *cell.get_or_init(|| async { 5 }).await })
    };
    // Wait until the waiter is parked behind the stuck initialiser.
    assert!(common::wait_for_reason("cell-waiter", WaitReason::Once).await);
    stuck.abort();
    assert_eq!(waiter.await.unwrap(), 5);
}
