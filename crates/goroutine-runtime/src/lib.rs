//! The executor core of [`goroutine`](https://docs.rs/goroutine): goroutines
//! on a multi-queue work-stealing runtime.
//!
//! ```
//! let total = goroutine::block_on(async {
//!     let handles: Vec<_> = (1..=10).map(|i| goroutine::spawn(async move { i * i })).collect();
//!     let mut total = 0;
//!     for h in handles {
//!         total += h.await.unwrap();
//!     }
//!     total
//! });
//! assert_eq!(total, 385);
//! ```
//!
//! Most users depend on the `goroutine` facade, which re-exports everything
//! here; this crate's docs describe the machinery. A goroutine is one heap
//! allocation (an [`async-task`](https://docs.rs/async-task) task with the
//! runtime's metadata in its header). Workers run goroutines from a local
//! ring of 256 plus a LIFO slot that makes message passing stay on one
//! core, steal half of another worker's ring when theirs is empty, check a
//! global injector at least every 61 ticks (a tick runs one goroutine and
//! those it hands off to, for up to Go's 10 ms time slice), look at the
//! timers after every poll, and
//! park with zero CPU when idle. A coop budget makes a goroutine that
//! never waits yield anyway. See `docs/architecture.md` in the repository
//! for the whole picture.
//!
//! Sibling crates (channels, sync, time) use two small hooks from here: the
//! [`coop`] budget, and [`debug::set_wait_reason`] for goroutine dumps; the
//! time crate also uses [`timer`].

#![warn(clippy::undocumented_unsafe_blocks)]

mod block_on;
mod blocking;
mod context;
pub mod coop;
pub mod debug;
pub mod io;
mod loom;
mod panic_report;
mod registry;
pub mod runtime;
mod scheduler;
pub mod task;
mod time;
pub mod timer;
mod traceback;
mod wait;

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use task::{GoroutineId, JoinError, JoinHandle};

/// Starts a goroutine: `go f()`.
///
/// On a worker thread the goroutine goes to that worker's next slot, as
/// Go's `go` goes to `runnext` (the one there moves to the worker's queue;
/// idle workers may steal either); elsewhere
/// to the runtime this thread is inside (`block_on`, [`Handle::enter`](runtime::Handle::enter)),
/// or to the global runtime, which starts with `GOMAXPROCS` workers on
/// first use. Dropping the returned handle detaches the goroutine; it keeps
/// running, as in Go.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let h = goroutine::spawn(async { "hello from a goroutine" });
/// assert_eq!(h.await.unwrap(), "hello from a goroutine");
/// # });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    runtime::current().spawn_named(future, Location::caller(), None)
}

/// Runs a blocking closure on the runtime's blocking pool, so it does not
/// hold up a worker: for file I/O, CPU-heavy work, or libraries that block.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let h = goroutine::spawn_blocking(|| std::fs::metadata("/").is_ok());
/// assert!(h.await.unwrap());
/// # });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    runtime::current().spawn_blocking(f)
}

/// Runs `future` to completion on this thread, as the main goroutine.
///
/// It uses the runtime this thread is in, or the global one; goroutines the
/// future spawns run on that runtime's workers.
///
/// # Panics
///
/// When called from a goroutine: blocking a worker can deadlock the
/// runtime. Use `.await` there. (The main goroutine of
/// `#[goroutine::main]` may call it, as it could from its own thread: it
/// blocks that worker meanwhile.)
///
/// # Examples
///
/// ```
/// let v = goroutine::block_on(async { 21 * 2 });
/// assert_eq!(v, 42);
/// ```
#[track_caller]
pub fn block_on<F: Future>(future: F) -> F::Output {
    runtime::current().block_on(future)
}

/// Yields to other goroutines: Go's `runtime.Gosched()`.
///
/// A goroutine goes to the back of its worker's run queue (so does the
/// main goroutine of `#[goroutine::main]` when it runs on a worker: its
/// future is `Send`). A main goroutine of `block_on`, or a `main` that is
/// not `Send`, runs on its own thread; it queues behind
/// the goroutines it spawned, as Go's `Gosched` puts it behind its P's
/// goroutines: it resumes once a worker has reached its place, so those
/// goroutines get to run first. (On a runtime that cannot rescue a stuck
/// worker, without a monitor or extra workers, it waits at most 10 ms.)
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// goroutine::yield_now().await;
/// # });
/// ```
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        if runtime::yield_main(cx.waker()) {
            return Poll::Pending;
        }
        // A wake while running makes the scheduler put the goroutine at the
        // back of the queue (never the LIFO slot).
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Live goroutines of the current runtime: Go's `runtime.NumGoroutine()`.
///
/// Counts goroutines spawned and not yet finished (parked ones included),
/// blocking-pool closures, and main goroutines while they run in
/// `block_on`. Like Go's, the number is a snapshot.
///
/// # Examples
///
/// ```
/// let rt = goroutine::runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     assert_eq!(goroutine::num_goroutines(), 1); // main
///     let (tx, rx) = goroutine::chan::bounded::<()>(0);
///     let h = goroutine::spawn(async move { rx.recv().await });
///     assert_eq!(goroutine::num_goroutines(), 2);
///     drop(tx);
///     h.await.unwrap();
/// });
/// ```
pub fn num_goroutines() -> usize {
    runtime::current().num_goroutines()
}

/// Worker count of the current (or global) runtime: `runtime.GOMAXPROCS(0)`.
///
/// # Examples
///
/// ```
/// assert!(goroutine::maxprocs() >= 1);
/// ```
pub fn maxprocs() -> usize {
    runtime::current().workers()
}

/// Starts a goroutine and forgets its handle: `go f()`.
///
/// Evaluates to `()`.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let (tx, rx) = goroutine::chan::bounded(0);
/// goroutine::go!(async move { tx.send("ping").await.unwrap() });
/// assert_eq!(rx.recv().await, Some("ping"));
/// # });
/// ```
#[macro_export]
macro_rules! go {
    ($fut:expr $(,)?) => {
        ::core::mem::drop($crate::spawn($fut))
    };
}

#[doc(hidden)]
pub mod __private {
    //! Used by the attribute macros' expansions and by the sibling crates;
    //! not a public API.

    use std::future::Future;
    use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
    use std::time::Duration;

    /// Locks a mutex that guards a short critical section (a channel, a
    /// wait list), ignoring poisoning (their code never panics with the
    /// state half updated; Go has no poisoning either).
    ///
    /// A contended attempt backs off before trying again: 2, 4, ..., 128
    /// spin-loop hints between tries (254 in all: microseconds), then
    /// std's `lock`, which spins briefly and sleeps in the kernel.
    /// Looking at the lock again after every hint, as std's own spin does,
    /// keeps pulling the lock's cache line away from the holder, which is
    /// writing the state beside it; backing off lets the holder finish
    /// (Go's `lock2` spins 4 x 30 `PAUSE`s for the same reason). Measured
    /// on 4 producers and 4 consumers of one buffered channel on 2
    /// workers: about half the time per message of plain `lock`; 7 rounds
    /// a little less again than 6 (28 against 29-34 ns), with select,
    /// ping-pong and semaphore probes unchanged.
    #[inline]
    pub fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
        match m.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => lock_contended(m),
        }
    }

    #[cold]
    #[inline(never)]
    fn lock_contended<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
        for round in 0..SPIN_ROUNDS {
            for _ in 0..2u32 << round {
                std::hint::spin_loop();
            }
            match m.try_lock() {
                Ok(guard) => return guard,
                Err(TryLockError::Poisoned(p)) => return p.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        m.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tries after backing off in [`lock`] (see there).
    const SPIN_ROUNDS: u32 = 7;

    use crate::runtime::{install_global, Builder};
    use crate::scheduler::DeadlockAction;

    /// Configuration the attribute macros pass to [`run_main`] / [`run_test`].
    #[derive(Debug, Clone, Copy)]
    pub struct EntryConfig {
        /// `workers = N`; `None`: `GOMAXPROCS` or the number of cores.
        pub workers: Option<usize>,
        /// `detect_deadlock = bool`; default `true`.
        pub detect_deadlock: bool,
        /// `panic = "abort"`: [`PanicPolicy::Abort`](crate::runtime::PanicPolicy);
        /// default `false` (`Report`).
        pub panic_abort: bool,
    }

    fn build(
        config: EntryConfig,
        name: &str,
        on_deadlock: DeadlockAction,
    ) -> crate::runtime::Runtime {
        build_with_stack(config, name, on_deadlock, None)
    }

    /// How long a program's exit waits for a worker stuck in one poll, and
    /// for running blocking closures: the monitor's default blocking
    /// threshold, the time after which it too calls a poll blocked.
    const EXIT_GRACE: Duration = Duration::from_millis(10);

    /// The runtime of a `#[goroutine::main]` function, made the global one
    /// until [`leave_main`]; returns it and the global one it replaced.
    fn enter_main(
        config: EntryConfig,
        stack_size: Option<usize>,
    ) -> (crate::runtime::Runtime, Option<crate::runtime::Handle>) {
        let rt = build_with_stack(config, "goroutine-worker", DeadlockAction::Exit, stack_size);
        let previous = install_global(Some(rt.handle()));
        (rt, previous)
    }

    /// Puts the previous global runtime back, and ends `rt`'s goroutines
    /// as Go's exit does: without waiting for threads stuck in a poll or in
    /// blocking code (after `EXIT_GRACE`), and never more than 100 ms for
    /// threads (dropping the goroutines left is not bounded).
    fn leave_main(rt: crate::runtime::Runtime, previous: Option<crate::runtime::Handle>) {
        install_global(previous);
        rt.shutdown_for_exit(Duration::from_millis(100), EXIT_GRACE);
    }

    fn build_with_stack(
        config: EntryConfig,
        name: &str,
        on_deadlock: DeadlockAction,
        stack_size: Option<usize>,
    ) -> crate::runtime::Runtime {
        let mut b = Builder::new();
        b.thread_name(name);
        if let Some(bytes) = stack_size {
            b.thread_stack_size(bytes);
        }
        if let Some(n) = config.workers {
            b.workers(n);
        }
        if config.panic_abort {
            b.panic_policy(crate::runtime::PanicPolicy::Abort);
        }
        b.build_with(config.detect_deadlock.then_some(on_deadlock))
            .expect("goroutine: cannot start the runtime")
    }

    /// Body of `#[goroutine::main]`: a runtime that is also the global one;
    /// when `future` returns, every goroutine still alive is dropped (as Go
    /// ends them when `main` returns) without waiting long for threads stuck
    /// in blocking code.
    #[track_caller]
    pub fn run_main<F: Future>(config: EntryConfig, future: F) -> F::Output {
        let (rt, previous) = enter_main(config, None);
        let out = rt.block_on(future);
        leave_main(rt, previous);
        out
    }

    /// Body of `#[goroutine::main]` on the program's own `fn main`:
    /// [`run_main`], except that a panic of the main goroutine ends the
    /// process at once with exit status 2, as an unrecovered panic does in
    /// Go (Rust's own status would be 101), after Go's report of it on
    /// stderr; goroutines still running are not waited for.
    #[track_caller]
    pub fn run_program<F: Future>(config: EntryConfig, future: F) -> F::Output {
        // Caught rather than left to unwind, for the payload: Go's report
        // prints its message (`panic_report`). `block_on` is told the
        // caller's location, which a closure would otherwise hide from it
        // (goroutine dumps and deadlock reports show where main started).
        let at = std::panic::Location::caller();
        crate::panic_report::install_hook();
        let (rt, previous) = enter_main(config, None);
        let handle = rt.handle();
        let out = crate::panic_report::poll_ending_program(
            || crate::block_on::run_at(&handle, future, at),
            |payload| crate::panic_report::report_and_exit(1, "", None, payload),
        );
        drop(handle);
        leave_main(rt, previous);
        out
    }

    /// The program's own `fn main` under `#[goroutine::main]`, for the
    /// expansion's choice of runner, made at compile time by method
    /// resolution ("autoref specialisation"):
    ///
    /// ```text
    /// use __private::{MainOnWorkers as _, MainOnThread as _};
    /// (&&ProgramMain::new(config, __goroutine_entry())).run_program()
    /// ```
    ///
    /// [`MainOnWorkers`] is implemented for `&ProgramMain<F>` only when the
    /// future is `Send + 'static`, so the call finds it first and runs
    /// main as a goroutine on the workers, as Go runs main on a P: its
    /// spawns, wake-ups and channel hand-offs then take the workers' fast
    /// paths (100,000 unbuffered receives in main: about 30 times faster
    /// than from main's own thread). A future that is not `Send` (it holds
    /// an `Rc` across an `.await`, say) falls through to [`MainOnThread`],
    /// [`run_program`] on the program's thread. (The choice needs rustc to
    /// know the future's `Send`-ness while it checks the caller: it does
    /// for the future of another item, such as the expansion's nested
    /// `async fn`, not yet for an `async` block in the same function, which
    /// then fails to compile if it is not `Send`.) Either way main's result
    /// is turned into the process's exit code by `Termination`, which for
    /// an `Err` prints `Error: {err:?}` as Rust's own `main` does; so a
    /// result need not be `Send` to come back from a worker.
    #[allow(missing_debug_implementations)]
    pub struct ProgramMain<F> {
        config: EntryConfig,
        future: std::cell::Cell<Option<F>>,
    }

    impl<F> ProgramMain<F> {
        /// Wraps main's future for [`MainOnWorkers`] / [`MainOnThread`].
        pub fn new(config: EntryConfig, future: F) -> ProgramMain<F> {
            ProgramMain {
                config,
                future: std::cell::Cell::new(Some(future)),
            }
        }

        fn take(&self) -> F {
            self.future.take().expect("the program's main runs once")
        }
    }

    pin_project_lite::pin_project! {
        /// The program's main goroutine: a panic in its poll ends the
        /// process at once, with Go's report of it (`panic_report`).
        struct EndsProgramOnPanic<F> {
            #[pin]
            future: F,
        }
    }

    impl<F: Future> Future for EndsProgramOnPanic<F> {
        type Output = F::Output;

        fn poll(
            self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<F::Output> {
            let future = self.project().future;
            // Ended here, on the worker, where the panic hook noted where
            // it happened.
            crate::panic_report::poll_ending_program(
                || future.poll(cx),
                |payload| crate::panic_report::report_and_exit(1, "", None, payload),
            )
        }
    }

    /// Worker stack size when main runs on the workers.
    const MAIN_STACK: usize = 8 << 20;

    /// Runs a `Send` main as a goroutine on the workers (see [`ProgramMain`]).
    pub trait MainOnWorkers {
        /// Runs the program's main; returns its exit code.
        #[track_caller]
        fn run_program(&self) -> std::process::ExitCode;
    }

    /// Runs main on the program's thread (see [`ProgramMain`]).
    pub trait MainOnThread {
        /// Runs the program's main; returns its exit code.
        #[track_caller]
        fn run_program(&self) -> std::process::ExitCode;
    }

    impl<F> MainOnWorkers for &ProgramMain<F>
    where
        F: Future + Send + 'static,
        F::Output: std::process::Termination,
    {
        #[track_caller]
        fn run_program(&self) -> std::process::ExitCode {
            use std::process::Termination;
            let future = self.take();
            // Main runs on a worker now: give the workers the stack a
            // program's main thread has on Linux (8 MiB, reserved, not
            // committed), so recursion that worked in `main` still does.
            crate::panic_report::install_hook();
            let (rt, previous) = enter_main(self.config, Some(MAIN_STACK));
            let handle = rt.handle();
            let main = EndsProgramOnPanic {
                future: async move { future.await.report() },
            };
            let out = crate::block_on::run_main_goroutine(&handle, main);
            let code = match out {
                Ok(code) => code,
                // A panic of the main goroutine ends the process from its
                // poll (`EndsProgramOnPanic`), with Go's exit status 2 and
                // without waiting for the goroutines still running; this
                // is a fallback. (Cancelled cannot happen: nothing aborts
                // it, and shutdown comes after.)
                Err(e) => {
                    let payload = e
                        .try_into_panic()
                        .unwrap_or_else(|e| Box::new(e.to_string()));
                    crate::panic_report::report_and_exit(1, "", None, &*payload)
                }
            };
            leave_main(rt, previous);
            code
        }
    }

    impl<F> MainOnThread for ProgramMain<F>
    where
        F: Future,
        F::Output: std::process::Termination,
    {
        #[track_caller]
        fn run_program(&self) -> std::process::ExitCode {
            use std::process::Termination;
            run_program(self.config, self.take()).report()
        }
    }

    /// Body of `#[goroutine::test]`: a fresh runtime per test.
    #[track_caller]
    pub fn run_test<F: Future>(config: EntryConfig, future: F) -> F::Output {
        let rt = build(config, "goroutine-test-worker", DeadlockAction::Panic);
        let out = rt.block_on(future);
        rt.shutdown_timeout(Duration::from_secs(1));
        out
    }

    #[cfg(test)]
    mod tests {
        use super::lock;
        use std::sync::{Arc, Barrier, Mutex};
        use std::time::Duration;

        #[test]
        fn lock_returns_the_guard_of_a_poisoned_mutex() {
            let m = Arc::new(Mutex::new(1));
            let m2 = m.clone();
            let _ = std::thread::spawn(move || {
                let mut g = m2.lock().unwrap();
                *g = 2;
                panic!("poison it");
            })
            .join();
            assert!(m.is_poisoned());
            assert_eq!(*lock(&m), 2);
        }

        #[test]
        fn contended_lock_waits_for_the_holder_and_sees_its_writes() {
            let m = Arc::new(Mutex::new(0));
            let held = Arc::new(Barrier::new(2));
            let holder = {
                let (m, held) = (m.clone(), held.clone());
                std::thread::spawn(move || {
                    let mut g = m.lock().unwrap();
                    held.wait();
                    // Long enough that `lock` passes its spins and sleeps.
                    std::thread::sleep(Duration::from_millis(20));
                    *g = 7;
                })
            };
            held.wait();
            assert_eq!(*lock(&m), 7);
            holder.join().unwrap();
        }
    }
}
