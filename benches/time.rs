//! Timer rows: `goroutine::time` against tokio's timers and async-io's
//! (`Timer`, smol's timers), same workers for all (`BENCH_WORKERS`,
//! default 2).
//!
//! Run:
//!
//! ```text
//! cargo bench -p goroutine-benches --bench time -- --warm-up-time 1 --measurement-time 3
//! SLEEPERS=0 cargo bench ... --bench time     # criterion rows only
//! cargo test ... --benches                      # smoke run: 10,000 sleepers
//! ```
//!
//! - `timeout_ready` (criterion): `timeout(1 s, ready)` where the inner
//!   future is ready at once, 10,000 per iteration; one element is one
//!   timeout. Peers: `tokio::time::timeout`; for async-executor, smol's
//!   idiom `fut.or(async { Timer::after(d).await; Err(..) })`.
//! - `sleepers_1m` (not criterion): 1,000,000 tasks each sleep a random
//!   1..=100 ms; prints the total time and the peak RSS. Each runtime runs
//!   in a child process of its own (this binary, re-run with
//!   `GOROUTINE_BENCH_SLEEPERS=<runtime>`), so each peak is its own.
//!
//! async-executor's runner threads use `futures_lite::future::block_on`, so
//! async-io's timers are driven by its own `async-io` thread: one thread
//! more than the other runtimes have.

mod common;

use std::future::Future;
use std::time::{Duration, Instant};

use common::{AsyncExecutor, Countdown, Ctx, Goroutine, Rt, Tokio};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};
use futures_lite::FutureExt;

const TIMEOUTS: usize = 10_000;
const SLEEPERS: usize = 1_000_000;

/// A runtime's timers.
trait Timers: Rt {
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send;
    /// `Some(v)` when `f` finished first.
    fn timeout<F>(d: Duration, f: F) -> impl Future<Output = Option<F::Output>> + Send
    where
        F: Future + Send,
        F::Output: Send;
}

impl Timers for Goroutine {
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send {
        goroutine::time::sleep(d)
    }
    async fn timeout<F>(d: Duration, f: F) -> Option<F::Output>
    where
        F: Future + Send,
        F::Output: Send,
    {
        goroutine::time::timeout(d, f).await.ok()
    }
}

impl Timers for Tokio {
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(d)
    }
    async fn timeout<F>(d: Duration, f: F) -> Option<F::Output>
    where
        F: Future + Send,
        F::Output: Send,
    {
        tokio::time::timeout(d, f).await.ok()
    }
}

impl Timers for AsyncExecutor {
    async fn sleep(d: Duration) {
        async_io::Timer::after(d).await;
    }
    fn timeout<F>(d: Duration, f: F) -> impl Future<Output = Option<F::Output>> + Send
    where
        F: Future + Send,
        F::Output: Send,
    {
        async move { Some(f.await) }.or(async move {
            async_io::Timer::after(d).await;
            None
        })
    }
}

fn timeout_ready<R: Timers>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::new(common::workers());
    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            rt.block_on(rt.spawn_join(async move {
                for k in 0..TIMEOUTS {
                    let ready = std::future::ready(std::hint::black_box(k));
                    let v = R::timeout(Duration::from_secs(1), ready).await;
                    assert_eq!(v, Some(k));
                }
            }))
        })
    });
}

/// Child mode: `n` sleepers (1M unless the parent runs in `--test` mode) on
/// runtime `R`; prints one line for the parent.
fn sleepers<R: Timers>(n: usize) {
    let rt = R::new(common::workers());
    let ctx = rt.ctx();
    let t0 = Instant::now();
    rt.block_on(rt.spawn_join(async move {
        let left = Countdown::new(n);
        let mut rng = fastrand::Rng::with_seed(1);
        for _ in 0..n {
            let d = Duration::from_millis(rng.u64(1..=100));
            let left = left.clone();
            ctx.spawn(async move {
                R::sleep(d).await;
                left.finish_one();
            });
        }
        left.done.wait().await;
    }));
    let total = t0.elapsed();
    let hwm_kib = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0);
    println!(
        "sleepers_1m/{:<16} {:>8.0} ms-total {:>8.1} MB-peakRSS  (n = {n})",
        R::NAME,
        total.as_secs_f64() * 1e3,
        hwm_kib as f64 / 1024.0
    );
}

fn main() {
    if let Ok(which) = std::env::var("GOROUTINE_BENCH_SLEEPERS") {
        let n = std::env::var("GOROUTINE_BENCH_SLEEPERS_N")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(SLEEPERS);
        match which.as_str() {
            "goroutine" => sleepers::<Goroutine>(n),
            "tokio" => sleepers::<Tokio>(n),
            "async-executor" => sleepers::<AsyncExecutor>(n),
            other => panic!("unknown runtime {other:?}"),
        }
        return;
    }
    let listing = std::env::args().any(|a| a == "--list");
    // `cargo test --benches` (criterion's test mode): a smoke run.
    let testing =
        std::env::args().any(|a| a == "--test") || !std::env::args().any(|a| a == "--bench");

    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    {
        let mut g = c.benchmark_group("timeout_ready");
        g.throughput(Throughput::Elements(TIMEOUTS as u64));
        timeout_ready::<Goroutine>(&mut g);
        timeout_ready::<Tokio>(&mut g);
        timeout_ready::<AsyncExecutor>(&mut g);
        g.finish();
    }
    c.final_summary();

    if listing || std::env::var("SLEEPERS").is_ok_and(|v| v == "0") {
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    for name in ["goroutine", "tokio", "async-executor"] {
        let status = std::process::Command::new(&exe)
            .env("GOROUTINE_BENCH_SLEEPERS", name)
            .env(
                "GOROUTINE_BENCH_SLEEPERS_N",
                if testing { 10_000 } else { SLEEPERS }.to_string(),
            )
            .status()
            .expect("run child");
        assert!(status.success(), "sleepers child for {name} failed");
    }
}
