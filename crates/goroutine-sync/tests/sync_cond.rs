//! Cond behaviours, ported from Go's `src/sync/cond_test.go`.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use goroutine::sync::{Cond, Mutex, Semaphore, WaitGroup};

struct Shared {
    m: Mutex<()>,
    c: Cond,
    awake: Semaphore,
    awake_count: AtomicUsize,
}

fn shared() -> Arc<Shared> {
    Arc::new(Shared {
        m: Mutex::new(()),
        c: Cond::new(),
        awake: Semaphore::new(0),
        awake_count: AtomicUsize::new(0),
    })
}

/// Starts `n` goroutines that each wait once on the Cond, and returns when
/// all of them are parked in `wait` (each checked in while holding the
/// mutex, and we can only take the mutex after the last one released it by
/// waiting).
async fn start_waiters(s: &Arc<Shared>, n: usize) {
    let running = WaitGroup::new();
    running.add(n);
    for _ in 0..n {
        let (s, running) = (s.clone(), running.clone());
        goroutine::go!(async move {
            let g = s.m.lock().await;
            running.done();
            let g = s.c.wait(g).await;
            s.awake_count.fetch_add(1, SeqCst);
            s.awake.add_permits(1);
            drop(g);
        });
    }
    running.wait().await;
    drop(s.m.lock().await);
}

// Go: TestCondSignal. Each signal wakes exactly one waiter.
#[goroutine::test(workers = 2)]
async fn each_signal_wakes_exactly_one_waiter() {
    let s = shared();
    let n = 4;
    start_waiters(&s, n).await;
    for woken in 1..=n {
        assert_eq!(
            s.awake_count.load(SeqCst),
            woken - 1,
            "a goroutine woke without a signal"
        );
        s.c.signal();
        s.awake.acquire().await.forget(); // deadlocks if nobody wakes
        for _ in 0..10 {
            goroutine::yield_now().await;
        }
        assert_eq!(
            s.awake_count.load(SeqCst),
            woken,
            "one signal woke several goroutines"
        );
    }
    s.c.signal(); // nobody waits: no effect
}

// Go: TestCondBroadcast. One broadcast wakes every waiter.
#[goroutine::test(workers = 2)]
async fn broadcast_wakes_every_waiter() {
    let s = shared();
    let n = 8;
    start_waiters(&s, n).await;
    assert_eq!(s.awake_count.load(SeqCst), 0);
    s.c.broadcast();
    s.awake.acquire_many(n).await.forget();
    assert_eq!(s.awake_count.load(SeqCst), n);
}

// Go: TestRace (a producer/consumer hand-off through one Cond).
#[goroutine::test(workers = 2)]
async fn producer_and_consumer_take_turns() {
    let state = Arc::new((Mutex::new(0u32), Cond::new()));
    let consumer = {
        let state = state.clone();
        goroutine::spawn(async move {
            let (m, c) = &*state;
            let mut seen = Vec::new();
            let mut g = m.lock().await;
            while seen.len() < 50 {
                while *g % 2 == 0 {
                    g = c.wait(g).await;
                }
                seen.push(*g);
                *g += 1;
                c.broadcast();
            }
            seen
        })
    };
    let (m, c) = &*state;
    let mut g = m.lock().await;
    for _ in 0..50 {
        while *g % 2 == 1 {
            g = c.wait(g).await;
        }
        *g += 1;
        c.broadcast();
    }
    drop(g);
    let seen = consumer.await.unwrap();
    assert_eq!(seen, (0..50).map(|i| 2 * i + 1).collect::<Vec<_>>());
}

/// Go readies the goroutines main wakes into main's P's `runnext`, so after
/// main broadcasts to three waiters its P runs the last one first, then the
/// first and the second ("Concurrency in Go"'s button example prints
/// "Mouse clicked." first). With one worker the order is exact.
#[goroutine::test(workers = 1)]
async fn main_broadcast_runs_the_last_waiter_first_then_the_rest_in_order() {
    let m = Arc::new(Mutex::new(Vec::new()));
    let c = Arc::new(Cond::new());
    for i in 0..3 {
        let (mm, c) = (m.clone(), c.clone());
        goroutine::go!(async move {
            let m = mm;
            let mut g = m.lock().await;
            g.push(i);
            let mut g = c.wait(g).await;
            g.push(10 + i);
        });
        // Each waiter checks in (under the mutex) before the next starts.
        while m.lock().await.len() <= i {
            goroutine::yield_now().await;
        }
    }
    c.broadcast();
    while m.lock().await.len() < 6 {
        goroutine::yield_now().await;
    }
    assert_eq!(m.lock().await[3..], [12, 10, 11]);
}
