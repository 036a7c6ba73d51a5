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

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

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
            rt.block_on(async move {
                let (t, s) = (ticks.clone(), stop.clone());
                let ticker = goroutine::spawn(async move {
                    let tick = goroutine::time::Ticker::new(PERIOD);
                    while !s.load(SeqCst) {
                        tick.receiver().recv().await;
                        t.fetch_add(1, SeqCst);
                    }
                });
                goroutine::time::sleep(Duration::from_millis(20)).await;
                let before = ticks.load(SeqCst);
                let blockers: Vec<_> = (0..2)
                    .map(|_| goroutine::spawn(async { std::thread::sleep(BLOCK) }))
                    .collect();
                for b in blockers {
                    b.await.unwrap();
                }
                let during = ticks.load(SeqCst) - before;
                stop.store(true, SeqCst);
                ticker.await.unwrap();
                during
            })
        }
        "tokio" => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .enable_time()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let (t, s) = (ticks.clone(), stop.clone());
                let ticker = tokio::spawn(async move {
                    let mut tick = tokio::time::interval(PERIOD);
                    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                    while !s.load(SeqCst) {
                        tick.tick().await;
                        t.fetch_add(1, SeqCst);
                    }
                });
                tokio::time::sleep(Duration::from_millis(20)).await;
                let before = ticks.load(SeqCst);
                let blockers: Vec<_> = (0..2)
                    .map(|_| tokio::spawn(async { std::thread::sleep(BLOCK) }))
                    .collect();
                for b in blockers {
                    b.await.unwrap();
                }
                let during = ticks.load(SeqCst) - before;
                stop.store(true, SeqCst);
                ticker.await.unwrap();
                during
            })
        }
        other => {
            eprintln!("blocked_ticker: unknown runtime {other:?} (goroutine, goroutine-monitor-off, tokio)");
            std::process::exit(2);
        }
    };
    println!("{which} ({WORKERS} workers): {during} ticks of 5 ms while two tasks blocked for 1 s");
}
