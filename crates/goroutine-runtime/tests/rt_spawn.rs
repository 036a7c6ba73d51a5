//! Spawning, joining, aborting and panics (issue 2).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use goroutine::runtime::{Builder, Runtime};

/// Runs `f` on a thread of its own and fails the test if it has not
/// returned within `limit`: for tests whose failure mode is a hang.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(f()).unwrap());
    rx.recv_timeout(limit)
        .expect("did not finish in time: a goroutine was starved")
}

fn rt(workers: usize) -> Runtime {
    Builder::new().workers(workers).build().unwrap()
}

/// One worker and no extra ones: a machine stalled for 10 ms in a poll
/// would otherwise have an extra worker take goroutines and change an
/// order under test.
fn rt_one_worker_alone() -> Runtime {
    Builder::new()
        .workers(1)
        .blocking_threshold(None)
        .build()
        .unwrap()
}

/// A one-shot signal a goroutine can wait on and anyone can fire, written
/// here so these tests do not depend on the channel crate.
#[derive(Clone, Default)]
struct Signal(Arc<Mutex<(bool, Option<Waker>)>>);

impl Signal {
    fn fire(&self) {
        let w = {
            let mut s = self.0.lock().unwrap();
            s.0 = true;
            s.1.take()
        };
        if let Some(w) = w {
            w.wake();
        }
    }

    fn wait(&self) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(move |cx| {
            let mut s = self.0.lock().unwrap();
            if s.0 {
                Poll::Ready(())
            } else {
                s.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }
}

#[test]
fn spawn_from_block_on_runs_on_the_workers() {
    let rt = rt(2);
    let name = rt.block_on(async {
        goroutine::spawn(async { std::thread::current().name().map(str::to_owned) })
            .await
            .unwrap()
    });
    assert!(name.unwrap().starts_with("goroutine-worker-"));
}

#[test]
fn a_goroutines_spawns_run_newest_first_then_in_order() {
    // Go's `go` puts the new goroutine in runnext from any goroutine, not
    // only main: with one worker, once the spawner ends, its last spawn
    // runs first, then the others in order (Go prints 2 0 1).
    let order = Arc::new(Mutex::new(Vec::new()));
    let o = order.clone();
    rt_one_worker_alone().block_on(async move {
        let spawner = o.clone();
        // Not joined: its end must wake nobody, as in Go.
        drop(goroutine::spawn(async move {
            for i in 0..3 {
                let o = spawner.clone();
                goroutine::spawn(async move { o.lock().unwrap().push(i) });
            }
        }));
        while o.lock().unwrap().len() < 3 {
            goroutine::yield_now().await;
        }
    });
    assert_eq!(*order.lock().unwrap(), [2, 0, 1]);
}

#[test]
fn spawn_from_a_goroutine_and_join_it() {
    let rt = rt(2);
    let v = rt.block_on(async {
        goroutine::spawn(async { goroutine::spawn(async { 21 }).await.unwrap() * 2 })
            .await
            .unwrap()
    });
    assert_eq!(v, 42);
}

#[test]
fn spawn_from_a_plain_thread_uses_the_global_runtime() {
    let v = std::thread::spawn(|| {
        let h = goroutine::spawn(async { 7 });
        goroutine::block_on(h).unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(v, 7);
}

#[test]
fn spawn_via_a_handle_from_another_thread() {
    let rt = rt(2);
    let handle = rt.handle();
    let h = std::thread::spawn(move || {
        handle.spawn(async { std::thread::current().name().map(str::to_owned) })
    })
    .join()
    .unwrap();
    let name = rt.block_on(h).unwrap().unwrap();
    assert!(name.starts_with("goroutine-worker-"), "ran on {name}");
}

#[test]
fn a_million_goroutines_all_complete() {
    const N: usize = if cfg!(miri) { 100 } else { 1_000_000 };
    let rt = rt(2);
    let done = Arc::new(AtomicUsize::new(0));
    let all = Signal::default();
    let (d, a) = (done.clone(), all.clone());
    rt.block_on(async move {
        goroutine::spawn(async move {
            for _ in 0..N {
                let d = d.clone();
                let a = a.clone();
                goroutine::go!(async move {
                    if d.fetch_add(1, SeqCst) + 1 == N {
                        a.fire();
                    }
                });
            }
        })
        .await
        .unwrap();
        all.wait().await;
    });
    assert_eq!(done.load(SeqCst), N);
}

#[test]
fn abort_drops_a_parked_goroutine_and_reports_cancelled() {
    let rt = rt(2);
    struct Flag(Arc<AtomicBool>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, SeqCst);
        }
    }
    let dropped = Arc::new(AtomicBool::new(false));
    let d = dropped.clone();
    let err = rt.block_on(async move {
        let started = Signal::default();
        let s = started.clone();
        let h = goroutine::spawn(async move {
            let _flag = Flag(d);
            s.fire();
            std::future::pending::<()>().await
        });
        started.wait().await;
        h.abort();
        h.await.unwrap_err()
    });
    assert!(err.is_cancelled());
    assert!(
        dropped.load(SeqCst),
        "the aborted goroutine's destructors ran"
    );
}

#[test]
fn abort_before_the_first_poll_prevents_it() {
    let rt = rt(1);
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    let err = rt.block_on(async move {
        // Spawned from block_on: it waits in the injector until a worker
        // picks it up; abort first.
        let h = goroutine::spawn(async move { r.store(true, SeqCst) });
        h.abort();
        h.await
    });
    // Either it ran before the abort landed or it was cancelled; if
    // cancelled it must not have run.
    if let Err(e) = err {
        assert!(e.is_cancelled());
        assert!(!ran.load(SeqCst));
    }
}

#[test]
fn abort_after_completion_keeps_the_result() {
    let rt = rt(1);
    rt.block_on(async {
        let h = goroutine::spawn(async { 5 });
        while !h.is_finished() {
            goroutine::yield_now().await;
        }
        h.abort();
        assert_eq!(h.await.unwrap(), 5);
    });
}

#[test]
fn a_panicking_goroutine_gives_join_error_and_others_keep_running() {
    let rt = rt(1);
    rt.block_on(async {
        let bad = goroutine::spawn(async { panic!("deliberate test panic") });
        let good = goroutine::spawn(async {
            goroutine::yield_now().await;
            "still running"
        });
        let err = bad.await.unwrap_err();
        assert!(err.is_panic());
        assert!(err.to_string().contains("deliberate test panic"), "{err}");
        assert_eq!(good.await.unwrap(), "still running");
        // The single worker survived the panic.
        assert_eq!(goroutine::spawn(async { 1 }).await.unwrap(), 1);
    });
}

#[test]
fn join_error_payload_round_trips() {
    let rt = rt(1);
    let handle = rt.spawn(async { std::panic::panic_any(17u32) });
    let spawned = handle.id();
    let err = rt.block_on(handle).unwrap_err();
    assert_eq!(err.id(), spawned);
    assert!(format!("{err:?}").contains("Panic"));
    assert_eq!(*err.into_panic().downcast::<u32>().unwrap(), 17);
}

#[test]
fn block_on_inside_a_goroutine_panics_with_advice() {
    let rt = rt(1);
    let err = rt
        .block_on(goroutine::spawn(async { goroutine::block_on(async {}) }))
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("block_on called from inside a goroutine"),
        "{msg}"
    );
    assert!(msg.contains(".await"), "{msg}");
}

#[test]
fn spawn_blocking_runs_off_the_workers() {
    let rt = rt(1);
    let name = rt
        .block_on(rt.spawn_blocking(|| std::thread::current().name().map(str::to_owned)))
        .unwrap()
        .unwrap();
    assert!(name.ends_with("-blocking"), "{name}");
}

#[test]
fn spawn_blocking_grows_threads_up_to_the_limit() {
    let rt = Builder::new()
        .workers(1)
        .max_blocking_threads(3)
        .build()
        .unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (r, p) = (running.clone(), peak.clone());
            rt.spawn_blocking(move || {
                let now = r.fetch_add(1, SeqCst) + 1;
                p.fetch_max(now, SeqCst);
                std::thread::sleep(Duration::from_millis(30));
                r.fetch_sub(1, SeqCst);
            })
        })
        .collect();
    rt.block_on(async {
        for h in handles {
            h.await.unwrap();
        }
    });
    let peak = peak.load(SeqCst);
    assert!(peak <= 3, "ran {peak} blocking closures at once");
    assert!(peak >= 2, "the pool never grew");
}

#[test]
fn a_blocking_closure_aborted_while_queued_never_runs() {
    let rt = Builder::new()
        .workers(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let (release, gate) = std::sync::mpsc::channel::<()>();
    let busy = rt.spawn_blocking(move || gate.recv().unwrap());
    let ran = Arc::new(AtomicBool::new(false));
    let queued = {
        let ran = ran.clone();
        rt.spawn_blocking(move || ran.store(true, SeqCst))
    };
    queued.abort();
    release.send(()).unwrap();
    rt.block_on(async {
        busy.await.unwrap();
        assert!(queued.await.unwrap_err().is_cancelled());
    });
    assert!(!ran.load(SeqCst), "the aborted closure ran");
}

#[test]
fn num_goroutines_counts_main_and_parked_goroutines() {
    let rt = rt(2);
    rt.block_on(async {
        assert_eq!(goroutine::num_goroutines(), 1, "main goroutine only");
        let go = Signal::default();
        let handles: Vec<_> = (0..10)
            .map(|_| {
                let go = go.clone();
                goroutine::spawn(async move { go.wait().await })
            })
            .collect();
        assert_eq!(goroutine::num_goroutines(), 11);
        go.fire();
        for h in handles {
            h.await.unwrap();
        }
        assert_eq!(goroutine::num_goroutines(), 1);
    });
    assert_eq!(rt.handle().num_goroutines(), 0);
}

#[test]
fn maxprocs_reports_the_current_runtimes_workers() {
    let rt = rt(3);
    assert_eq!(rt.block_on(async { goroutine::maxprocs() }), 3);
    assert_eq!(
        rt.block_on(rt.spawn(async { goroutine::maxprocs() }))
            .unwrap(),
        3
    );
}

#[test]
fn named_goroutines_show_in_debug_listing_with_location() {
    let rt = rt(2);
    rt.block_on(async {
        let go = Signal::default();
        let g = go.clone();
        let h = goroutine::task::Builder::new()
            .name("ingest")
            .spawn(async move { g.wait().await });
        let id = h.id();
        let info = loop {
            if let Some(i) = goroutine::debug::goroutines()
                .into_iter()
                .find(|g| g.id == id)
            {
                break i;
            }
            goroutine::yield_now().await;
        };
        assert_eq!(info.name.as_deref(), Some("ingest"));
        assert_eq!(info.location.file(), file!());
        assert_eq!(info.state, goroutine::debug::GoroutineState::Waiting);
        assert!(goroutine::debug::dump().contains("name: ingest"));
        go.fire();
        h.await.unwrap();
        assert!(goroutine::debug::goroutines().iter().all(|g| g.id != id));
    });
}

/// On one worker, spins with `step` until another goroutine sets a flag:
/// a hang (caught by `within`) if `step` never lets that goroutine run.
fn spin_until_another_goroutine_runs<F: Future<Output = ()> + Send>(
    step: impl Fn() -> F + Send + 'static,
) {
    within(Duration::from_secs(30), || {
        let rt = rt(1);
        let ran = rt.block_on(rt.spawn(async move {
            let flag = Arc::new(AtomicBool::new(false));
            let f2 = flag.clone();
            goroutine::go!(async move { f2.store(true, SeqCst) });
            while !flag.load(SeqCst) {
                step().await;
            }
            flag.load(SeqCst)
        }));
        assert!(ran.unwrap());
    });
}

#[test]
fn yield_now_lets_another_goroutine_run_on_one_worker() {
    // The failure mode is a hang: a yield that did not let the other
    // goroutine run would loop forever on the single worker.
    spin_until_another_goroutine_runs(goroutine::yield_now);
}

/// Go's `go f(); runtime.Gosched()` in main: the goroutine spawned before
/// the yield runs before main resumes. The main goroutine runs on its own
/// thread, so its yield queues a stand-in behind the goroutine in the
/// global queue and waits for a worker to reach it; the stand-in is not
/// counted as a goroutine.
#[test]
fn a_yield_in_the_main_goroutine_lets_goroutines_spawned_before_it_run() {
    let rt = rt(1);
    rt.block_on(async {
        for round in 0..50 {
            let ran = Arc::new(AtomicBool::new(false));
            let flag = ran.clone();
            goroutine::go!(async move { flag.store(true, SeqCst) });
            goroutine::yield_now().await;
            assert!(ran.load(SeqCst), "round {round}: main resumed first");
            assert_eq!(goroutine::num_goroutines(), 1, "round {round}");
        }
    });
}

/// Go's order for `go a(); go b(); go c()` in main: main's P runs the
/// newest (`runnext`) first, then the rest in order: c, a, b. The Tour of
/// Go's channel example prints "-5 17 12" because of it.
#[test]
fn goroutines_spawned_by_main_run_newest_first_then_in_order() {
    let rt = rt_one_worker_alone();
    let order = rt.block_on(async {
        let order = Arc::new(Mutex::new(Vec::new()));
        let wg = goroutine::sync::WaitGroup::new();
        for name in ["a", "b", "c"] {
            let order = order.clone();
            wg.go(async move { order.lock().unwrap().push(name) });
        }
        wg.wait().await;
        let order = order.lock().unwrap().clone();
        order
    });
    assert_eq!(order, ["c", "a", "b"]);
}

/// Main's spawns wait for main to block, as Go's main's P keeps them
/// while main runs; but a main goroutine that never blocks (here: a
/// blocking sleep) does not keep them for ever: the monitor hands them to
/// the workers after a round.
#[test]
fn a_main_goroutine_that_never_blocks_still_lets_its_spawns_run() {
    let rt = rt(1);
    rt.block_on(async {
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        goroutine::go!(async move { flag.store(true, SeqCst) });
        let start = std::time::Instant::now();
        while !ran.load(SeqCst) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the spawn never ran"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// A future that is always ready but spends coop budget, like a channel
/// receive that always finds a value.
struct AlwaysReady;

impl Future for AlwaysReady {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let p = std::task::ready!(goroutine::coop::poll_proceed(cx));
        p.made_progress();
        Poll::Ready(())
    }
}

#[test]
fn a_goroutine_that_always_finds_work_ready_cannot_starve_another() {
    // The failure mode is a hang: without the budget the loop below never
    // returns Pending, and the single worker never runs the goroutine that
    // sets the flag.
    spin_until_another_goroutine_runs(|| AlwaysReady);
}

#[test]
fn unconstrained_never_forces_a_yield() {
    let rt = rt(1);
    rt.block_on(rt.spawn(async {
        goroutine::coop::unconstrained(async {
            for _ in 0..10_000 {
                AlwaysReady.await;
                assert!(goroutine::coop::has_budget_remaining());
            }
        })
        .await
    }))
    .unwrap();
}

#[test]
fn goroutine_ids_are_unique() {
    let rt = rt(2);
    let ids = rt.block_on(async {
        let hs: Vec<_> = (0..1000).map(|_| goroutine::spawn(async {})).collect();
        hs.iter().map(|h| h.id()).collect::<Vec<_>>()
    });
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len());
}

#[test]
fn builder_rejects_zero_workers() {
    let r = std::panic::catch_unwind(|| {
        Builder::new().workers(0);
    });
    assert!(r.is_err());
}

#[test]
fn runtime_handle_block_on_from_plain_thread() {
    let rt = rt(2);
    let handle = rt.handle();
    let out = std::thread::spawn(move || {
        handle.block_on(async { goroutine::spawn(async { 9 }).await.unwrap() })
    })
    .join()
    .unwrap();
    assert_eq!(out, 9);
}

#[test]
fn large_futures_are_spawned_without_overflowing_the_stack() {
    let rt = rt(1);
    let v = rt.block_on(rt.spawn(async {
        let big = [1u8; 64 * 1024];
        goroutine::yield_now().await;
        big.iter().map(|&b| u64::from(b)).sum::<u64>()
    }));
    assert_eq!(v.unwrap(), 64 * 1024);
}

/// A `spawn_blocking` closure runs inside its runtime, as a goroutine
/// does: `spawn` there starts a goroutine on that runtime, not on the
/// global one.
#[test]
fn spawn_blocking_closure_spawns_onto_its_own_runtime() {
    let rt = goroutine::runtime::Builder::new()
        .workers(7)
        .build()
        .unwrap();
    let (outer, inner) = rt.block_on(async {
        goroutine::spawn_blocking(|| {
            let inner = goroutine::runtime::Handle::try_current().map(|h| h.metrics().workers);
            (goroutine::maxprocs(), inner)
        })
        .await
        .unwrap()
    });
    assert_eq!(outer, 7);
    assert_eq!(inner, Some(7));
}
