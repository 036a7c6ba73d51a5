//! The blocked-ticker program of issue 6 on each runtime: 2 workers; two
//! tasks call `std::thread::sleep(1 s)` while a third runs a 5 ms ticker;
//! prints how many ticks it saw during that second (200 is every tick).
//! Go's side is `go/blocked/main.go`; `blocked_ticker.sh` runs all.
//!
//! ```text
//! cargo run --release -p goroutine-benches --example blocked_ticker -- goroutine
//! cargo run --release -p goroutine-benches --example blocked_ticker -- goroutine-monitor-off
//! cargo run --release -p goroutine-benches --example blocked_ticker -- tokio
//! ```

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The measurement, the same on every runtime given its `spawn` and
/// `sleep`: start `ticker` (it counts into `ticks` until `stop`), let it
/// run, block two tasks' threads for `BLOCK`, and return the ticks counted
/// meanwhile.
async fn ticks_while_blocked<J, E, S>(
    spawn: impl Fn(Task) -> J,
    sleep: impl FnOnce(Duration) -> S,
    ticker: impl Future<Output = ()> + Send + 'static,
    ticks: &AtomicUsize,
    stop: &AtomicBool,
) -> usize
where
    J: Future<Output = Result<(), E>>,
    E: Debug,
    S: Future<Output = ()>,
{
    let ticker = spawn(Box::pin(ticker));
    sleep(Duration::from_millis(20)).await;
    let before = ticks.load(SeqCst);
    let blockers: Vec<_> = (0..2)
        .map(|_| spawn(Box::pin(async { std::thread::sleep(BLOCK) })))
        .collect();
    for b in blockers {
        b.await.unwrap();
    }
    let during = ticks.load(SeqCst) - before;
    stop.store(true, SeqCst);
    ticker.await.unwrap();
    during
}

const WORKERS: usize = 2;
const BLOCK: Duration = Duration::from_secs(1);
const PERIOD: Duration = Duration::from_millis(5);

fn main() {
    let which = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "goroutine".into());
    let ticks = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let during = match which.as_str() {
        "goroutine" | "goroutine-monitor-off" => {
            let mut b = goroutine::runtime::Builder::new();
            b.workers(WORKERS);
            if which == "goroutine-monitor-off" {
                b.blocking_threshold(None);
            }
            let rt = b.build().expect("runtime");
            rt.block_on(async {
                let (t, s) = (ticks.clone(), stop.clone());
                let ticker = async move {
                    let tick = goroutine::time::Ticker::new(PERIOD);
                    while !s.load(SeqCst) {
                        tick.receiver().recv().await;
                        t.fetch_add(1, SeqCst);
                    }
                };
                let spawn = |f| goroutine::spawn(f);
                ticks_while_blocked(spawn, goroutine::time::sleep, ticker, &ticks, &stop).await
            })
        }
        "tokio" => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .enable_time()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let (t, s) = (ticks.clone(), stop.clone());
                let ticker = async move {
                    let mut tick = tokio::time::interval(PERIOD);
                    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                    while !s.load(SeqCst) {
                        tick.tick().await;
                        t.fetch_add(1, SeqCst);
                    }
                };
                let spawn = |f| tokio::spawn(f);
                ticks_while_blocked(spawn, tokio::time::sleep, ticker, &ticks, &stop).await
            })
        }
        other => {
            eprintln!("blocked_ticker: unknown runtime {other:?} (goroutine, goroutine-monitor-off, tokio)");
            std::process::exit(2);
        }
    };
    println!("{which} ({WORKERS} workers): {during} ticks of 5 ms while two tasks blocked for 1 s");
}
