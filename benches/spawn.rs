//! Spawn and scheduling rows: goroutine against tokio (multi-thread) and
//! async-executor, all with the same number of workers (`BENCH_WORKERS`,
//! default 2), on the workloads of tokio's scheduler benchmarks.
//!
//! | group | what one element is |
//! |---|---|
//! | `spawn_many` | one trivial task spawned from inside a task, N = 100,000 per iteration (`SPAWN_MANY_N` overrides), then all awaited |
//! | `spawn_remote` | the same, spawned from the plain bench thread |
//! | `chained_spawn` | one link of a chain where each task spawns the next, depth 1000 |
//! | `yield_many` | one yield: 200 tasks each yield 1000 times |
//! | `ping_pong` | one round trip between two tasks waking each other, 10,000 per iteration |
//!
//! Each group also has a `goroutine-monitor-off` row: the same runtime built
//! with `blocking_threshold(None)`, to show what the monitor costs.
//!
//! Every runtime waits the same way (an atomic counter and the [`Notify`] in
//! `common.rs`), so rows differ only in the runtime.
//!
//! ```text
//! cargo bench -p goroutine-benches --bench spawn -- --warm-up-time 1 --measurement-time 3
//! ```

mod common;

use std::sync::Arc;

use common::{AsyncExecutor, Countdown, Ctx, Goroutine, GoroutineNoMonitor, Notify, Rt, Tokio};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};

const CHAIN_DEPTH: usize = 1000;
const YIELD_TASKS: usize = 200;
const YIELDS_PER_TASK: usize = 1000;
const ROUND_TRIPS: usize = 10_000;

fn spawn_many_n() -> usize {
    std::env::var("SPAWN_MANY_N")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(100_000)
}

/// Runs `bench` once per runtime, each freshly built and dropped after its
/// row, so idle runtimes never share the cores with the one measured.
fn for_each_runtime(
    c: &mut Criterion,
    group: &str,
    elements: u64,
    bench: &dyn Fn(&mut BenchmarkGroup<'_, WallTime>, Runtimes),
) {
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(elements));
    let n = common::workers();
    bench(&mut g, Runtimes::Goroutine(Goroutine::new(n)));
    bench(&mut g, Runtimes::NoMonitor(GoroutineNoMonitor::new(n)));
    bench(&mut g, Runtimes::Tokio(Tokio::new(n)));
    bench(&mut g, Runtimes::AsyncExecutor(AsyncExecutor::new(n)));
    g.finish();
}

enum Runtimes {
    Goroutine(Goroutine),
    NoMonitor(GoroutineNoMonitor),
    Tokio(Tokio),
    AsyncExecutor(AsyncExecutor),
}

/// Calls the generic workload `$f::<R>(group, &rt)` for whichever runtime.
macro_rules! dispatch {
    ($f:ident) => {
        |g: &mut BenchmarkGroup<'_, WallTime>, rt: Runtimes| match rt {
            Runtimes::Goroutine(rt) => $f(g, &rt),
            Runtimes::NoMonitor(rt) => $f(g, &rt),
            Runtimes::Tokio(rt) => $f(g, &rt),
            Runtimes::AsyncExecutor(rt) => $f(g, &rt),
        }
    };
}

fn spawn_many<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>, rt: &R) {
    let n = spawn_many_n();
    let ctx = rt.ctx();
    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            rt.block_on(rt.spawn_join(async move {
                let cd = Countdown::new(n);
                for _ in 0..n {
                    let cd = cd.clone();
                    ctx.spawn(async move { cd.finish_one() });
                }
                cd.done.wait().await;
            }))
        })
    });
}

fn spawn_remote<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>, rt: &R) {
    let n = spawn_many_n();
    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            let cd = Countdown::new(n);
            for _ in 0..n {
                let cd = cd.clone();
                rt.spawn_remote(async move { cd.finish_one() });
            }
            // Same wait for all three: a plain-thread block_on of the notify.
            cd.done.wait_blocking();
        })
    });
}

fn chain<C: Ctx>(ctx: C, left: usize, done: Arc<Notify>) {
    if left == 0 {
        done.notify();
    } else {
        ctx.spawn(async move { chain(ctx, left - 1, done) });
    }
}

fn chained_spawn<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>, rt: &R) {
    let ctx = rt.ctx();
    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            rt.block_on(rt.spawn_join(async move {
                let done = Arc::new(Notify::new());
                chain(ctx, CHAIN_DEPTH, done.clone());
                done.wait().await;
            }))
        })
    });
}

fn yield_many<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>, rt: &R) {
    let ctx = rt.ctx();
    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            rt.block_on(rt.spawn_join(async move {
                let cd = Countdown::new(YIELD_TASKS);
                for _ in 0..YIELD_TASKS {
                    let cd = cd.clone();
                    ctx.spawn(async move {
                        for _ in 0..YIELDS_PER_TASK {
                            ctx.yield_now().await;
                        }
                        cd.finish_one();
                    });
                }
                cd.done.wait().await;
            }))
        })
    });
}

fn ping_pong<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>, rt: &R) {
    let ctx = rt.ctx();
    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            rt.block_on(rt.spawn_join(async move {
                let ping = Arc::new(Notify::new());
                let pong = Arc::new(Notify::new());
                let (ping2, pong2) = (ping.clone(), pong.clone());
                let ponger = ctx.spawn_join(async move {
                    for _ in 0..ROUND_TRIPS {
                        ping2.wait().await;
                        pong2.notify();
                    }
                });
                for _ in 0..ROUND_TRIPS {
                    ping.notify();
                    pong.wait().await;
                }
                ponger.await;
            }))
        })
    });
}

fn benches(c: &mut Criterion) {
    let n = spawn_many_n() as u64;
    for_each_runtime(c, "spawn_many", n, &dispatch!(spawn_many));
    for_each_runtime(c, "spawn_remote", n, &dispatch!(spawn_remote));
    for_each_runtime(
        c,
        "chained_spawn",
        CHAIN_DEPTH as u64,
        &dispatch!(chained_spawn),
    );
    for_each_runtime(
        c,
        "yield_many",
        (YIELD_TASKS * YIELDS_PER_TASK) as u64,
        &dispatch!(yield_many),
    );
    for_each_runtime(c, "ping_pong", ROUND_TRIPS as u64, &dispatch!(ping_pong));
}

criterion_group! {
    name = spawn;
    // Short by default: the machine is shared. Command-line flags override.
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}
criterion_main!(spawn);
