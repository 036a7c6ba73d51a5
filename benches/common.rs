//! What every bench file shares: the worker count, a minimal notify, and one
//! adapter per runtime so that each workload is written once and run, on the
//! same parameters, on goroutine, tokio and async-executor.
//!
//! Included with `mod common;` by each bench target; not every target uses
//! every item.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Release};
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::task::{Context, Poll};
use std::thread;

use futures::future::BoxFuture;
use futures::task::AtomicWaker;
use futures::FutureExt;

/// Worker threads every runtime gets: `BENCH_WORKERS`, default 2 (the cores
/// of the machine these benches were written on). Go gets the same number
/// through `GOMAXPROCS` in `go/run.sh`.
pub(crate) fn workers() -> usize {
    std::env::var("BENCH_WORKERS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(2)
}

// ---- Notify ------------------------------------------------------------------

/// A one-waiter notify: a flag plus an `AtomicWaker`, so waking costs one
/// store and one `AtomicWaker::wake`, the same on every runtime. A notify
/// sent while nobody waits is remembered (one permit, not counted).
#[derive(Default)]
pub(crate) struct Notify {
    notified: AtomicBool,
    waker: AtomicWaker,
}

impl Notify {
    pub(crate) fn new() -> Notify {
        Notify::default()
    }

    /// Sets the permit and wakes the waiter, if any.
    pub(crate) fn notify(&self) {
        // Release: the waiter's Acquire swap sees what we wrote before.
        self.notified.store(true, Release);
        self.waker.wake();
    }

    /// Waits for a permit and consumes it.
    pub(crate) fn wait(&self) -> Wait<'_> {
        Wait { notify: self }
    }

    fn poll_wait(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.notified.swap(false, AcqRel) {
            return Poll::Ready(());
        }
        self.waker.register(cx.waker());
        // A notify between the first check and the registration woke no one:
        // check again now that the waker is in place.
        if self.notified.swap(false, AcqRel) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Blocks a plain thread until notified (no runtime involved).
    pub(crate) fn wait_blocking(&self) {
        futures_lite::future::block_on(self.wait());
    }

    /// True if a permit is set (does not consume it).
    pub(crate) fn is_set(&self) -> bool {
        self.notified.load(Acquire)
    }
}

/// Counts finished tasks down to zero; the last one notifies.
pub(crate) struct Countdown {
    left: AtomicUsize,
    pub(crate) done: Notify,
}

impl Countdown {
    pub(crate) fn new(n: usize) -> std::sync::Arc<Countdown> {
        std::sync::Arc::new(Countdown {
            left: AtomicUsize::new(n),
            done: Notify::new(),
        })
    }

    pub(crate) fn finish_one(&self) {
        // AcqRel: the waiter sees every task's effects once the count is 0.
        if self.left.fetch_sub(1, AcqRel) == 1 {
            self.done.notify();
        }
    }
}

/// Future returned by [`Notify::wait`].
pub(crate) struct Wait<'a> {
    notify: &'a Notify,
}

impl Future for Wait<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.notify.poll_wait(cx)
    }
}

// ---- runtime adapters ----------------------------------------------------------

/// A runtime under test, with `n` workers.
pub(crate) trait Rt: Sized + 'static {
    /// Row name: `goroutine`, `tokio`, `async-executor`.
    const NAME: &'static str;
    /// Spawns from inside one of this runtime's tasks.
    type Ctx: Ctx;

    fn new(workers: usize) -> Self;
    fn ctx(&self) -> Self::Ctx;
    /// Drives `f` on the calling (non-worker) thread.
    fn block_on<F: Future>(&self, f: F) -> F::Output;
    /// Spawns from a plain thread outside the runtime; detached.
    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, f: F);
    /// Spawns from outside and returns a handle to await.
    fn spawn_join<F>(&self, f: F) -> BoxFuture<'static, F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
}

/// What a task uses to spawn and yield on its own runtime. Copy, so tasks
/// can carry it for free: `goroutine::spawn`, `tokio::spawn` and a
/// `&'static Executor`.
pub(crate) trait Ctx: Copy + Send + Sync + 'static {
    /// Spawns a detached task from inside the runtime.
    fn spawn<F: Future<Output = ()> + Send + 'static>(self, f: F);
    /// Spawns from inside and returns a handle to await.
    fn spawn_join<F>(self, f: F) -> BoxFuture<'static, F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    /// The runtime's own yield: `goroutine::yield_now`,
    /// `tokio::task::yield_now`, `futures_lite::future::yield_now`.
    fn yield_now(self) -> impl Future<Output = ()> + Send;
}

// goroutine

/// The goroutine runtime; `Goroutine<false>` has the monitor off
/// (`blocking_threshold(None)`), for the rows that show what the monitor
/// costs (issue 6).
pub(crate) struct Goroutine<const MONITOR: bool = true> {
    rt: goroutine::runtime::Runtime,
}

/// [`Goroutine`] with the monitor off.
pub(crate) type GoroutineNoMonitor = Goroutine<false>;

#[derive(Clone, Copy)]
pub(crate) struct GoroutineCtx;

impl<const MONITOR: bool> Rt for Goroutine<MONITOR> {
    const NAME: &'static str = if MONITOR {
        "goroutine"
    } else {
        "goroutine-monitor-off"
    };
    type Ctx = GoroutineCtx;

    fn new(workers: usize) -> Self {
        let mut b = goroutine::runtime::Builder::new();
        b.workers(workers);
        if !MONITOR {
            b.blocking_threshold(None);
        }
        let rt = b.build().expect("goroutine runtime");
        Goroutine { rt }
    }
    fn ctx(&self) -> GoroutineCtx {
        GoroutineCtx
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }
    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, f: F) {
        drop(self.rt.spawn(f));
    }
    fn spawn_join<F>(&self, f: F) -> BoxFuture<'static, F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.rt.spawn(f).map(|r| r.expect("goroutine")).boxed()
    }
}

impl Ctx for GoroutineCtx {
    fn spawn<F: Future<Output = ()> + Send + 'static>(self, f: F) {
        drop(goroutine::spawn(f));
    }
    fn spawn_join<F>(self, f: F) -> BoxFuture<'static, F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        goroutine::spawn(f).map(|r| r.expect("goroutine")).boxed()
    }
    fn yield_now(self) -> impl Future<Output = ()> + Send {
        goroutine::yield_now()
    }
}

// tokio

pub(crate) struct Tokio {
    rt: tokio::runtime::Runtime,
}

#[derive(Clone, Copy)]
pub(crate) struct TokioCtx;

impl Rt for Tokio {
    const NAME: &'static str = "tokio";
    type Ctx = TokioCtx;

    fn new(workers: usize) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_time()
            .build()
            .expect("tokio runtime");
        Tokio { rt }
    }
    fn ctx(&self) -> TokioCtx {
        TokioCtx
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }
    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, f: F) {
        drop(self.rt.spawn(f));
    }
    fn spawn_join<F>(&self, f: F) -> BoxFuture<'static, F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.rt.spawn(f).map(|r| r.expect("tokio task")).boxed()
    }
}

impl Ctx for TokioCtx {
    fn spawn<F: Future<Output = ()> + Send + 'static>(self, f: F) {
        drop(tokio::spawn(f));
    }
    fn spawn_join<F>(self, f: F) -> BoxFuture<'static, F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(f).map(|r| r.expect("tokio task")).boxed()
    }
    fn yield_now(self) -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }
}

// async-executor: `n` threads each running `ex.run(shutdown)`, smol's pattern.

pub(crate) struct AsyncExecutor {
    ex: &'static async_executor::Executor<'static>,
    shutdown: Option<async_channel::Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
}

#[derive(Clone, Copy)]
pub(crate) struct AsyncExecutorCtx(&'static async_executor::Executor<'static>);

impl Rt for AsyncExecutor {
    const NAME: &'static str = "async-executor";
    type Ctx = AsyncExecutorCtx;

    fn new(workers: usize) -> Self {
        // Leaked so tasks can hold a plain `&'static` (a few hundred bytes
        // per runtime built; benches build a handful).
        let ex: &'static async_executor::Executor<'static> =
            Box::leak(Box::new(async_executor::Executor::new()));
        let (tx, rx) = async_channel::bounded::<()>(1);
        let threads = (0..workers)
            .map(|i| {
                let rx = rx.clone();
                thread::Builder::new()
                    .name(format!("async-executor-{i}"))
                    .spawn(move || {
                        let _ = futures_lite::future::block_on(ex.run(rx.recv()));
                    })
                    .expect("spawn worker")
            })
            .collect();
        AsyncExecutor {
            ex,
            shutdown: Some(tx),
            threads,
        }
    }
    fn ctx(&self) -> AsyncExecutorCtx {
        AsyncExecutorCtx(self.ex)
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        futures_lite::future::block_on(f)
    }
    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, f: F) {
        self.ex.spawn(f).detach();
    }
    fn spawn_join<F>(&self, f: F) -> BoxFuture<'static, F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.ex.spawn(f).boxed()
    }
}

impl Drop for AsyncExecutor {
    fn drop(&mut self) {
        // Closing the channel completes every `rx.recv()`, so `run` returns.
        drop(self.shutdown.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Ctx for AsyncExecutorCtx {
    fn spawn<F: Future<Output = ()> + Send + 'static>(self, f: F) {
        self.0.spawn(f).detach();
    }
    fn spawn_join<F>(self, f: F) -> BoxFuture<'static, F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.0.spawn(f).boxed()
    }
    fn yield_now(self) -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }
}
