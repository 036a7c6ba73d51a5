//! Mutex behaviours, ported from Go's `src/sync/mutex_test.go`.

mod common;

use std::future::Future;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use goroutine::debug::WaitReason;
use goroutine::sync::{Mutex, WaitGroup};

// Go: TestMutex (HammerMutex): the guarded counter loses no increment.
#[goroutine::test(workers = 2)]
async fn contended_increments_are_all_kept() {
    let m = Arc::new(Mutex::new(0u64));
    let wg = WaitGroup::new();
    let (goroutines, iters) = (8, 1_000);
    for _ in 0..goroutines {
        let m = m.clone();
        wg.go(async move {
            for i in 0..iters {
                let mut g = m.lock().await;
                let v = *g;
                if i % 7 == 0 {
                    goroutine::yield_now().await; // hold it across an await now and then
                }
                *g = v + 1;
            }
        });
    }
    wg.wait().await;
    assert_eq!(*m.lock().await, goroutines * iters);
}

// Go: TestMutexFairness. A goroutine that re-locks in a tight loop (holding
// the lock ~100 µs each time) must not keep another out: once the waiter has
// waited 1 ms, unlock hands the lock to it. Counted in hog iterations, each
// of which takes at least 100 µs, so the bound holds however slow the
// machine: without starvation mode the hog would win nearly every race.
#[goroutine::test(workers = 2)]
async fn tight_loop_owner_cannot_keep_a_waiter_out() {
    let m = Arc::new(Mutex::new(()));
    let stop = Arc::new(AtomicBool::new(false));
    let hog_rounds = Arc::new(AtomicUsize::new(0));
    let hog = {
        let (m, stop, hog_rounds) = (m.clone(), stop.clone(), hog_rounds.clone());
        goroutine::spawn(async move {
            while !stop.load(SeqCst) {
                let g = m.lock().await;
                std::thread::sleep(Duration::from_micros(100));
                drop(g);
                hog_rounds.fetch_add(1, SeqCst);
            }
        })
    };
    let mut worst = 0;
    for _ in 0..10 {
        std::thread::sleep(Duration::from_micros(100));
        let mut lock = std::pin::pin!(m.lock());
        // Poll once to join the line (or take the lock), then count from
        // there: the 1 ms clock starts when the waiter is queued.
        let first = std::future::poll_fn(|cx| Poll::Ready(lock.as_mut().poll(cx))).await;
        let before = hog_rounds.load(SeqCst);
        let guard = match first {
            Poll::Ready(g) => g,
            Poll::Pending => lock.await,
        };
        worst = worst.max(hog_rounds.load(SeqCst) - before);
        drop(guard);
    }
    stop.store(true, SeqCst);
    hog.await.unwrap();
    // Each hog round takes at least 100 µs, so about 11 rounds fit before
    // the first unlock after 1 ms hands the lock over, however loaded the
    // machine; 40 leaves room for a round in flight.
    assert!(worst < 40, "the waiter was kept out for {worst} hog rounds");
}

// Go: TestMutexMisuse has no analogue (guards cannot be unlocked twice);
// TryLock's contract is Go's: fails while held.
#[test]
fn try_lock_fails_while_held_and_succeeds_after() {
    let m = Mutex::new(1);
    let g = m.try_lock().unwrap();
    assert!(m.try_lock().is_none());
    drop(g);
    assert_eq!(*m.try_lock().unwrap(), 1);
}

#[test]
fn blocking_lock_from_threads_excludes_goroutines() {
    let m = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let m = m.clone();
            std::thread::spawn(move || {
                for i in 0..200 {
                    m.lock_blocking().push((t, i));
                }
            })
        })
        .collect();
    goroutine::block_on(async {
        for i in 0..200 {
            m.lock().await.push((9, i));
        }
    });
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(m.lock_blocking().len(), 600);
}

#[goroutine::test(workers = 2)]
async fn dropped_lock_futures_lose_nothing() {
    // Lock futures that park and are then dropped (a losing select! arm)
    // must pass on whatever they were given: every real locker finishes.
    let m = Arc::new(Mutex::new(0u32));
    let wg = WaitGroup::new();
    for i in 0..8 {
        let m = m.clone();
        wg.go(async move {
            for _ in 0..200 {
                if i % 2 == 0 {
                    let mut f = std::pin::pin!(m.lock());
                    std::future::poll_fn(|cx| {
                        let _ = f.as_mut().poll(cx);
                        Poll::Ready(())
                    })
                    .await;
                } else {
                    *m.lock().await += 1;
                }
            }
        });
    }
    wg.wait().await;
    assert_eq!(*m.lock().await, 4 * 200);
}

#[goroutine::test(workers = 2)]
async fn parked_lock_reports_the_mutex_reason() {
    let m = Arc::new(Mutex::new(()));
    let g = m.lock().await;
    let h = {
        let m = m.clone();
        goroutine::task::Builder::new()
            .name("locker")
            .spawn(async move { drop(m.lock().await) })
    };
    assert!(common::wait_for_reason("locker", WaitReason::Mutex).await);
    drop(g);
    h.await.unwrap();
}
