//! ErrGroup behaviours, ported from `golang.org/x/sync/errgroup`'s tests.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use goroutine::context::ContextError;
use goroutine::sync::{ErrGroup, Semaphore};

/// errgroup's TestZeroGroup sequence: goroutines failing with none, 1,
/// none, 1, 2 (as `error(n)`), one at a time, a wait after each `go`.
async fn wait_after_each_go<E: Send + 'static>(error: fn(u32) -> E) -> Vec<Result<(), E>> {
    let group = ErrGroup::<E>::new();
    let mut results = Vec::new();
    for err in [None, Some(1), None, Some(1), Some(2)] {
        group.go(async move { err.map_or(Ok(()), |e| Err(error(e))) });
        results.push(group.clone().wait().await);
    }
    results
}

// errgroup: TestZeroGroup. Go's Wait returns the first error every time,
// forever. So does ours for error types it can copy (here u32).
#[goroutine::test(workers = 2)]
async fn every_wait_returns_the_first_error_as_in_go() {
    let results = wait_after_each_go(|e| e).await;
    assert_eq!(results, [Ok(()), Err(1), Err(1), Err(1), Err(1)]);
}

/// An error type the group cannot copy: the first wait gets it, and the
/// group then records the next error, so a reused group hides no failure.
#[derive(Debug, PartialEq)]
struct Failed(u32);

#[goroutine::test(workers = 2)]
async fn an_error_that_cannot_be_copied_goes_to_one_wait_then_the_next_is_recorded() {
    let results = wait_after_each_go(Failed).await;
    assert_eq!(
        results,
        [
            Ok(()),
            Err(Failed(1)),
            Ok(()),
            Err(Failed(1)),
            Err(Failed(2))
        ]
    );
}

// Within one round only the first error is kept.
#[goroutine::test(workers = 2)]
async fn only_the_first_error_of_a_round_is_kept() {
    let (group, ctx) = ErrGroup::<Failed>::with_context();
    group.go(async move {
        // Fails only after the first error has cancelled the context.
        ctx.done().await;
        Err(Failed(2))
    });
    group.go(async { Err(Failed(1)) });
    assert_eq!(group.clone().wait().await, Err(Failed(1)));
    assert_eq!(group.wait().await, Ok(()));
}

// Of many failing goroutines, exactly one error comes back, to every wait.
#[goroutine::test(workers = 2)]
async fn wait_returns_one_of_the_errors() {
    let group = ErrGroup::<usize>::new();
    for i in 0..16 {
        group.go(async move { Err(i) });
    }
    let first = group.clone().wait().await;
    assert!(matches!(first, Err(i) if i < 16));
    assert_eq!(group.wait().await, first);
}

// errgroup's pipeline example: a goroutine waits and then closes the
// results channel, while the caller ranges over the results and then
// waits again for the error. Go's second Wait returns the error too.
#[goroutine::test(workers = 2)]
async fn a_second_wait_after_a_closer_goroutine_still_sees_the_error() {
    async fn run<E: Send + 'static>(fail: impl FnOnce() -> E + Send + 'static) -> Result<(), E> {
        let group = ErrGroup::<E>::new();
        let (results, range) = goroutine::chan::bounded::<u32>(0);
        let sender = results.clone();
        group.go(async move {
            sender.send(1).await.ok();
            Err(fail())
        });
        let closer = group.clone();
        goroutine::go!(async move {
            let _ = closer.wait().await;
            results.close();
        });
        while range.recv().await.is_some() {}
        group.wait().await
    }
    assert_eq!(
        run(|| String::from("bad file")).await,
        Err("bad file".to_owned())
    );
    let boxed = run(|| Box::<dyn std::error::Error + Send + Sync>::from("bad file")).await;
    assert_eq!(boxed.unwrap_err().to_string(), "bad file");
    let io = run(|| std::io::Error::new(std::io::ErrorKind::NotFound, "bad file")).await;
    let io = io.unwrap_err();
    assert_eq!(
        (io.kind(), io.to_string()),
        (std::io::ErrorKind::NotFound, "bad file".to_owned())
    );
}

#[goroutine::test]
async fn group_without_errors_returns_ok() {
    let group = ErrGroup::<()>::new();
    for _ in 0..10 {
        group.go(async { Ok(()) });
    }
    assert_eq!(group.wait().await, Ok(()));
}

// errgroup: TestWithContext. The first error cancels the context, so the
// other members (waiting on it) stop; wait returns that error.
#[goroutine::test(workers = 2)]
async fn first_error_cancels_the_context_for_the_others() {
    let (group, ctx) = ErrGroup::<String>::with_context();
    let stopped = Arc::new(AtomicUsize::new(0));
    for _ in 0..5 {
        let (ctx, stopped) = (ctx.clone(), stopped.clone());
        group.go(async move {
            ctx.done().await;
            stopped.fetch_add(1, SeqCst);
            Ok(())
        });
    }
    group.go(async { Err(String::from("boom")) });
    assert_eq!(group.wait().await, Err(String::from("boom")));
    assert_eq!(stopped.load(SeqCst), 5);
    assert_eq!(ctx.err(), Some(ContextError::Canceled));
}

// errgroup: "The derived Context is canceled ... the first time Wait
// returns".
#[goroutine::test]
async fn context_is_cancelled_when_wait_returns() {
    let (group, ctx) = ErrGroup::<()>::with_context();
    group.go(async { Ok(()) });
    assert_eq!(ctx.err(), None);
    group.clone().wait().await.unwrap();
    assert_eq!(ctx.err(), Some(ContextError::Canceled));
}

// errgroup: TestGoLimit. No more than the limit run at once.
#[goroutine::test(workers = 2)]
async fn limit_bounds_how_many_run_at_once() {
    let group = ErrGroup::<()>::new();
    let limit = 3;
    group.set_limit(limit);
    let active = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    for _ in 0..40 {
        let (active, peak) = (active.clone(), peak.clone());
        group.go(async move {
            let now = active.fetch_add(1, SeqCst) + 1;
            peak.fetch_max(now, SeqCst);
            goroutine::yield_now().await;
            active.fetch_sub(1, SeqCst);
            Ok(())
        });
    }
    group.wait().await.unwrap();
    assert!(peak.load(SeqCst) <= limit, "peak {}", peak.load(SeqCst));
    assert!(peak.load(SeqCst) >= 1);
}

// errgroup: TestTryGo.
#[goroutine::test(workers = 2)]
async fn try_go_refuses_when_the_group_is_full() {
    let group = ErrGroup::<()>::new();
    group.set_limit(2);
    let gate = Arc::new(Semaphore::new(0));
    for _ in 0..2 {
        let gate = gate.clone();
        assert!(group.try_go(async move {
            gate.acquire().await.forget();
            Ok(())
        }));
    }
    assert!(!group.try_go(async { Ok(()) }), "a third must not start");
    gate.add_permits(2);
    group.clone().wait().await.unwrap();
    assert!(group.try_go(async { Ok(()) }), "free again after wait");
    group.wait().await.unwrap();
}

/// Starts a member of `group` that runs until a permit is added to the
/// returned gate.
fn go_held(group: &ErrGroup<()>) -> Arc<Semaphore> {
    let gate = Arc::new(Semaphore::new(0));
    let g = gate.clone();
    group.go(async move {
        g.acquire().await.forget();
        Ok(())
    });
    gate
}

// errgroup: SetLimit's panic on a group with goroutines started under a
// limit still active, with Go's message (Go counts `len(g.sem)`).
#[goroutine::test(workers = 2)]
async fn changing_the_limit_while_limited_goroutines_run_panics() {
    let group = ErrGroup::<()>::new();
    group.set_limit(2);
    let gate = go_held(&group);
    let err =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| group.set_limit(4))).unwrap_err();
    let msg = err.downcast::<String>().unwrap();
    assert_eq!(
        *msg,
        "errgroup: modify limit while 1 goroutines in the group are still active"
    );
    gate.add_permits(1);
    group.clone().wait().await.unwrap();
    group.set_limit(4); // nothing active under the limit any more
}

// As in Go, goroutines started with no limit do not stop a limit being set
// (`len(g.sem)` is 0 while `g.sem` is nil).
#[goroutine::test(workers = 2)]
async fn a_limit_may_be_set_while_unlimited_goroutines_run() {
    let group = ErrGroup::<()>::new();
    let gate = go_held(&group);
    group.set_limit(1);
    assert!(
        group.try_go(async { Ok(()) }),
        "the new limit's slot is free"
    );
    gate.add_permits(1);
    group.wait().await.unwrap();
}

// Go's `Go` blocks while the group is full, so with a limit the goroutines
// start in `Go` order and no more of them exist than the limit.
#[test]
fn limited_goroutines_start_in_go_order_and_wait_unspawned() {
    for workers in [1, 2] {
        let rt = goroutine::runtime::Builder::new()
            .workers(workers)
            .build()
            .unwrap();
        let order = rt.block_on(async {
            let group = ErrGroup::<()>::new();
            group.set_limit(1);
            let gate = Arc::new(Semaphore::new(0));
            let order = Arc::new(std::sync::Mutex::new(Vec::new()));
            for i in 0..6 {
                let (gate, order) = (gate.clone(), order.clone());
                group.go(async move {
                    order.lock().unwrap().push(i);
                    gate.acquire().await.forget();
                    Ok(())
                });
            }
            // Main and the one member that holds the slot.
            assert_eq!(goroutine::num_goroutines(), 2, "workers: {workers}");
            gate.add_permits(6);
            group.wait().await.unwrap();
            Arc::try_unwrap(order).unwrap().into_inner().unwrap()
        });
        assert_eq!(order, [0, 1, 2, 3, 4, 5], "workers: {workers}");
    }
}

#[goroutine::test(workers = 2)]
async fn goroutines_may_add_more_work_to_their_group() {
    let group = ErrGroup::<u32>::new();
    let done = Arc::new(AtomicUsize::new(0));
    let (g, d) = (group.clone(), done.clone());
    group.go(async move {
        for i in 0..5 {
            let d = d.clone();
            g.go(async move {
                d.fetch_add(1, SeqCst);
                if i == 3 {
                    Err(i)
                } else {
                    Ok(())
                }
            });
        }
        Ok(())
    });
    assert_eq!(group.wait().await, Err(3));
    assert_eq!(done.load(SeqCst), 5);
}

#[goroutine::test(workers = 2)]
async fn panic_in_a_member_is_raised_by_wait_after_all_finish() {
    let (group, ctx) = ErrGroup::<()>::with_context();
    let finished = Arc::new(AtomicUsize::new(0));
    let f = finished.clone();
    let c = ctx.clone();
    group.go(async move {
        c.done().await; // cancelled by the panic below
        f.fetch_add(1, SeqCst);
        Ok(())
    });
    group.go(async { panic!("member exploded") });
    let waited = goroutine::spawn(group.wait());
    let err = waited.await.unwrap_err();
    assert!(err.is_panic());
    assert_eq!(
        *err.into_panic().downcast::<&str>().unwrap(),
        "member exploded"
    );
    assert_eq!(
        finished.load(SeqCst),
        1,
        "wait re-raises only after every member finished"
    );
    assert_eq!(ctx.err(), Some(ContextError::Canceled));
}

// A member dropped unfinished (its runtime shut down) gives its slot back,
// so a group that outlives that runtime is not full for good and work is
// not left queued while `wait` returns.
#[test]
fn a_member_dropped_unfinished_frees_its_slot() {
    let group = ErrGroup::<()>::new();
    group.set_limit(1);
    let rt1 = goroutine::runtime::Builder::new()
        .workers(1)
        .build()
        .unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    rt1.block_on(async {
        group.go(std::future::pending()); // holds the only slot
        for _ in 0..100 {
            let ran = ran.clone();
            group.go(async move {
                ran.fetch_add(1, SeqCst);
                std::future::pending().await
            });
        }
        goroutine::yield_now().await;
    });
    rt1.shutdown_timeout(std::time::Duration::from_secs(5));
    let rt2 = goroutine::runtime::Builder::new()
        .workers(1)
        .build()
        .unwrap();
    rt2.block_on(async {
        let r = ran.clone();
        assert!(
            group.try_go(async move {
                r.fetch_add(1000, SeqCst);
                Ok(())
            }),
            "the dropped members' slot is free"
        );
        group.wait().await.unwrap();
    });
    // The queued work was dropped with the first runtime, unrun.
    assert_eq!(ran.load(SeqCst), 1000);
}

// Go's `SetLimit(-1)` drops the token channel, so the next `SetLimit` sees
// no active goroutines (`len(nil) == 0`) and does not panic.
#[goroutine::test(workers = 2)]
async fn a_limit_may_be_set_again_after_removing_it() {
    let group = ErrGroup::<()>::new();
    group.set_limit(1);
    let gate = go_held(&group);
    group.remove_limit();
    group.set_limit(2);
    gate.add_permits(1);
    group.wait().await.unwrap();
}
