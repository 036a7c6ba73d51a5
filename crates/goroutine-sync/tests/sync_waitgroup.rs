//! WaitGroup behaviours, ported from Go's `src/sync/waitgroup_test.go`.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use goroutine::debug::WaitReason;
use goroutine::sync::WaitGroup;

// Go: TestWaitGroup. Two groups: workers `done` the first, then wait on the
// second; no worker may get past the second before its last `done`. Run
// over several rounds to reuse both groups.
#[goroutine::test(workers = 2)]
async fn wait_releases_only_after_the_last_done_round_after_round() {
    let (wg1, wg2) = (WaitGroup::new(), WaitGroup::new());
    let n = 16;
    for _round in 0..8 {
        let exited = Arc::new(AtomicUsize::new(0));
        let all_exited = WaitGroup::new();
        wg1.add(n);
        wg2.add(n);
        for _ in 0..n {
            let (w1, w2, exited) = (wg1.clone(), wg2.clone(), exited.clone());
            all_exited.go(async move {
                w1.done();
                w2.wait().await;
                exited.fetch_add(1, SeqCst);
            });
        }
        wg1.wait().await;
        for _ in 0..n {
            assert_eq!(
                exited.load(SeqCst),
                0,
                "WaitGroup released a waiter too soon"
            );
            wg2.done();
            goroutine::yield_now().await;
        }
        all_exited.wait().await;
        assert_eq!(exited.load(SeqCst), n);
    }
}

// Go: TestWaitGroupMisuse.
#[test]
fn done_below_zero_panics_with_gos_message() {
    let wg = WaitGroup::new();
    wg.add(1);
    wg.done();
    let err = std::panic::catch_unwind(|| wg.done()).unwrap_err();
    assert_eq!(
        *err.downcast::<&str>().unwrap(),
        "sync: negative WaitGroup counter"
    );
}

// Go: TestWaitGroupRace. Many short rounds of two racing `done`s.
#[goroutine::test(workers = 2)]
async fn every_round_sees_both_increments() {
    let rounds = if cfg!(miri) { 10 } else { 1_000 };
    for _ in 0..rounds {
        let wg = WaitGroup::new();
        let n = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let n = n.clone();
            wg.go(async move {
                n.fetch_add(1, SeqCst);
            });
        }
        wg.wait().await;
        assert_eq!(n.load(SeqCst), 2);
    }
}

#[goroutine::test]
async fn go_calls_done_even_when_the_goroutine_panics() {
    let wg = WaitGroup::new();
    let h = wg.go(async { panic!("worker failed") });
    wg.wait().await; // would hang if the panic skipped `done`
    assert!(h.await.unwrap_err().is_panic());
}

#[goroutine::test]
async fn go_hands_back_the_goroutines_output() {
    let wg = WaitGroup::new();
    let handles: Vec<_> = (0..4).map(|i| wg.go(async move { i * 10 })).collect();
    wg.wait().await;
    let mut sum = 0;
    for h in handles {
        sum += h.await.unwrap();
    }
    assert_eq!(sum, 60);
}

#[goroutine::test(workers = 2)]
async fn clones_share_one_counter() {
    let wg = WaitGroup::new();
    wg.add(3);
    for _ in 0..3 {
        let w = wg.clone();
        goroutine::go!(async move { w.done() });
    }
    wg.clone().wait().await;
    wg.wait().await;
}

#[test]
fn threads_and_goroutines_are_released_by_the_same_done() {
    let wg = WaitGroup::new();
    wg.add(1);
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let wg = wg.clone();
            std::thread::spawn(move || wg.wait_blocking())
        })
        .collect();
    let waiter = {
        let wg = wg.clone();
        std::thread::spawn(move || goroutine::block_on(async move { wg.wait().await }))
    };
    // Give the four a moment to park, so that the one `done` below is what
    // releases them (if they had not, they would return without waiting).
    std::thread::sleep(std::time::Duration::from_millis(50));
    wg.done();
    for t in threads {
        t.join().unwrap();
    }
    waiter.join().unwrap();
}

#[goroutine::test(workers = 2)]
async fn parked_wait_reports_the_waitgroup_reason() {
    let wg = WaitGroup::new();
    wg.add(1);
    let h = {
        let wg = wg.clone();
        goroutine::task::Builder::new()
            .name("wg-waiter")
            .spawn(async move { wg.wait().await })
    };
    assert!(common::wait_for_reason("wg-waiter", WaitReason::WaitGroup).await);
    wg.done();
    h.await.unwrap();
}
