//! Heap bytes per parked goroutine, for goroutine, tokio and async-executor.
//!
//! A plain program (`harness = false`, no criterion): a counting global
//! allocator tracks live heap bytes; each row spawns 100,000 trivial tasks
//! (`PARKED_N` overrides) that count themselves and then park forever,
//! waits until every one has run once, and divides the growth of the live
//! heap by the number of tasks. Runtime construction is outside the window.
//!
//! Tasks are spawned from inside a task in batches of 1,000, each batch
//! awaited before the next, so run queues never hold more than a batch:
//! what is measured is the steady cost of a parked task, not the capacity
//! a queue keeps after a burst.
//!
//! Rows:
//! - `parked`: the task alone (future state of a few bytes).
//! - `parked+chan`: each task parked on its own channel's `recv`, the
//!   sender kept alive (its `Vec` is allocated before measuring). Peers:
//!   tokio `mpsc::channel(1)` on tokio (tokio has no capacity 0),
//!   async-channel `bounded(1)` on async-executor (same reason), flume
//!   `bounded(0)` on goroutine, and `goroutine::chan::bounded(0)` on
//!   goroutine (issue 5's target:
//!   <= 280 B).
//!
//! ```text
//! cargo bench -p goroutine-benches --bench memory
//! cargo bench -p goroutine-benches --bench memory
//! ```

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::atomic::{AtomicIsize, AtomicUsize};
use std::time::{Duration, Instant};

use common::{AsyncExecutor, Ctx, Goroutine, Rt, Tokio};

/// Counts live heap bytes; everything else is `System`'s.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees are ours; the counter is bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is; `ptr` came from `alloc` with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Tasks that have run once.
static STARTED: AtomicUsize = AtomicUsize::new(0);

const BATCH: usize = 1000;

fn parked_n() -> usize {
    std::env::var("PARKED_N")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(100_000)
}

/// Live heap bytes once the counter has been quiet for a moment (workers
/// settling after the last poll may still free a little).
fn settled_live() -> isize {
    let mut last = LIVE.load(SeqCst);
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(20));
        let now = LIVE.load(SeqCst);
        if now == last {
            break;
        }
        last = now;
    }
    last
}

/// Spawns `n` tasks made by `make(i)` from inside a task, in batches, and
/// returns live heap growth per task once all have run once.
fn measure<R, F, Fut>(rt: &R, n: usize, make: F) -> f64
where
    R: Rt,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let ctx = rt.ctx();
    // Warm the runtime up (lazy thread-locals, first queue blocks).
    rt.block_on(rt.spawn_join(async move {
        for _ in 0..BATCH {
            ctx.spawn(async {});
        }
        ctx.yield_now().await;
    }));
    STARTED.store(0, SeqCst);
    let before = settled_live();
    let t0 = Instant::now();
    rt.block_on(rt.spawn_join(async move {
        let mut spawned = 0;
        while spawned < n {
            let batch = BATCH.min(n - spawned);
            for i in spawned..spawned + batch {
                ctx.spawn(make(i));
            }
            spawned += batch;
            while STARTED.load(SeqCst) < spawned {
                // Bounded: a task that never counts itself is a bench bug,
                // not a reason to spin forever.
                assert!(
                    t0.elapsed() < Duration::from_secs(120),
                    "only {} of {spawned} tasks started",
                    STARTED.load(SeqCst)
                );
                ctx.yield_now().await;
            }
        }
    }));
    let after = settled_live();
    let elapsed = t0.elapsed();
    assert_eq!(STARTED.load(SeqCst), n, "every task ran once");
    let per = (after - before) as f64 / n as f64;
    eprintln!("    ({n} tasks spawned and parked in {elapsed:?})");
    per
}

/// Prints whether a goal of the project is met (never fails the run).
fn goal(what: &str, per: f64, max: f64) {
    let verdict = if per <= max { "met" } else { "NOT met" };
    println!("  goal: {what} <= {max:.0} B: {verdict} ({per:.0} B)");
}

fn row<R: Rt>(label: &str, n: usize, per: f64) {
    println!("{label:<14} {:<34} {per:>8.0} B/task  (n = {n})", R::NAME);
}

fn parked<R: Rt>(n: usize) {
    let rt = R::new(common::workers());
    let per = measure(&rt, n, |_| async {
        STARTED.fetch_add(1, SeqCst);
        std::future::pending::<()>().await
    });
    row::<R>("parked", n, per);
    if R::NAME == "goroutine" {
        goal("parked goroutine", per, 128.0);
    }
    // Dropping the runtime drops (or, for async-executor, leaks) the tasks.
}

/// Each task parks on its own channel; `chan(n)` makes the channels, the
/// senders are kept (allocated before measuring), the receivers move into
/// the tasks.
fn parked_on_chan<R, S, Rx, Fut>(
    label: &str,
    n: usize,
    make_chan: impl Fn() -> (S, Rx),
    recv: impl Fn(Rx) -> Fut + Send + Sync + 'static,
) -> f64
where
    R: Rt,
    S: Send + 'static,
    Rx: Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let rt = R::new(common::workers());
    let mut senders = Vec::with_capacity(n);
    let receivers: std::sync::Mutex<Vec<Option<Rx>>> =
        std::sync::Mutex::new((0..n).map(|_| None).collect());
    // Channel allocations count: the row is "goroutine + its channel".
    let before_chans = settled_live();
    {
        let mut rs = receivers.lock().unwrap();
        for slot in rs.iter_mut() {
            let (s, r) = make_chan();
            senders.push(s);
            *slot = Some(r);
        }
    }
    let chans = settled_live() - before_chans;
    let receivers = std::sync::Arc::new(receivers);
    let per_task = measure(&rt, n, move |i| {
        let rx = receivers.lock().unwrap()[i]
            .take()
            .expect("one receiver each");
        // `recv` counts STARTED itself: wrapping its future in another
        // `async` block here would make rustc store it twice (the captured
        // future and the awaited one), doubling the measured future.
        recv(rx)
    });
    let per = per_task + chans as f64 / n as f64;
    println!(
        "{:<14} {:<34} {per:>8.0} B/task  (n = {n}; channel {:.0} B + task {per_task:.0} B)",
        "parked+chan",
        label,
        chans as f64 / n as f64,
    );
    drop(rt);
    drop(senders);
    per
}

fn main() {
    // `cargo bench` passes `--bench`; `--list` etc. are criterion's: ignore.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n = parked_n();
    println!(
        "live heap bytes per parked task, {} workers",
        common::workers()
    );
    parked::<Goroutine>(n);
    parked::<Tokio>(n);
    parked::<AsyncExecutor>(n);

    parked_on_chan::<Goroutine, _, _, _>(
        "goroutine + flume bounded(0)",
        n,
        || flume::bounded::<()>(0),
        |rx| async move {
            STARTED.fetch_add(1, SeqCst);
            let _ = rx.recv_async().await;
        },
    );
    parked_on_chan::<Tokio, _, _, _>(
        "tokio + mpsc channel(1)",
        n,
        || tokio::sync::mpsc::channel::<()>(1),
        |mut rx| async move {
            STARTED.fetch_add(1, SeqCst);
            let _ = rx.recv().await;
        },
    );
    parked_on_chan::<AsyncExecutor, _, _, _>(
        "async-executor + async-channel(1)",
        n,
        || async_channel::bounded::<()>(1),
        |rx| async move {
            STARTED.fetch_add(1, SeqCst);
            let _ = rx.recv().await;
        },
    );
    {
        let per = parked_on_chan::<Goroutine, _, _, _>(
            "goroutine + chan bounded(0)",
            n,
            || goroutine::chan::bounded::<()>(0),
            |rx| async move {
                STARTED.fetch_add(1, SeqCst);
                let _ = rx.recv().await;
            },
        );
        goal("goroutine parked on its own channel", per, 280.0);
    }
}
