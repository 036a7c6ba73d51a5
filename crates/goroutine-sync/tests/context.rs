//! Context behaviours, after Go's `src/context/context_test.go`.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use goroutine::context::{self, ContextError};
use goroutine::sync::WaitGroup;

// Go: TestCanceledTimeout / the fan-out in XTestCancelRemoves, scaled up:
// cancelling a parent reaches 10,000 children, each watched by a goroutine.
#[goroutine::test(workers = 2)]
async fn cancelling_a_parent_wakes_ten_thousand_children() {
    let n = 10_000;
    let (parent, cancel) = context::with_cancel(&context::background());
    let wg = WaitGroup::new();
    let woken = Arc::new(AtomicUsize::new(0));
    for _ in 0..n {
        let (child, _cancel_child) = context::with_cancel(&parent);
        let woken = woken.clone();
        wg.go(async move {
            child.done().await;
            assert_eq!(child.err(), Some(ContextError::Canceled));
            woken.fetch_add(1, SeqCst);
        });
    }
    assert_eq!(woken.load(SeqCst), 0);
    cancel.cancel();
    wg.wait().await;
    assert_eq!(woken.load(SeqCst), n);
}

// Go: TestWithTimeout / TestDeadline.
#[goroutine::test]
async fn timeout_cancels_with_deadline_exceeded() {
    let (ctx, _cancel) = context::with_timeout(&context::background(), Duration::from_millis(20));
    let (child, _c) = context::with_cancel(&ctx);
    assert_eq!(ctx.err(), None);
    child.done().await;
    assert_eq!(child.err(), Some(ContextError::DeadlineExceeded));
    assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
}

// Go: "a child of an expired context reports DeadlineExceeded".
#[test]
fn child_of_an_expired_context_reports_deadline_exceeded() {
    let (expired, _c) = context::with_deadline(&context::background(), Instant::now());
    assert_eq!(expired.err(), Some(ContextError::DeadlineExceeded));
    let (child, child_cancel) = context::with_cancel(&expired);
    assert_eq!(child.err(), Some(ContextError::DeadlineExceeded));
    child_cancel.cancel(); // keeps the first error
    assert_eq!(child.err(), Some(ContextError::DeadlineExceeded));
}

// Go: TestWithDeadline's "parent deadline wins".
#[test]
fn earlier_parent_deadline_wins() {
    let at = Instant::now() + Duration::from_secs(60);
    let (parent, _c1) = context::with_deadline(&context::background(), at);
    let (later, _c2) = context::with_deadline(&parent, at + Duration::from_secs(60));
    let (sooner, _c3) = context::with_deadline(&parent, at - Duration::from_secs(30));
    assert_eq!(later.deadline(), Some(at));
    assert_eq!(sooner.deadline(), Some(at - Duration::from_secs(30)));
}

// Go: "Canceling this context releases resources ... dropping does not".
#[test]
fn dropping_a_cancel_func_does_not_cancel() {
    let (ctx, cancel) = context::with_cancel(&context::background());
    let (child, child_cancel) = context::with_timeout(&ctx, Duration::from_secs(3600));
    drop(cancel);
    drop(child_cancel);
    assert_eq!(ctx.err(), None);
    assert_eq!(child.err(), None);
}

// Go: TestCancelRemoves (the counting half lives in the unit tests, which
// can see the parent's list): cancelling a child leaves the parent alone.
#[test]
fn cancelling_a_child_does_not_touch_parent_or_siblings() {
    let (parent, _c) = context::with_cancel(&context::background());
    let (a, cancel_a) = context::with_cancel(&parent);
    let (b, _cancel_b) = context::with_cancel(&parent);
    cancel_a.cancel();
    assert_eq!(a.err(), Some(ContextError::Canceled));
    assert_eq!(b.err(), None);
    assert_eq!(parent.err(), None);
}

#[test]
fn contexts_and_cancel_funcs_are_send_sync_clone_static() {
    fn check<T: Clone + Send + Sync + 'static>() {}
    check::<context::Context>();
    check::<context::CancelFunc>();
    fn error<T: std::error::Error + Copy + Send + Sync + Eq + 'static>() {}
    error::<ContextError>();
}

// Go: cancel closes the done channel, whose waiters closechan readies off
// a stack: at GOMAXPROCS=1 the first waiter runs first, then the others
// newest first.
#[test]
fn cancel_runs_the_first_done_waiter_first_then_the_others_newest_first() {
    let rt = goroutine::runtime::Builder::new()
        .workers(1)
        .blocking_threshold(None)
        .build()
        .unwrap();
    let order = rt.block_on(async {
        goroutine::spawn(async {
            let (ctx, cancel) = context::with_cancel(&context::background());
            let (done_tx, done_rx) = goroutine::chan::unbounded();
            for i in 0..4 {
                let (ctx, done_tx) = (ctx.clone(), done_tx.clone());
                goroutine::spawn(async move {
                    ctx.done().await;
                    done_tx.send(i).await.unwrap();
                });
                // Let it park before the next one spawns.
                goroutine::yield_now().await;
            }
            cancel.cancel();
            let mut order = Vec::new();
            for _ in 0..4 {
                order.push(done_rx.recv().await.unwrap());
            }
            order
        })
        .await
        .unwrap()
    });
    assert_eq!(order, [0, 3, 2, 1]);
}
