//! Context behaviours, after Go's `src/context/context_test.go`.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use goroutine::context::{self, ContextError};
use goroutine::debug::WaitReason;
use goroutine::sync::WaitGroup;

mod common;

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

// Go: TestValues. A value is found from the context that set it and from
// everything derived below it; the nearest setting of a key wins.
#[test]
fn values_are_inherited_and_the_nearest_key_wins() {
    #[derive(PartialEq)]
    struct K1;
    #[derive(PartialEq)]
    struct K2;

    let bg = context::background();
    assert_eq!(bg.value::<_, &str>(&K1), None);
    let c1 = context::with_value(&bg, K1, "c1k1");
    let (c2, _cancel) = context::with_cancel(&c1);
    let (c3, _cancel3) = context::with_timeout(&c2, Duration::from_secs(3600));
    let c4 = context::with_value(&c3, K2, "c4k2");
    let c5 = context::with_value(&c4, K1, "c5k1");
    let (c6, _cancel6) = context::with_deadline(&c5, Instant::now() + Duration::from_secs(3600));

    for (ctx, k1, k2) in [
        (&c1, Some("c1k1"), None),
        (&c2, Some("c1k1"), None),
        (&c3, Some("c1k1"), None),
        (&c4, Some("c1k1"), Some("c4k2")),
        (&c5, Some("c5k1"), Some("c4k2")),
        (&c6, Some("c5k1"), Some("c4k2")),
    ] {
        assert_eq!(ctx.value::<_, &str>(&K1).copied(), k1);
        assert_eq!(ctx.value::<_, &str>(&K2).copied(), k2);
    }
    // Setting a value in a child leaves the parent as it was.
    assert_eq!(c3.value::<_, &str>(&K2), None);
}

// Go compares interface keys by dynamic type and value: keys of two types
// never match, even with the same representation, and the stored value's
// type must match too (a failed type assertion does not search further).
#[test]
fn keys_match_by_type_and_value_and_values_by_type() {
    #[derive(PartialEq)]
    struct UserKey(u32);
    #[derive(PartialEq)]
    struct TraceKey(u32);

    let ctx = context::with_value(&context::background(), UserKey(1), 10u64);
    let ctx = context::with_value(&ctx, TraceKey(1), 20u64);
    let ctx = context::with_value(&ctx, UserKey(2), 30u64);
    assert_eq!(ctx.value::<_, u64>(&UserKey(1)), Some(&10));
    assert_eq!(ctx.value::<_, u64>(&TraceKey(1)), Some(&20));
    assert_eq!(ctx.value::<_, u64>(&UserKey(2)), Some(&30));
    assert_eq!(ctx.value::<_, u64>(&UserKey(3)), None);
    assert_eq!(ctx.value::<_, u32>(&UserKey(1)), None);
    assert_eq!(ctx.value::<_, u64>(&1u32), None);

    let shadowed = context::with_value(&ctx, UserKey(1), "text");
    assert_eq!(shadowed.value::<_, u64>(&UserKey(1)), None);
    assert_eq!(shadowed.value::<_, &str>(&UserKey(1)), Some(&"text"));
}

// A value context adds no node of its own: it is done when its parent is,
// with its deadline, and a child derived from it is cancelled by the
// parent's cancel.
#[goroutine::test]
async fn a_value_context_is_done_with_its_parent() {
    #[derive(PartialEq)]
    struct Key;

    let at = Instant::now() + Duration::from_secs(3600);
    let (parent, cancel) = context::with_deadline(&context::background(), at);
    let ctx = context::with_value(&parent, Key, 1u8);
    let (child, _cancel_child) = context::with_cancel(&ctx);
    assert_eq!(ctx.deadline(), Some(at));
    assert_eq!(ctx.err(), None);
    let watcher = {
        let child = child.clone();
        goroutine::spawn(async move {
            child.done().await;
            child.err()
        })
    };
    cancel.cancel();
    ctx.done().await;
    assert_eq!(ctx.err(), Some(ContextError::Canceled));
    assert_eq!(watcher.await.unwrap(), Some(ContextError::Canceled));
    assert_eq!(child.value::<_, u8>(&Key), Some(&1)); // values outlive cancellation
}

// Values cross goroutines: the context is `Send + Sync` with them, and a
// goroutine's copy finds what the caller stored.
#[goroutine::test]
async fn values_travel_with_the_context_into_goroutines() {
    #[derive(PartialEq)]
    struct RequestId;

    let todo = context::todo();
    assert_eq!(todo.err(), None);
    let ctx = context::with_value(&todo, RequestId, String::from("req-7"));
    let seen = goroutine::spawn({
        let ctx = ctx.clone();
        async move { ctx.value::<_, String>(&RequestId).cloned() }
    });
    drop(ctx); // the goroutine's clone keeps the value alive
    assert_eq!(seen.await.unwrap().as_deref(), Some("req-7"));
}

// Go's dump shows `<-ctx.Done()` as `[chan receive]`, and on a context that
// cannot be cancelled (a nil Done channel) as `[chan receive (nil chan)]`.
#[goroutine::test(workers = 2)]
async fn done_waits_as_a_channel_receive_and_on_background_as_a_nil_one() {
    let (ctx, cancel) = context::with_cancel(&context::background());
    let live = goroutine::task::Builder::new()
        .name("ctx-waiter")
        .spawn(async move { ctx.done().await });
    let never = goroutine::task::Builder::new()
        .name("background-waiter")
        .spawn(async { context::background().done().await });
    assert!(common::wait_for_reason("ctx-waiter", WaitReason::Context).await);
    assert!(common::wait_for_reason("background-waiter", WaitReason::ChanRecvNil).await);
    assert_eq!(WaitReason::Context.as_str(), "chan receive");
    cancel.cancel();
    live.await.unwrap();
    never.abort();
}
