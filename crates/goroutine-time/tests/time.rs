//! sleep, timeout, after, tick, Timer and Ticker (issue 4).

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use goroutine::runtime::Builder;
use goroutine::time::{self, Ticker, Timer};

fn rt() -> goroutine::runtime::Runtime {
    Builder::new().workers(2).build().unwrap()
}

#[test]
fn sleep_never_returns_before_its_deadline() {
    rt().block_on(async {
        for ms in [0u64, 1, 2, 3, 5, 8, 13] {
            let start = Instant::now();
            time::sleep(Duration::from_millis(ms)).await;
            assert!(start.elapsed() >= Duration::from_millis(ms));
        }
    });
}

#[test]
fn sleeps_with_equal_and_different_deadlines_wake_in_order() {
    // Deadlines 20 ms apart: a worker late enough to fire two of them in
    // one batch runs the last woken first, as Go's runnext does. So a run
    // in which the machine stalled that long is tried again.
    for _ in 0..3 {
        if let Some(got) = wake_order_unless_stalled() {
            assert_eq!(got, vec![10, 30, 30, 50, 50]);
            return;
        }
    }
    eprintln!("the machine stalled in every try; order not checked");
}

/// The sleeps' deadlines (ms) in the order they woke, or `None` if one
/// was armed or woke 10 ms or more late.
fn wake_order_unless_stalled() -> Option<Vec<u64>> {
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let o = order.clone();
    let stalled = Builder::new()
        .workers(1)
        .build()
        .unwrap()
        .block_on(async move {
            let start = Instant::now();
            let hs: Vec<_> = [(0, 50u64), (1, 30), (2, 50), (3, 10), (4, 30)]
                .into_iter()
                .map(|(i, ms)| {
                    let o = o.clone();
                    goroutine::spawn(async move {
                        let late = Duration::from_millis(10);
                        let armed_late = start.elapsed() >= late;
                        let deadline = start + Duration::from_millis(ms);
                        time::sleep_until(deadline).await;
                        o.lock().unwrap().push((ms, i));
                        armed_late || Instant::now() >= deadline + late
                    })
                })
                .collect();
            let mut stalled = false;
            for h in hs {
                stalled |= h.await.unwrap();
            }
            stalled
        });
    let got = order.lock().unwrap().iter().map(|&(ms, _)| ms).collect();
    (!stalled).then_some(got)
}

#[test]
fn a_million_concurrent_sleeps_all_complete() {
    const N: usize = 1_000_000;
    let done = Arc::new(AtomicUsize::new(0));
    let d = done.clone();
    rt().block_on(async move {
        let spawner = goroutine::spawn(async move {
            let mut hs = Vec::with_capacity(N);
            for i in 0..N {
                let d = d.clone();
                hs.push(goroutine::spawn(async move {
                    time::sleep(Duration::from_millis(1 + (i % 100) as u64)).await;
                    d.fetch_add(1, SeqCst);
                }));
            }
            for h in hs {
                h.await.unwrap();
            }
        });
        spawner.await.unwrap();
        assert_eq!(goroutine::timer::pending(), 0);
    });
    assert_eq!(done.load(SeqCst), N);
}

#[test]
fn a_deadline_in_the_past_fires_at_once() {
    rt().block_on(async {
        time::sleep_until(Instant::now() - Duration::from_secs(5)).await;
        assert!(time::timeout(Duration::ZERO, async { 1 }).await.is_ok());
    });
}

#[test]
fn timeout_elapses_around_a_pending_future_and_not_a_ready_one() {
    rt().block_on(async {
        let r = time::timeout(Duration::from_millis(5), std::future::pending::<()>()).await;
        assert!(r.is_err(), "{r:?}");
        assert_eq!(
            time::timeout(Duration::from_millis(5), async { 7 }).await,
            Ok(7)
        );
    });
}

#[test]
fn timeout_with_duration_max_never_elapses() {
    rt().block_on(async {
        let (tx, rx) = goroutine::chan::bounded(0);
        goroutine::go!(async move {
            time::sleep(Duration::from_millis(20)).await;
            tx.send(1).await.unwrap();
        });
        assert_eq!(time::timeout(Duration::MAX, rx.recv()).await, Ok(Some(1)));
    });
}

#[test]
fn a_million_timeouts_that_complete_early_leave_no_timer_behind() {
    rt().block_on(async {
        for i in 0..1_000_000u32 {
            let r = time::timeout(Duration::from_secs(60), async { i }).await;
            assert_eq!(r, Ok(i));
        }
        assert_eq!(goroutine::timer::pending(), 0);
        // Pending inner futures too: each timeout registers, then is dropped.
        for _ in 0..1000 {
            let t = time::timeout(Duration::from_secs(60), std::future::pending::<()>());
            let mut t = std::pin::pin!(t);
            let waker = std::task::Waker::noop();
            let mut cx = std::task::Context::from_waker(waker);
            assert!(t.as_mut().poll(&mut cx).is_pending());
        }
        assert_eq!(goroutine::timer::pending(), 0);
    });
}

#[test]
fn durations_of_days_do_not_overflow() {
    rt().block_on(async {
        let r = time::timeout(Duration::from_secs(3 * 86_400), async { 1 }).await;
        assert_eq!(r, Ok(1));
        let t = Timer::new(Duration::from_secs(40 * 86_400));
        assert!(t.stop());
    });
}

/// Runs `f` and notes when its first poll returned `Pending` (`None` if
/// it was ready at once): for a `select!`, when every arm had registered
/// and it parked, which a measure taken before the select cannot tell if
/// the thread stalls in between.
async fn noting_park<F: Future>(f: F) -> (F::Output, Option<Instant>) {
    let mut f = std::pin::pin!(f);
    let mut parked = None;
    let out = std::future::poll_fn(|cx| {
        let poll = f.as_mut().poll(cx);
        if poll.is_pending() {
            parked.get_or_insert_with(Instant::now);
        }
        poll
    })
    .await;
    (out, parked)
}

/// Runs `rounds` two-timer races of a parked `select!`. Each round returns
/// whether its select parked well before the deadlines, and whether the
/// arm Go would pick won. Only rounds that parked in time count: on a
/// machine too loaded for that, both arms may be ready at once and the
/// choice is rightly random. Asserts Go's arm won every counted round, and
/// that some round counted.
async fn gos_arm_wins_when_parked_in_time<Fut>(rounds: usize, mut round: impl FnMut() -> Fut)
where
    Fut: Future<Output = (bool, bool)>,
{
    let mut parked_in_time = 0;
    for _ in 0..rounds {
        let (in_time, gos_arm) = round().await;
        if in_time {
            parked_in_time += 1;
            assert!(gos_arm, "the later deadline's arm was handed first");
        }
    }
    assert!(parked_in_time > 0, "never parked before the deadline");
}

/// Go fires equal deadlines in creation order, and a parked `select` is
/// handed the first: `a, b := After(d), After(d); select { <-a | <-b }`
/// picks `a` every time.
#[test]
fn a_parked_select_gets_the_first_made_of_two_equal_timers() {
    rt().block_on(gos_arm_wins_when_parked_in_time(40, || async {
        let d = Duration::from_millis(3);
        let made = Instant::now();
        let a = time::after(d);
        let b = time::after(d);
        let (first, parked) = noting_park(async {
            goroutine::select! {
                _ = a.recv() => true,
                _ = b.recv() => false,
            }
        })
        .await;
        (parked.is_some_and(|t| t - made < d / 3), first)
    }));
}

/// A ticker's second tick (re-armed when the first fired) and a timer made
/// a little after the ticker for the same instant: Go fires the earlier
/// exact deadline first, the tick, though the timer was filed first (the
/// book's heartbeat example depends on it).
#[test]
fn a_parked_select_gets_the_earlier_deadline_within_one_tick() {
    rt().block_on(gos_arm_wins_when_parked_in_time(20, || async {
        let period = Duration::from_millis(4);
        let ticker = Ticker::new(period);
        let made = Instant::now();
        // 50 µs later than the second tick: inside one 125 µs wheel tick.
        let work = Timer::new(2 * period - made.elapsed() + Duration::from_micros(50));
        ticker.receiver().recv().await.unwrap();
        let (tick_first, parked) = noting_park(async {
            goroutine::select! {
                _ = ticker.receiver().recv() => true,
                _ = work.receiver().recv() => false,
            }
        })
        .await;
        let in_time = parked.is_some_and(|t| t - made < period + period / 3);
        (in_time, tick_first)
    }));
}

#[test]
fn after_delivers_once_in_select() {
    rt().block_on(async {
        let (_tx, rx) = goroutine::chan::bounded::<i32>(0);
        let start = Instant::now();
        let which = goroutine::select! {
            _ = rx.recv() => "chan",
            _ = time::after(Duration::from_millis(5)).recv() => "timeout",
        };
        assert_eq!(which, "timeout");
        assert!(start.elapsed() >= Duration::from_millis(5));
    });
}

#[test]
fn timer_stop_before_fire_prevents_the_value() {
    rt().block_on(async {
        let t = Timer::new(Duration::from_millis(5));
        assert!(t.stop());
        time::sleep(Duration::from_millis(20)).await;
        assert!(t.receiver().try_recv().is_err());
        assert!(!t.stop());
    });
}

/// Go 1.23: after Stop or Reset returns, no stale value is received.
#[test]
fn timer_reset_after_fire_discards_the_stale_value() {
    rt().block_on(async {
        let t = Timer::new(Duration::from_millis(1));
        time::sleep(Duration::from_millis(20)).await; // fired, not received
        let before_reset = Instant::now();
        assert!(
            t.reset(Duration::from_millis(10)),
            "value was still pending"
        );
        let v = t.receiver().recv().await.unwrap();
        assert!(v >= before_reset, "received a value from before the reset");
    });
}

#[test]
fn timer_stop_and_reset_race_from_several_threads_leave_no_stale_value() {
    rt().block_on(async {
        for _ in 0..50 {
            let t = Arc::new(Timer::new(Duration::from_millis(1)));
            let threads: Vec<_> = (0..3)
                .map(|i| {
                    let t = t.clone();
                    std::thread::spawn(move || {
                        for _ in 0..20 {
                            if i == 0 {
                                t.stop();
                            } else {
                                t.reset(Duration::from_micros(500));
                            }
                        }
                    })
                })
                .collect();
            for th in threads {
                th.join().unwrap();
            }
            let cut = Instant::now();
            t.stop();
            assert!(t.receiver().try_recv().is_err(), "stale value after stop");
            t.reset(Duration::from_millis(1));
            let v = t.receiver().recv().await.unwrap();
            assert!(v >= cut);
        }
    });
}

#[test]
fn ticker_ticks_and_a_slow_reader_misses_ticks_instead_of_queueing() {
    rt().block_on(async {
        let ticker = Ticker::new(Duration::from_millis(2));
        let first = ticker.receiver().recv().await.unwrap();
        // Be slow for 10 periods: at most one tick waits.
        std::thread::sleep(Duration::from_millis(20));
        let woke = Instant::now();
        assert!(ticker.receiver().len() <= 1);
        let a = ticker.receiver().recv().await.unwrap();
        let b = ticker.receiver().recv().await.unwrap();
        assert!(first < a && a < b);
        // Had the missed ticks queued, `b` would be one sent while we slept.
        assert!(b >= woke, "a tick from the slow period was queued");
        assert!(ticker.stop());
        time::sleep(Duration::from_millis(10)).await;
        assert!(ticker.receiver().try_recv().is_err(), "tick after stop");
    });
}

#[test]
fn ticker_reset_changes_the_period() {
    rt().block_on(async {
        let ticker = Ticker::new(Duration::from_secs(3600));
        ticker.reset(Duration::from_millis(1));
        assert!(ticker.receiver().recv().await.is_some());
    });
}

#[test]
#[should_panic(expected = "non-positive interval for NewTicker")]
fn ticker_with_zero_period_panics_like_go() {
    let _ = Ticker::new(Duration::ZERO);
}

#[test]
fn tick_stops_when_its_receiver_is_dropped() {
    rt().block_on(async {
        let ticks = time::tick(Duration::from_millis(1));
        ticks.recv().await.unwrap();
        assert_eq!(goroutine::timer::pending(), 1);
        drop(ticks);
        time::sleep(Duration::from_millis(10)).await;
        assert_eq!(goroutine::timer::pending(), 0, "the ticker kept running");
    });
}

#[test]
fn after_func_runs_in_its_own_goroutine_unless_stopped() {
    rt().block_on(async {
        let (tx, rx) = goroutine::chan::bounded(1);
        let _t = time::after_func(Duration::from_millis(1), move || {
            tx.try_send(goroutine::num_goroutines()).unwrap();
        });
        assert!(rx.recv().await.is_some());
        let hit = Arc::new(AtomicUsize::new(0));
        let h = hit.clone();
        let made = Instant::now();
        let t = time::after_func(Duration::from_millis(20), move || {
            h.fetch_add(1, SeqCst);
        });
        if t.stop() {
            time::sleep(Duration::from_millis(40)).await;
            assert_eq!(hit.load(SeqCst), 0, "a stopped func ran");
        } else {
            // Only a machine stalled past the deadline explains it.
            assert!(made.elapsed() >= Duration::from_millis(20));
        }
    });
}

#[test]
fn after_func_reset_after_the_call_sends_nothing_and_runs_nothing() {
    rt().block_on(async {
        let hit = Arc::new(AtomicUsize::new(0));
        let h = hit.clone();
        let (called, was_called) = goroutine::chan::bounded(1);
        let t = time::after_func(Duration::from_millis(1), move || {
            h.fetch_add(1, SeqCst);
            called.try_send(()).unwrap();
        });
        assert_eq!(was_called.recv().await, Some(()));
        assert_eq!(hit.load(SeqCst), 1);
        t.reset(Duration::from_millis(1));
        time::sleep(Duration::from_millis(20)).await;
        assert_eq!(hit.load(SeqCst), 1);
        assert!(
            t.receiver().try_recv().is_err(),
            "a func timer sent a value"
        );
    });
}

#[test]
fn sleep_works_under_another_executor() {
    let start = Instant::now();
    futures::executor::block_on(time::sleep(Duration::from_millis(5)));
    assert!(start.elapsed() >= Duration::from_millis(5));
}

/// The first wait reason a dump shows for goroutine `id` (yielding until
/// it has parked once), or `None` after 100,000 yields.
async fn first_wait_reason(id: goroutine::GoroutineId) -> Option<goroutine::debug::WaitReason> {
    for _ in 0..100_000 {
        let reason = goroutine::debug::goroutines()
            .into_iter()
            .find(|g| g.id == id)
            .and_then(|g| g.wait_reason);
        if reason.is_some() {
            return reason;
        }
        goroutine::yield_now().await;
    }
    None
}

#[test]
fn timeout_keeps_the_wait_reason_of_the_future_it_waits_on() {
    rt().block_on(async {
        let (tx, rx) = goroutine::chan::bounded::<()>(0);
        let h = goroutine::spawn(async move {
            let _ = time::timeout(Duration::from_secs(30), rx.recv()).await;
        });
        let reason = first_wait_reason(h.id()).await;
        assert_eq!(reason, Some(goroutine::debug::WaitReason::ChanRecv));
        drop(tx);
        h.await.unwrap();
    });
}

#[test]
fn timeout_around_a_future_without_a_wait_reason_records_timer() {
    rt().block_on(async {
        let h = goroutine::spawn(async {
            let _ = time::timeout(Duration::from_millis(200), std::future::pending::<()>()).await;
        });
        let reason = first_wait_reason(h.id()).await;
        assert_eq!(reason, Some(goroutine::debug::WaitReason::Timer));
        h.await.unwrap();
    });
}

#[test]
fn sleep_records_its_wait_reason() {
    rt().block_on(async {
        // Long enough to be seen parked however late it first runs (a
        // goroutine shows in the listing once it has parked; a 50 ms sleep
        // first polled after its deadline never did, and the loop that
        // waited for it never ended).
        let h = goroutine::spawn(time::sleep(Duration::from_secs(3600)));
        let reason = first_wait_reason(h.id()).await;
        assert_eq!(reason, Some(goroutine::debug::WaitReason::Sleep));
        h.abort();
        assert!(h.await.unwrap_err().is_cancelled());
    });
}
