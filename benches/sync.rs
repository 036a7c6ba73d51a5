//! Sync rows: `goroutine::sync` against `tokio::sync` and `async-lock`,
//! each on its own runtime and on ours, same workers for all
//! (`BENCH_WORKERS`, default 2). Go's side is in `go/bench_test.go`.
//!
//! ```text
//! cargo bench -p goroutine-benches --bench sync -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! | group | one element | shape |
//! |---|---|---|
//! | `mutex_uncontended` | one lock + increment + unlock | one task, 100,000 per iteration |
//! | `mutex_contended8` | one lock + increment + unlock | 8 tasks on one mutex, 12,500 each |
//! | `semaphore_uncontended` | one acquire + release | one task, 100,000 per iteration |
//! | `semaphore_contended8` | one acquire + release | 8 tasks on 2 permits, 12,500 each; each yields while it holds its permit |
//! | `waitgroup_1m` | one goroutine | `add(n)`, n goroutines each `done()`, `wait()`; n = 1,000,000 (`WAITGROUP_N` overrides) |
//!
//! Row names are `<primitive>@<runtime>`; `goroutine` alone is
//! `goroutine::sync` on the goroutine runtime. Neither tokio nor async-lock
//! has a WaitGroup: their `waitgroup_1m` rows use what a user of them
//! writes instead, an atomic counter whose last decrement notifies
//! (`Countdown`). Go's semaphore rows use a buffered channel, the idiomatic
//! Go semaphore (`golang.org/x/sync/semaphore` is not in the standard
//! library).

mod common;

use std::future::Future;
use std::sync::Arc;

use common::{AsyncExecutor, Countdown, Ctx, Goroutine, Rt, Tokio};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};

const OPS: usize = 100_000;
const TASKS: usize = 8;
const PERMITS: usize = 2;

fn waitgroup_n() -> usize {
    std::env::var("WAITGROUP_N")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1_000_000)
}

/// A mutex over a counter, as each crate spells it.
trait Lock: Send + Sync + 'static {
    const NAME: &'static str;
    fn new() -> Self;
    /// `n` times: locks, increments, unlocks. The loop lives in the impl,
    /// as it would in a user's code, so that no row pays for a call into
    /// an out-of-line `async fn` per element.
    fn incr_n(&self, n: usize) -> impl Future<Output = ()> + Send + '_;
    fn get(&self) -> u64;
}

impl Lock for goroutine::sync::Mutex<u64> {
    const NAME: &'static str = "goroutine";
    fn new() -> Self {
        goroutine::sync::Mutex::new(0)
    }
    async fn incr_n(&self, n: usize) {
        for _ in 0..n {
            *self.lock().await += 1;
        }
    }
    fn get(&self) -> u64 {
        *self.try_lock().expect("unlocked")
    }
}

impl Lock for tokio::sync::Mutex<u64> {
    const NAME: &'static str = "tokio-mutex";
    fn new() -> Self {
        tokio::sync::Mutex::new(0)
    }
    async fn incr_n(&self, n: usize) {
        for _ in 0..n {
            *self.lock().await += 1;
        }
    }
    fn get(&self) -> u64 {
        *self.try_lock().expect("unlocked")
    }
}

impl Lock for async_lock::Mutex<u64> {
    const NAME: &'static str = "async-lock";
    fn new() -> Self {
        async_lock::Mutex::new(0)
    }
    async fn incr_n(&self, n: usize) {
        for _ in 0..n {
            *self.lock().await += 1;
        }
    }
    fn get(&self) -> u64 {
        *self.try_lock().expect("unlocked")
    }
}

/// A counting semaphore, as each crate spells it.
trait Sem: Send + Sync + 'static {
    const NAME: &'static str;
    fn new(permits: usize) -> Self;
    /// Acquires one permit, runs `during` while holding it, releases.
    fn with_permit<F: Future<Output = ()> + Send + 'static>(
        &self,
        during: F,
    ) -> impl Future<Output = ()> + Send + '_;
}

impl Sem for goroutine::sync::Semaphore {
    const NAME: &'static str = "goroutine";
    fn new(permits: usize) -> Self {
        goroutine::sync::Semaphore::new(permits)
    }
    async fn with_permit<F: Future<Output = ()> + Send + 'static>(&self, during: F) {
        let _permit = self.acquire().await;
        during.await;
    }
}

impl Sem for tokio::sync::Semaphore {
    const NAME: &'static str = "tokio-semaphore";
    fn new(permits: usize) -> Self {
        tokio::sync::Semaphore::new(permits)
    }
    async fn with_permit<F: Future<Output = ()> + Send + 'static>(&self, during: F) {
        let _permit = self.acquire().await.expect("open");
        during.await;
    }
}

impl Sem for async_lock::Semaphore {
    const NAME: &'static str = "async-lock";
    fn new(permits: usize) -> Self {
        async_lock::Semaphore::new(permits)
    }
    async fn with_permit<F: Future<Output = ()> + Send + 'static>(&self, during: F) {
        let _permit = self.acquire().await;
        during.await;
    }
}

fn id(primitive: &str, runtime: &str) -> String {
    if primitive == "goroutine" && runtime == "goroutine" {
        "goroutine".to_owned()
    } else {
        format!("{primitive}@{runtime}")
    }
}

fn mutex_uncontended<L: Lock, R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::new(common::workers());
    g.bench_function(id(L::NAME, R::NAME), |b| {
        b.iter(|| {
            rt.block_on(rt.spawn_join(async move {
                let m = L::new();
                m.incr_n(OPS).await;
                assert_eq!(m.get(), OPS as u64);
            }))
        })
    });
}

fn mutex_contended<L: Lock, R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::new(common::workers());
    let ctx = rt.ctx();
    g.bench_function(id(L::NAME, R::NAME), |b| {
        b.iter(|| {
            rt.block_on(rt.spawn_join(async move {
                let m = Arc::new(L::new());
                let all = Countdown::new(TASKS);
                for _ in 0..TASKS {
                    let (m, all) = (m.clone(), all.clone());
                    ctx.spawn(async move {
                        m.incr_n(OPS / TASKS).await;
                        all.finish_one();
                    });
                }
                all.done.wait().await;
                assert_eq!(m.get(), OPS as u64);
            }))
        })
    });
}

fn semaphore_uncontended<S: Sem, R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::new(common::workers());
    g.bench_function(id(S::NAME, R::NAME), |b| {
        b.iter(|| {
            rt.block_on(rt.spawn_join(async move {
                let s = S::new(PERMITS);
                for _ in 0..OPS {
                    s.with_permit(async {}).await;
                }
            }))
        })
    });
}

fn semaphore_contended<S: Sem, R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::new(common::workers());
    let ctx = rt.ctx();
    g.bench_function(id(S::NAME, R::NAME), |b| {
        b.iter(|| {
            rt.block_on(rt.spawn_join(async move {
                let s = Arc::new(S::new(PERMITS));
                let all = Countdown::new(TASKS);
                for _ in 0..TASKS {
                    let (s, all) = (s.clone(), all.clone());
                    ctx.spawn(async move {
                        for _ in 0..OPS / TASKS {
                            // Yielding while holding the permit makes the
                            // other tasks find none and wait in the queue.
                            s.with_permit(ctx.yield_now()).await;
                        }
                        all.finish_one();
                    });
                }
                all.done.wait().await;
            }))
        })
    });
}

fn waitgroup_goroutine(g: &mut BenchmarkGroup<'_, WallTime>, n: usize) {
    let rt = <Goroutine>::new(common::workers());
    g.bench_function("goroutine", |b| {
        b.iter(|| {
            rt.block_on(rt.spawn_join(async move {
                let wg = goroutine::sync::WaitGroup::new();
                wg.add(n);
                for _ in 0..n {
                    let wg = wg.clone();
                    goroutine::go!(async move { wg.done() });
                }
                wg.wait().await;
            }))
        })
    });
}

fn waitgroup_countdown<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>, n: usize) {
    let rt = R::new(common::workers());
    let ctx = rt.ctx();
    g.bench_function(format!("countdown@{}", R::NAME), |b| {
        b.iter(|| {
            rt.block_on(rt.spawn_join(async move {
                let all = Countdown::new(n);
                for _ in 0..n {
                    let all = all.clone();
                    ctx.spawn(async move { all.finish_one() });
                }
                all.done.wait().await;
            }))
        })
    });
}

fn group<'a>(c: &'a mut Criterion, name: &str, elements: usize) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(elements as u64));
    g
}

type GoMutex = goroutine::sync::Mutex<u64>;
type TokioMutex = tokio::sync::Mutex<u64>;
type LockMutex = async_lock::Mutex<u64>;
type GoSem = goroutine::sync::Semaphore;
type TokioSem = tokio::sync::Semaphore;
type LockSem = async_lock::Semaphore;

fn benches(c: &mut Criterion) {
    // Each row builds its runtime, runs, and drops it before the next.
    let mut g = group(c, "mutex_uncontended", OPS);
    mutex_uncontended::<GoMutex, Goroutine>(&mut g);
    mutex_uncontended::<TokioMutex, Tokio>(&mut g);
    mutex_uncontended::<TokioMutex, Goroutine>(&mut g);
    mutex_uncontended::<LockMutex, AsyncExecutor>(&mut g);
    mutex_uncontended::<LockMutex, Goroutine>(&mut g);
    g.finish();

    let mut g = group(c, "mutex_contended8", OPS);
    mutex_contended::<GoMutex, Goroutine>(&mut g);
    mutex_contended::<TokioMutex, Tokio>(&mut g);
    mutex_contended::<TokioMutex, Goroutine>(&mut g);
    mutex_contended::<LockMutex, AsyncExecutor>(&mut g);
    mutex_contended::<LockMutex, Goroutine>(&mut g);
    g.finish();

    let mut g = group(c, "semaphore_uncontended", OPS);
    semaphore_uncontended::<GoSem, Goroutine>(&mut g);
    semaphore_uncontended::<TokioSem, Tokio>(&mut g);
    semaphore_uncontended::<TokioSem, Goroutine>(&mut g);
    semaphore_uncontended::<LockSem, AsyncExecutor>(&mut g);
    semaphore_uncontended::<LockSem, Goroutine>(&mut g);
    g.finish();

    let mut g = group(c, "semaphore_contended8", OPS);
    semaphore_contended::<GoSem, Goroutine>(&mut g);
    semaphore_contended::<TokioSem, Tokio>(&mut g);
    semaphore_contended::<TokioSem, Goroutine>(&mut g);
    semaphore_contended::<LockSem, AsyncExecutor>(&mut g);
    semaphore_contended::<LockSem, Goroutine>(&mut g);
    g.finish();

    let n = waitgroup_n();
    let mut g = group(c, "waitgroup_1m", n);
    g.sample_size(10);
    waitgroup_goroutine(&mut g, n);
    waitgroup_countdown::<Goroutine>(&mut g, n);
    waitgroup_countdown::<Tokio>(&mut g, n);
    waitgroup_countdown::<AsyncExecutor>(&mut g, n);
    g.finish();
}

criterion_group! {
    name = sync;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}
criterion_main!(sync);
