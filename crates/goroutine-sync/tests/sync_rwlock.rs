//! RwLock behaviours, ported from Go's `src/sync/rwmutex_test.go`.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;

use goroutine::sync::{RwLock, WaitGroup};

// Go: TestRWMutex (HammerRWMutex). `activity` counts readers up by 1 and a
// writer by 10_000: a reader must never see a writer inside, a writer must
// be alone.
#[goroutine::test(workers = 2)]
async fn readers_share_and_writers_are_alone() {
    let lock = Arc::new(RwLock::new(()));
    let activity = Arc::new(AtomicIsize::new(0));
    let wg = WaitGroup::new();
    for g in 0..10 {
        let (lock, activity) = (lock.clone(), activity.clone());
        wg.go(async move {
            for i in 0..200 {
                if (g + i) % 5 == 0 {
                    let _w = lock.write().await;
                    assert_eq!(activity.fetch_add(10_000, SeqCst), 0, "writer not alone");
                    goroutine::yield_now().await;
                    assert_eq!(activity.fetch_sub(10_000, SeqCst), 10_000);
                } else {
                    let _r = lock.read().await;
                    let n = activity.fetch_add(1, SeqCst);
                    assert!((0..10_000).contains(&n), "reader met a writer");
                    goroutine::yield_now().await;
                    activity.fetch_sub(1, SeqCst);
                }
            }
        });
    }
    wg.wait().await;
    assert_eq!(activity.load(SeqCst), 0);
}

// Go's RWMutex promise: "If a goroutine holds a RWMutex for reading and
// another goroutine might call Lock, no goroutine should expect to be able
// to acquire a read lock until the initial read lock is released." So a
// writer gets in even while readers keep overlapping: once it is queued,
// readers that come back queue behind it. Counted in reads, not time.
#[goroutine::test(workers = 2)]
async fn writer_gets_in_despite_overlapping_readers() {
    let lock = Arc::new(RwLock::new(0u32));
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let readers = WaitGroup::new();
    for _ in 0..4 {
        let (lock, stop, reads) = (lock.clone(), stop.clone(), reads.clone());
        readers.go(async move {
            while !stop.load(SeqCst) {
                let _r = lock.read().await;
                reads.fetch_add(1, SeqCst);
                goroutine::yield_now().await; // overlap with the other readers
            }
        });
    }
    let mut worst = 0;
    for _ in 0..20 {
        let mut write = std::pin::pin!(lock.write());
        // Poll once to queue (or take the lock), then count from there:
        // counted from before, a stall of this thread between the two
        // would count reads that no queued writer waited through.
        let first = std::future::poll_fn(|cx| Poll::Ready(write.as_mut().poll(cx))).await;
        let before = reads.load(SeqCst);
        let mut w = match first {
            Poll::Ready(w) => w,
            Poll::Pending => write.await,
        };
        // Counted while holding the lock: after the unlock, the readers it
        // wakes may read many times before this thread runs again.
        worst = worst.max(reads.load(SeqCst) - before);
        *w += 1;
        drop(w);
        goroutine::yield_now().await;
    }
    stop.store(true, SeqCst);
    readers.wait().await;
    assert_eq!(*lock.read().await, 20);
    // Reads counted while a writer waits: at most those of the readers
    // already inside (granted before the writer queued, counted after).
    assert!(worst < 100, "a writer waited through {worst} reads");
}

#[test]
fn blocking_read_and_write_from_threads() {
    let lock = Arc::new(RwLock::new(Vec::new()));
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let lock = lock.clone();
            std::thread::spawn(move || {
                for i in 0..100 {
                    lock.write_blocking().push(t * 1000 + i);
                    assert!(!lock.read_blocking().is_empty());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(lock.read_blocking().len(), 300);
}
