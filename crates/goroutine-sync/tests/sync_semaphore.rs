//! Semaphore behaviours, after `golang.org/x/sync/semaphore`'s tests.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use goroutine::sync::{Semaphore, WaitGroup};

// x/sync: TestWeighted. Concurrent holders never exceed the size.
#[goroutine::test(workers = 2)]
async fn holders_never_exceed_the_permits() {
    let sem = Arc::new(Semaphore::new(3));
    let inside = Arc::new(AtomicUsize::new(0));
    let wg = WaitGroup::new();
    for i in 0..12 {
        let (sem, inside) = (sem.clone(), inside.clone());
        wg.go(async move {
            for _ in 0..100 {
                let n = 1 + i % 3;
                let _p = sem.acquire_many(n).await;
                let now = inside.fetch_add(n, SeqCst) + n;
                assert!(now <= 3, "{now} permits held");
                goroutine::yield_now().await;
                inside.fetch_sub(n, SeqCst);
            }
        });
    }
    wg.wait().await;
    assert_eq!(sem.available_permits(), 3);
}

// x/sync: TestLargeAcquireDoesntStarve. Small acquirers keep the semaphore
// busy; a large acquire must still get through.
#[goroutine::test(workers = 2)]
async fn large_acquire_is_not_starved_by_small_ones() {
    let n = 4;
    let sem = Arc::new(Semaphore::new(n));
    let running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let wg = WaitGroup::new();
    for _ in 0..n {
        let (sem, running) = (sem.clone(), running.clone());
        wg.go(async move {
            while running.load(SeqCst) {
                let _p = sem.acquire().await;
                goroutine::yield_now().await;
            }
        });
    }
    let all = sem.acquire_many(n).await; // hangs if starved
    assert_eq!(all.num_permits(), n);
    running.store(false, SeqCst);
    drop(all);
    wg.wait().await;
}

#[goroutine::test(workers = 2)]
async fn owned_permits_travel_into_goroutines() {
    let sem = Arc::new(Semaphore::new(2));
    let wg = WaitGroup::new();
    for _ in 0..6 {
        let permit = sem.clone().acquire_many_owned(1).await;
        let s = sem.clone();
        wg.go(async move {
            assert!(s.available_permits() <= 1);
            drop(permit);
        });
    }
    wg.wait().await;
    assert_eq!(sem.available_permits(), 2);
}
