//! The monitor: goroutines that block their worker do not stall the rest
//! (issue 6). These tests use real time by nature; their assertions are on
//! what happened while a worker was blocked, with margins for a loaded
//! machine.

use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use goroutine::runtime::Builder;
use goroutine::timer::TimerEntry;

async fn sleep_until(deadline: Instant) {
    let mut t = TimerEntry::new(Some(deadline));
    poll_fn(|cx| t.poll_elapsed(cx)).await
}

/// Issue 6: on a 2-worker runtime, two goroutines call
/// `std::thread::sleep(1 s)` while a third runs a 5 ms ticker: the ticker
/// still ticks at least 150 times in that second.
#[test]
fn a_ticker_keeps_ticking_while_every_worker_is_blocked() {
    let rt = Builder::new().workers(2).build().unwrap();
    let ticks = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (t, s) = (ticks.clone(), stop.clone());
    rt.block_on(async move {
        let ticker = goroutine::spawn(async move {
            let mut next = Instant::now();
            while !s.load(SeqCst) {
                next += Duration::from_millis(5);
                sleep_until(next).await;
                t.fetch_add(1, SeqCst);
            }
        });
        // Let the ticker start, then block both workers.
        sleep_until(Instant::now() + Duration::from_millis(20)).await;
        let before = ticks.load(SeqCst);
        let blockers: Vec<_> = (0..2)
            .map(|_| goroutine::spawn(async { std::thread::sleep(Duration::from_secs(1)) }))
            .collect();
        for b in blockers {
            b.await.unwrap();
        }
        let during = ticks.load(SeqCst) - before;
        stop.store(true, SeqCst);
        ticker.await.unwrap();
        eprintln!("ticks while both workers were blocked for 1 s: {during}");
        assert!(during >= 150, "only {during} ticks in the blocked second");
    });
    assert!(rt.handle().metrics().handoffs >= 2);
}

/// Issue 6: a CPU-bound goroutine without await points on a 1-worker
/// runtime does not keep a 10 ms sleeper waiting until it is done.
#[test]
fn a_cpu_bound_goroutine_cannot_keep_a_sleeper_waiting() {
    let rt = Builder::new().workers(1).build().unwrap();
    let hog_done = Arc::new(AtomicBool::new(false));
    let h = hog_done.clone();
    let late = rt.block_on(async move {
        let sleeper = goroutine::spawn(async move {
            let deadline = Instant::now() + Duration::from_millis(10);
            sleep_until(deadline).await;
            (Instant::now() - deadline, h.load(SeqCst))
        });
        // Give the sleeper its first poll, then hog the only worker.
        sleep_until(Instant::now() + Duration::from_millis(1)).await;
        let hog = goroutine::spawn(async move {
            let start = Instant::now();
            let mut x = 0u64;
            while start.elapsed() < Duration::from_millis(400) {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
            std::hint::black_box(x);
            hog_done.store(true, SeqCst);
        });
        let (late, hog_finished_first) = sleeper.await.unwrap();
        hog.await.unwrap();
        assert!(
            !hog_finished_first,
            "the sleeper waited for the CPU hog to finish"
        );
        late
    });
    eprintln!("sleeper woke {} ms after its deadline", late.as_millis());
}

/// A goroutine that computes without awaiting until `stop`, or until 20 s
/// after `start`: the fallback makes a regression a failure, not a hang.
async fn spin_until(stop: Arc<AtomicBool>, start: Instant) {
    while !stop.load(SeqCst) && start.elapsed() < Duration::from_secs(20) {
        std::hint::spin_loop();
    }
}

/// More goroutines compute without awaiting than there are workers and
/// extra workers: no worker can fire the timers. The monitor fires the
/// overdue ones, so the main goroutine's sleep still ends (Go would
/// preempt the spinners; here they stop when main tells them).
#[test]
fn a_timer_fires_while_every_worker_computes() {
    let rt = Builder::new()
        .workers(1)
        .max_extra_workers(1)
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    rt.block_on(async {
        for _ in 0..4 {
            goroutine::go!(spin_until(stop.clone(), start));
        }
        // Let the spinners take the worker and the extra workers.
        std::thread::sleep(Duration::from_millis(50));
        sleep_until(Instant::now() + Duration::from_millis(20)).await;
        stop.store(true, SeqCst);
    });
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "the sleep waited for the spinners"
    );
}

/// Eight goroutines compute without awaiting on a 2-worker runtime (Go
/// would preempt them): extra workers stand in for the stuck ones, so the
/// goroutines spawned after them still run, a sleeper and its join
/// included. (With the former default of as many extra workers as
/// workers, the fifth spinner took the last thread, and the program hung.)
#[test]
fn goroutines_spawned_beside_more_spinners_than_workers_still_run() {
    let rt = Builder::new().workers(2).build().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let got = rt.block_on(async {
        for _ in 0..8 {
            goroutine::go!(spin_until(stop.clone(), start));
        }
        let sleeper = goroutine::spawn(async {
            sleep_until(Instant::now() + Duration::from_millis(20)).await;
            goroutine::spawn(async { 42 }).await.unwrap()
        });
        let got = sleeper.await.unwrap();
        stop.store(true, SeqCst);
        got
    });
    assert_eq!(got, 42);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "the goroutines waited for the spinners"
    );
}

/// Main's `yield_now` waits for a worker to reach its place behind main's
/// spawns; with the only worker computing and no monitor to rescue it, the
/// wait is bounded (Go's preemption would let main run again).
#[test]
fn a_main_yield_ends_while_the_only_worker_computes_without_a_monitor() {
    let rt = Builder::new()
        .workers(1)
        .blocking_threshold(None)
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    rt.block_on(async {
        goroutine::go!(spin_until(stop.clone(), start));
        // Let the spinner take the worker.
        std::thread::sleep(Duration::from_millis(50));
        goroutine::yield_now().await;
        stop.store(true, SeqCst);
    });
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "the yield waited for the spinner"
    );
}

#[test]
fn long_polls_are_reported_once_each() {
    let rt = Builder::new()
        .workers(1)
        .long_poll_report(Some(Duration::from_millis(20)))
        .build()
        .unwrap();
    rt.block_on(async {
        goroutine::task::Builder::new()
            .name("slowpoke")
            .spawn(async { std::thread::sleep(Duration::from_millis(120)) })
            .await
            .unwrap();
    });
    assert_eq!(rt.handle().metrics().long_polls, 1);
}

#[test]
fn the_monitor_can_be_turned_off() {
    let rt = Builder::new()
        .workers(1)
        .blocking_threshold(None)
        .build()
        .unwrap();
    rt.block_on(async {
        goroutine::spawn(async { std::thread::sleep(Duration::from_millis(50)) })
            .await
            .unwrap();
    });
    assert_eq!(rt.handle().metrics().handoffs, 0);
}

#[test]
fn extra_workers_retire_when_the_blocked_poll_ends() {
    let rt = Builder::new().workers(1).build().unwrap();
    rt.block_on(async {
        goroutine::spawn(async { std::thread::sleep(Duration::from_millis(100)) })
            .await
            .unwrap();
    });
    assert!(rt.handle().metrics().handoffs >= 1);
    let deadline = Instant::now() + Duration::from_secs(5);
    while rt.handle().metrics().extra_workers > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(rt.handle().metrics().extra_workers, 0);
}

/// A goroutine that computes for 100 ms on a 2-worker runtime, while the
/// other worker is free: that worker can run everything else, so the
/// monitor starts no extra thread to compete with the computing one for
/// the cores (a blocked one would get it: see the ticker test above).
#[cfg(target_os = "linux")]
#[test]
fn a_computing_goroutine_beside_a_free_worker_gets_no_extra_thread() {
    let rt = Builder::new().workers(2).build().unwrap();
    rt.block_on(async {
        goroutine::spawn(async {
            let start = Instant::now();
            let mut x = 0u64;
            while start.elapsed() < Duration::from_millis(100) {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
            std::hint::black_box(x);
        })
        .await
        .unwrap();
    });
    assert_eq!(rt.handle().metrics().handoffs, 0);
}
