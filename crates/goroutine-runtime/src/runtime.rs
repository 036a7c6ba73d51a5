//! Runtimes: building one, entering it, shutting it down.
//!
//! Most programs never name a runtime: `#[goroutine::main]` builds one and
//! [`spawn`](crate::spawn) from anywhere else uses the global runtime,
//! started on first use with `GOMAXPROCS` workers. Build one explicitly to
//! choose the worker count, budget, thread names, blocking-pool size or
//! panic policy, or to run several side by side.
//!
//! ```
//! use goroutine::runtime::{Builder, PanicPolicy};
//! use std::time::Duration;
//!
//! let rt = Builder::new()
//!     .workers(2)                     // GOMAXPROCS for this runtime
//!     .budget(128)                    // coop budget per poll
//!     .thread_name("worker")
//!     .max_blocking_threads(64)
//!     .panic_policy(PanicPolicy::Report)
//!     .build()
//!     .unwrap();
//! let answer = rt.block_on(async {
//!     let h = goroutine::spawn(async { 40 + 2 });
//!     h.await.unwrap()
//! });
//! assert_eq!(answer, 42);
//! rt.shutdown_timeout(Duration::from_secs(1));
//! ```
//!
//! # Shutdown
//!
//! Dropping a [`Runtime`] ends every goroutine still alive, as Go's `main`
//! returning does, except that each goroutine is *dropped*, so its
//! destructors run:
//!
//! 1. the runtime closes: spawns and wake-ups from then on drop the
//!    goroutine they concern;
//! 2. every worker finishes the poll it is in, leaves its loop and drops the
//!    goroutines in its own queue and LIFO slot;
//! 3. the dropping thread joins the workers, then drops the goroutines left
//!    in the global queue and wakes every parked goroutine through the
//!    registry, which drops it (its wake-up finds the runtime closed);
//! 4. the blocking pool drops the closures not yet started and joins its
//!    threads, which finish the closures they run.
//!
//! Step 2 waits for polls in progress and step 4 for running blocking
//! closures; [`Runtime::shutdown_timeout`] bounds both waits and leaves
//! threads still busy after the timeout running, detached.

#[doc(hidden)]
pub use crate::block_on::park_on;

use std::fmt;
use std::future::Future;
use std::io;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use crate::context;
use crate::coop::DEFAULT_BUDGET;
use crate::loom::lock_std as lock;
use crate::scheduler::{Config, DeadlockAction, Shared, Worker};
use crate::task::{self, reserve_ids, GoroutineId, JoinHandle, Kind, Meta, Runnable};

/// What happens when a goroutine panics.
///
/// # Examples
///
/// ```
/// use goroutine::runtime::{Builder, PanicPolicy};
/// let rt = Builder::new().panic_policy(PanicPolicy::Report).build().unwrap();
/// let err = rt.block_on(goroutine::spawn(async { panic!("oops") })).unwrap_err();
/// assert!(err.is_panic());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PanicPolicy {
    /// The panic is printed on stderr by the panic hook, like a thread's,
    /// and delivered to the goroutine's `JoinHandle` as a [`JoinError`](crate::JoinError);
    /// the worker and every other goroutine carry on. The default.
    #[default]
    Report,
    /// Go's behaviour: the panic is printed as Go prints it (`panic: boom`,
    /// a blank line, `goroutine 7 [running]:` and where it panicked and was
    /// spawned), and the process exits with status 2. This covers the main
    /// goroutine of this runtime's `block_on` too. A panic the goroutine
    /// catches itself (`catch_unwind`, Go's `recover`) prints nothing. (A
    /// panic hook this installs keeps Rust's own report of these panics
    /// off stderr, and passes every other panic on to the hook it
    /// replaced.)
    Abort,
}

/// Configures and builds a [`Runtime`].
///
/// # Examples
///
/// ```
/// let rt = goroutine::runtime::Builder::new().workers(4).build().unwrap();
/// assert_eq!(rt.handle().workers(), 4);
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    workers: Option<usize>,
    budget: u16,
    thread_name: String,
    stack_size: Option<usize>,
    max_blocking_threads: usize,
    blocking_keep_alive: Duration,
    panic_policy: PanicPolicy,
    blocking_threshold: Option<Duration>,
    long_poll: Option<Duration>,
    max_extra_workers: Option<usize>,
    detect_deadlock: bool,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

/// Default of [`Builder::max_extra_workers`] (when there are fewer workers).
const DEFAULT_MAX_EXTRA_WORKERS: usize = 64;

/// Most worker threads a runtime may have, extra workers included: Go's
/// default limit on a program's threads (`debug.SetMaxThreads`).
pub(crate) const MAX_WORKER_THREADS: usize = 10_000;

/// Worker count when none is configured: `GOMAXPROCS` if set to a positive
/// integer, as in Go (at most [`MAX_WORKER_THREADS`]: Go's Ps are not
/// threads, ours are, and a program that runs under Go must start here
/// too); otherwise the number of cores available.
pub(crate) fn default_workers() -> usize {
    std::env::var("GOMAXPROCS")
        .ok()
        .and_then(|v| gomaxprocs(&v))
        .map(|n| n.min(MAX_WORKER_THREADS))
        .unwrap_or_else(|| thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `GOMAXPROCS`'s value as Go's runtime reads it: plain decimal digits
/// (no sign, no spaces) naming a positive count; anything else is ignored.
fn gomaxprocs(v: &str) -> Option<usize> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Go's `atoi32`: a value that overflows an `int32` is ignored too.
    v.parse::<i32>().ok().filter(|&n| n > 0).map(|n| n as usize)
}

impl Builder {
    /// A builder with the defaults: `GOMAXPROCS` (else all cores) workers,
    /// a budget of 128, 512 blocking threads kept alive 10 s when idle,
    /// [`PanicPolicy::Report`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Builder::new().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new() -> Builder {
        Builder {
            workers: None,
            budget: DEFAULT_BUDGET,
            thread_name: "goroutine-worker".to_owned(),
            stack_size: None,
            max_blocking_threads: 512,
            blocking_keep_alive: Duration::from_secs(10),
            panic_policy: PanicPolicy::Report,
            blocking_threshold: Some(Duration::from_millis(10)),
            long_poll: long_poll_from_env(),
            max_extra_workers: None,
            detect_deadlock: false,
        }
    }

    /// Number of worker threads: this runtime's `GOMAXPROCS`. More than
    /// 10,000 makes [`build`](Builder::build) fail.
    ///
    /// # Panics
    ///
    /// If `n` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Builder::new().workers(1).build().unwrap();
    /// assert_eq!(rt.handle().workers(), 1);
    /// ```
    pub fn workers(&mut self, n: usize) -> &mut Builder {
        assert!(
            n > 0,
            "goroutine: a runtime needs at least one worker (workers = 0)"
        );
        self.workers = Some(n);
        self
    }

    /// Units of coop budget each poll of a goroutine starts with (see
    /// [`coop`](crate::coop)); values above 65,535 are clamped.
    ///
    /// # Panics
    ///
    /// If `units` is 0: every operation would yield and nothing could
    /// complete.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Builder::new().budget(32).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn budget(&mut self, units: usize) -> &mut Builder {
        assert!(units > 0, "goroutine: the coop budget must be at least 1");
        self.budget = u16::try_from(units).unwrap_or(u16::MAX);
        self
    }

    /// Prefix of worker thread names (`<prefix>-<n>`); blocking threads are
    /// named `<prefix>-blocking`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Builder::new().thread_name("ingest").build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn thread_name(&mut self, prefix: impl Into<String>) -> &mut Builder {
        self.thread_name = prefix.into();
        self
    }

    /// Stack size of worker and blocking threads, in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Builder::new().thread_stack_size(4 << 20).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.stack_size = Some(bytes);
        self
    }

    /// Most threads the blocking pool runs at once (default 512); more
    /// [`spawn_blocking`](crate::spawn_blocking) calls wait in its queue,
    /// which is unbounded.
    ///
    /// # Panics
    ///
    /// If `n` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Builder::new().max_blocking_threads(8).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Builder {
        assert!(n > 0, "goroutine: max_blocking_threads must be at least 1");
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread waits for work before it exits
    /// (default 10 s).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = goroutine::runtime::Builder::new()
    ///     .blocking_keep_alive(Duration::from_secs(1))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn blocking_keep_alive(&mut self, d: Duration) -> &mut Builder {
        self.blocking_keep_alive = d;
        self
    }

    /// What a goroutine's panic does; see [`PanicPolicy`].
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::runtime::{Builder, PanicPolicy};
    /// let rt = Builder::new().panic_policy(PanicPolicy::Abort).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn panic_policy(&mut self, policy: PanicPolicy) -> &mut Builder {
        self.panic_policy = policy;
        self
    }

    /// How long one poll of a goroutine may run before the monitor treats
    /// its worker as blocked and hands the worker's queue to an extra
    /// worker, so the other goroutines keep running (default 10 ms, Go's
    /// `forcePreemptNS`). `None` turns hand-offs off.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = goroutine::runtime::Builder::new()
    ///     .blocking_threshold(Some(Duration::from_millis(50)))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn blocking_threshold(&mut self, threshold: Option<Duration>) -> &mut Builder {
        self.blocking_threshold = threshold;
        self
    }

    /// Reports, once each, polls that run longer than `limit`, on stderr
    /// with the goroutine's id, name and spawn location. Default: off, or
    /// the limit in `GOROUTINE_DEBUG=longpoll=50ms` (units `us`, `ms`, `s`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = goroutine::runtime::Builder::new()
    ///     .long_poll_report(Some(Duration::from_millis(50)))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn long_poll_report(&mut self, limit: Option<Duration>) -> &mut Builder {
        self.long_poll = limit;
        self
    }

    /// Most extra workers the monitor runs at once to stand in for blocked
    /// ones (default: 64, or as many as there are workers if more; at most
    /// as many as keep workers and extra workers within 10,000 threads).
    ///
    /// Go preempts a goroutine that computes without end; a future cannot
    /// be preempted, so each such goroutine keeps a thread. The other
    /// goroutines keep running as long as the workers plus the extra
    /// workers outnumber the goroutines that never reach an `.await`; past
    /// that they wait. Each extra worker is an OS thread, started only
    /// while a worker is stuck, and gone once it is not.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Builder::new().max_extra_workers(2).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn max_extra_workers(&mut self, n: usize) -> &mut Builder {
        self.max_extra_workers = Some(n);
        self
    }

    /// Go's deadlock report: when a main goroutine in [`Runtime::block_on`]
    /// waits and nothing can ever wake anything, print "fatal error: all
    /// goroutines are asleep - deadlock!" and a goroutine dump on stderr,
    /// and exit with status 2. Off by default here; `#[goroutine::main]`
    /// and `#[goroutine::test]` turn it on (a test panics with the dump
    /// instead of exiting).
    ///
    /// "Nothing can wake anything" is checked conservatively, preferring a
    /// missed report to a false one: no goroutine runnable, no timer
    /// pending, no socket registered, the blocking pool idle, and no thread
    /// in the process but this runtime's own and the `block_on` caller
    /// (which a foreign thread holding a waker or a channel handle would
    /// break). It is only available on Linux, where threads can be counted.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Builder::new().detect_deadlock(true).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn detect_deadlock(&mut self, on: bool) -> &mut Builder {
        self.detect_deadlock = on;
        self
    }

    /// Starts the worker threads.
    ///
    /// # Errors
    ///
    /// If the operating system refuses to start a thread, if
    /// [`workers`](Builder::workers) asks for more than 10,000 (Go's
    /// default limit on a program's threads; a larger `GOMAXPROCS` is
    /// taken as 10,000), or if 65,535 runtimes are already alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Builder::new().workers(2).build()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn build(&mut self) -> io::Result<Runtime> {
        self.build_with(self.detect_deadlock.then_some(DeadlockAction::Exit))
    }

    pub(crate) fn build_with(&mut self, deadlock: Option<DeadlockAction>) -> io::Result<Runtime> {
        if self.panic_policy == PanicPolicy::Abort {
            crate::panic_report::install_hook();
        }
        let workers = self.workers.unwrap_or_else(default_workers);
        if workers > MAX_WORKER_THREADS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "goroutine: {workers} workers exceed the {MAX_WORKER_THREADS}-thread limit"
                ),
            ));
        }
        let extra = if self.blocking_threshold.is_some() {
            self.max_extra_workers
                .unwrap_or(workers.max(DEFAULT_MAX_EXTRA_WORKERS))
                .min(MAX_WORKER_THREADS - workers)
        } else {
            0
        };
        let config = Config {
            workers,
            budget: self.budget,
            thread_name: self.thread_name.clone(),
            stack_size: self.stack_size,
            max_blocking_threads: self.max_blocking_threads,
            blocking_keep_alive: self.blocking_keep_alive,
            panic_policy: self.panic_policy,
            blocking_threshold: self.blocking_threshold,
            long_poll: self.long_poll,
            max_extra_workers: extra,
            deadlock,
        };
        // One queue per worker, and one per extra-worker slot.
        let (steals, mut locals) = Shared::new_queues(workers + extra);
        let spare: Vec<_> = locals
            .drain(workers..)
            .enumerate()
            .map(|(i, l)| (workers + i, l))
            .collect();
        let io = crate::io::IoDriver::new()?;
        let shared =
            table::insert(|index| Arc::new(Shared::new(index, config, steals, spare, io)))?;
        // From here on, dropping `rt` shuts down whatever started.
        let rt = Runtime {
            handle: Handle {
                shared: shared.clone(),
            },
            shut_down: false,
        };
        for (index, local) in locals.into_iter().enumerate() {
            let s = shared.clone();
            let name = format!("{}-{index}", self.thread_name);
            let h = spawn_thread(&shared.threads, name, self.stack_size, move || {
                drop(Worker::run(s, index, local));
            })?;
            lock(&shared.thread_handles).push(h);
        }
        crate::scheduler::start_monitor(&shared)?;
        crate::traceback::install_from_env();
        Ok(rt)
    }
}

/// Counts a runtime's live threads so shutdown can wait for them with a
/// timeout (`JoinHandle::join` has none).
#[derive(Default)]
pub(crate) struct ThreadSet {
    live: Mutex<usize>,
    cvar: Condvar,
}

impl ThreadSet {
    /// Threads started and not yet exited.
    pub(crate) fn live(&self) -> usize {
        *lock(&self.live)
    }

    /// Waits until every thread has exited, or until `deadline`. Returns
    /// true if they all exited.
    pub(crate) fn wait(&self, deadline: Option<Instant>) -> bool {
        let mut live = lock(&self.live);
        while *live > 0 {
            live = match deadline {
                None => self.cvar.wait(live).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return false;
                    }
                    self.cvar
                        .wait_timeout(live, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
        true
    }
}

struct ExitGuard(Arc<ThreadSet>);

impl Drop for ExitGuard {
    fn drop(&mut self) {
        let mut live = lock(&self.0.live);
        *live -= 1;
        if *live == 0 {
            self.0.cvar.notify_all();
        }
    }
}

/// Starts a thread counted in `set`.
pub(crate) fn spawn_thread(
    set: &Arc<ThreadSet>,
    name: String,
    stack_size: Option<usize>,
    f: impl FnOnce() + Send + 'static,
) -> io::Result<thread::JoinHandle<()>> {
    *lock(&set.live) += 1;
    let guard = ExitGuard(set.clone());
    let mut b = thread::Builder::new().name(name);
    if let Some(s) = stack_size {
        b = b.stack_size(s);
    }
    // If spawning fails the closure (and the guard in it) is dropped, which
    // undoes the count.
    b.spawn(move || {
        let _guard = guard;
        f()
    })
}

/// A running runtime: its workers, timer driver and blocking pool.
///
/// Dropping it shuts it down (see the [module docs](self)).
///
/// # Examples
///
/// ```
/// let rt = goroutine::runtime::Runtime::new().unwrap();
/// let v = rt.block_on(async { goroutine::spawn(async { 7 }).await.unwrap() });
/// assert_eq!(v, 7);
/// ```
pub struct Runtime {
    handle: Handle,
    shut_down: bool,
}

impl Runtime {
    /// A runtime with the default configuration.
    ///
    /// # Errors
    ///
    /// As [`Builder::build`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Runtime::new()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// Runs `future` on this thread as the main goroutine of this runtime,
    /// and returns its output. Goroutines it spawns run on this runtime's
    /// workers.
    ///
    /// # Panics
    ///
    /// When called from a goroutine (it would block a worker thread); use
    /// `.await` there, or call it from [`spawn_blocking`](crate::spawn_blocking).
    /// The main goroutine of `#[goroutine::main]` may call it, as it could
    /// from its own thread: it blocks that worker meanwhile.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Spawns a goroutine on this runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Runtime::new().unwrap();
    /// let h = rt.spawn(async { "hi" });
    /// assert_eq!(rt.block_on(h).unwrap(), "hi");
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs `f` on this runtime's blocking pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Runtime::new().unwrap();
    /// let h = rt.spawn_blocking(|| std::thread::current().name().map(str::to_owned));
    /// assert!(rt.block_on(h).unwrap().unwrap().ends_with("-blocking"));
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// A handle to this runtime, for other threads.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Runtime::new().unwrap();
    /// let h: goroutine::runtime::Handle = rt.handle();
    /// let t = std::thread::spawn(move || h.block_on(async { 3 }));
    /// assert_eq!(t.join().unwrap(), 3);
    /// ```
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Shuts down, waiting at most `timeout` for polls in progress and
    /// running blocking closures; threads still busy then are left running,
    /// detached.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = goroutine::runtime::Runtime::new().unwrap();
    /// rt.spawn_blocking(|| std::thread::sleep(Duration::from_millis(200)));
    /// rt.shutdown_timeout(Duration::from_millis(10)); // does not wait 200 ms
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Instant::now().checked_add(timeout), None);
    }

    /// Shuts down as a program's exit does: waits at most `timeout`, and
    /// not at all for a worker stuck in one poll for `grace` (a goroutine
    /// computing or blocking without an `.await`, which nothing can stop),
    /// nor for blocking closures still running `grace` after the close.
    ///
    /// Go's program exit waits for nothing; this still lets every goroutine
    /// that can be dropped be dropped, so destructors run, without keeping
    /// a finished program alive for threads that will not end.
    pub(crate) fn shutdown_for_exit(mut self, timeout: Duration, grace: Duration) {
        self.shutdown(Instant::now().checked_add(timeout), Some(grace));
    }

    /// `grace`: see [`shutdown_for_exit`](Self::shutdown_for_exit).
    fn shutdown(&mut self, deadline: Option<Instant>, grace: Option<Duration>) {
        if std::mem::replace(&mut self.shut_down, true) {
            return;
        }
        let shared = &self.handle.shared;
        // 1. Close.
        shared.close();
        let closed_at = Instant::now();
        let _enter = context::enter(self.handle.clone());
        // 2. Workers leave their loops and drain their own queues.
        shared.unpark_all();
        let _ = shared.monitor.parker.unpark();
        let all_exited = match grace {
            None => shared.threads.wait(deadline),
            Some(grace) => wait_unless_stuck(shared, deadline, grace),
        };
        for h in std::mem::take(&mut *lock(&shared.thread_handles)) {
            if all_exited || h.is_finished() {
                let _ = h.join();
            }
        }
        // 3. What is left: the global queue and every parked goroutine.
        loop {
            let mut dropped = false;
            for task in shared.main_q.drain() {
                drop(task);
                dropped = true;
            }
            while let Ok(task) = shared.inject.pop() {
                drop(task);
                dropped = true;
            }
            let wakers = shared.registry.close_and_drain();
            dropped |= !wakers.is_empty();
            for w in wakers {
                // The wake-up finds the runtime closed and drops the goroutine.
                w.wake();
            }
            if !dropped {
                break;
            }
        }
        // 4. The blocking pool.
        let deadline = match grace {
            Some(grace) => earlier(deadline, closed_at.checked_add(grace)),
            None => deadline,
        };
        shared.blocking.shutdown(deadline);
        if all_exited {
            table::remove(shared.index);
        }
    }
}

/// Waits, as `ThreadSet::wait` does, for the threads of a closed runtime to
/// exit, but gives up (false) once each thread still alive is a worker
/// whose poll has not changed for `grace`.
fn wait_unless_stuck(shared: &Shared, deadline: Option<Instant>, grace: Duration) -> bool {
    const STEP: Duration = Duration::from_millis(1);
    // Relaxed `poll_seq` loads: samples, as the monitor takes them; a
    // stale value only makes this wait another step.
    let start = Instant::now();
    // Per worker slot: the last `poll_seq` seen, and since when.
    let mut seen: Vec<(u64, Instant)> = shared
        .remotes
        .iter()
        .map(|r| (r.poll_seq.load(Relaxed), start))
        .collect();
    loop {
        let step = Instant::now().checked_add(STEP);
        if shared.threads.wait(earlier(deadline, step)) {
            return true;
        }
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            return false;
        }
        let mut stuck = 0;
        for (remote, last) in shared.remotes.iter().zip(&mut seen) {
            let seq = remote.poll_seq.load(Relaxed);
            if seq != last.0 {
                *last = (seq, now);
            } else if seq % 2 == 1 && now - last.1 >= grace {
                // Odd: inside one poll all that time.
                stuck += 1;
            }
        }
        if stuck > 0 && shared.threads.live() <= stuck {
            return false;
        }
    }
}

/// The earlier of two deadlines, `None` meaning "never".
fn earlier(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        let index = self.handle.shared.index;
        if context::with_worker(|w| w.is_some_and(|w| w.shared.index == index)) {
            // Dropping a runtime from one of its own goroutines would join
            // the thread we run on; shut down without waiting instead. (A
            // worker of another runtime, such as a main goroutine on the
            // workers dropping a runtime it built, waits as any thread.)
            self.shutdown(Some(Instant::now()), None);
        } else {
            self.shutdown(None, None);
        }
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("workers", &self.handle.workers())
            .finish_non_exhaustive()
    }
}

/// A cheap, clonable reference to a runtime, usable from any thread.
///
/// # Examples
///
/// ```
/// let rt = goroutine::runtime::Runtime::new().unwrap();
/// let handle = rt.handle();
/// std::thread::spawn(move || {
///     handle.spawn(async { println!("from a plain thread") });
/// })
/// .join()
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<Shared>,
}

impl Handle {
    /// The runtime the current thread runs in (as a worker, or inside its
    /// `block_on`), else the global runtime, started if need be.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Runtime::new().unwrap();
    /// let workers = rt.block_on(async { goroutine::runtime::Handle::current().workers() });
    /// assert_eq!(workers, rt.handle().workers());
    /// ```
    pub fn current() -> Handle {
        current()
    }

    /// The runtime the current thread runs in, if any (the global runtime
    /// does not count unless this thread is inside it).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(goroutine::runtime::Handle::try_current().is_none());
    /// ```
    pub fn try_current() -> Option<Handle> {
        context::with_worker(|w| {
            w.map(|w| Handle {
                shared: w.shared.clone(),
            })
        })
        .or_else(context::entered)
    }

    /// Spawns a goroutine on this runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Runtime::new().unwrap();
    /// let h = rt.handle().spawn(async { 1 });
    /// assert_eq!(rt.block_on(h).unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_named(future, Location::caller(), None)
    }

    pub(crate) fn spawn_named<F>(
        &self,
        future: F,
        location: &'static Location<'static>,
        name: Option<&str>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let shared = &self.shared;
        context::with_worker(move |w| match w {
            Some(w) if Arc::ptr_eq(&w.shared, shared) => {
                let (task, handle) =
                    task::new_task(shared, w.next_id(), location, Kind::Goroutine, future);
                if let Some(name) = name {
                    shared.set_name(task.metadata(), name);
                }
                // Go's `newproc` puts every `go` in its P's `runnext`, so
                // once the spawner blocks the newest spawn runs first, then
                // the others in order (the Tour prints "-5 17 12"); idle
                // workers may steal it meanwhile.
                w.spawn_local_next(task);
                handle
            }
            _ => {
                let id = GoroutineId::from_u64(reserve_ids(1));
                let (task, handle) = task::new_task(shared, id, location, Kind::Goroutine, future);
                if let Some(name) = name {
                    shared.set_name(task.metadata(), name);
                }
                shared.external_live.fetch_add(1, Relaxed);
                task.metadata().set_runnable(shared.clock_ms());
                if crate::block_on::main_poll_runtime() == Some(shared.index) {
                    // `go` in main: Go puts it in main's P's `runnext`.
                    shared.push_from_main(task);
                } else {
                    shared.push_remote(task);
                }
                handle
            }
        })
    }

    /// Spawns the main goroutine of `block_on::run_main_goroutine` from
    /// outside the workers: the global queue, and recorded as main for
    /// dumps.
    pub(crate) fn spawn_main<F>(
        &self,
        future: F,
        location: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let shared = &self.shared;
        let id = GoroutineId::from_u64(reserve_ids(1));
        let (task, handle) = task::new_task(shared, id, location, Kind::Goroutine, future);
        // Relaxed: read by dumps and by `schedule` (to spot main among the
        // monitor's wake-ups); the spawn below (the injector's push and the
        // worker's pop) orders this store before any poll of main, so
        // before any wake of it.
        shared.main_task_id.store(id.as_u64(), Relaxed);
        // Relaxed: a statistic (see shared.rs), as for any remote spawn.
        shared.external_live.fetch_add(1, Relaxed);
        task.metadata().set_runnable(shared.clock_ms());
        // Listed from the start (others enter the registry when they first
        // park), so `debug::goroutines()` always shows main, as Go's dump
        // does and as a main on its own thread is shown.
        if let Some(slot) = shared.registry.register(0, task.metadata(), &task.waker()) {
            task.metadata().mark_registered(slot);
        }
        shared.push_remote(task);
        handle
    }

    /// Runs `f` on this runtime's blocking pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Runtime::new().unwrap();
    /// let h = rt.handle().spawn_blocking(|| 2 + 2);
    /// assert_eq!(rt.block_on(h).unwrap(), 4);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let shared = &self.shared;
        let id = GoroutineId::from_u64(reserve_ids(1));
        let (task, handle) =
            task::new_task(shared, id, Location::caller(), Kind::Blocking, async move {
                f()
            });
        shared.external_live.fetch_add(1, Relaxed);
        shared.blocking.spawn(task, shared);
        handle
    }

    /// Runs `future` on this thread as a main goroutine of this runtime.
    ///
    /// # Panics
    ///
    /// When called from a goroutine; see [`Runtime::block_on`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().block_on(async { 5 }), 5);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        crate::block_on::run(self, future)
    }

    /// Makes this runtime the current one on this thread until the guard
    /// drops: [`spawn`](crate::spawn), timers and [`num_goroutines`](crate::num_goroutines)
    /// then use it.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Builder::new().workers(3).build().unwrap();
    /// let _guard = rt.handle().enter();
    /// assert_eq!(goroutine::maxprocs(), 3);
    /// ```
    pub fn enter(&self) -> EnterGuard {
        EnterGuard(context::enter(self.clone()))
    }

    /// Live goroutines of this runtime (see [`num_goroutines`](crate::num_goroutines)).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().num_goroutines(), 0);
    /// ```
    pub fn num_goroutines(&self) -> usize {
        self.shared.num_goroutines()
    }

    /// This runtime's worker count: its `GOMAXPROCS`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Builder::new().workers(2).build().unwrap();
    /// assert_eq!(rt.handle().workers(), 2);
    /// ```
    pub fn workers(&self) -> usize {
        self.shared.config.workers
    }
}

impl Handle {
    /// Counters about this runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().metrics().handoffs, 0);
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        let m = &self.shared.metrics;
        RuntimeMetrics {
            workers: self.shared.config.workers,
            extra_workers: m.extra_workers.load(Relaxed),
            handoffs: m.handoffs.load(Relaxed),
            long_polls: m.long_polls.load(Relaxed),
            num_goroutines: self.shared.num_goroutines(),
            blocking_threads: self.shared.blocking.threads(),
        }
    }
}

/// A snapshot of a runtime's counters; see [`Handle::metrics`].
///
/// # Examples
///
/// ```
/// let rt = goroutine::runtime::Builder::new().workers(2).build().unwrap();
/// let m = rt.handle().metrics();
/// assert_eq!((m.workers, m.extra_workers), (2, 0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuntimeMetrics {
    /// Configured workers (`GOMAXPROCS`).
    pub workers: usize,
    /// Extra workers running now, standing in for blocked ones.
    pub extra_workers: usize,
    /// Times the monitor handed a blocked worker's queue to an extra worker.
    pub handoffs: u64,
    /// Polls reported as too long (see `Builder::long_poll_report`).
    pub long_polls: u64,
    /// Live goroutines, as [`num_goroutines`](crate::num_goroutines).
    pub num_goroutines: usize,
    /// Threads in the blocking pool, idle ones included.
    pub blocking_threads: usize,
}

/// `GOROUTINE_DEBUG=longpoll=50ms` (comma-separated settings, Go style).
fn long_poll_from_env() -> Option<Duration> {
    let v = std::env::var("GOROUTINE_DEBUG").ok()?;
    v.split(',').find_map(|kv| {
        let d = kv.trim().strip_prefix("longpoll=")?;
        parse_duration(d)
    })
}

/// `250us`, `50ms`, `2s`.
fn parse_duration(s: &str) -> Option<Duration> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = num.parse().ok()?;
    match unit {
        "us" | "µs" => Some(Duration::from_micros(n)),
        "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        _ => None,
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("workers", &self.workers())
            .finish_non_exhaustive()
    }
}

/// Keeps a runtime entered on this thread; see [`Handle::enter`].
#[must_use = "the runtime is entered only while the guard lives"]
pub struct EnterGuard(context::EnterGuard);

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnterGuard")
    }
}

// ---- the global runtime ------------------------------------------------------

/// The global runtime: lazily started, or installed by `#[goroutine::main]`
/// for as long as `main` runs.
static GLOBAL: Mutex<Option<Handle>> = Mutex::new(None);

/// The global runtime, started on first use with `GOMAXPROCS` workers. Its
/// threads live for the rest of the process.
pub(crate) fn global() -> Handle {
    let mut g = lock(&GLOBAL);
    if let Some(h) = &*g {
        return h.clone();
    }
    let rt = Builder::new()
        .thread_name("goroutine-global")
        .build()
        .expect("goroutine: cannot start the global runtime");
    let handle = rt.handle();
    // The lazily started global runtime is never shut down.
    std::mem::forget(rt);
    *g = Some(handle.clone());
    handle
}

/// Makes `handle` the global runtime (for `#[goroutine::main]`, so plain
/// threads spawned by `main` use its runtime); returns the previous one,
/// to put back when `main` is done.
pub(crate) fn install_global(handle: Option<Handle>) -> Option<Handle> {
    std::mem::replace(&mut *lock(&GLOBAL), handle)
}

/// The current runtime: this worker's, the entered one, or the global one.
pub(crate) fn current() -> Handle {
    Handle::try_current().unwrap_or_else(global)
}

// ---- table of live runtimes ---------------------------------------------------

/// Live runtimes by index. A goroutine's metadata names its runtime by
/// index (2 bytes instead of an 8-byte pointer and a reference count per
/// task); this table turns the index back into the runtime for wake-ups
/// that happen off its workers. Indices are reused after a runtime is
/// gone: its goroutines are all closed by then, so a late wake-up of one
/// schedules nothing.
mod table {
    use super::*;

    struct Table {
        slots: Vec<Option<Arc<Shared>>>,
        free: Vec<u16>,
    }

    static TABLE: Mutex<Table> = Mutex::new(Table {
        slots: Vec::new(),
        free: Vec::new(),
    });

    pub(super) fn insert(make: impl FnOnce(u16) -> Arc<Shared>) -> io::Result<Arc<Shared>> {
        let mut t = lock(&TABLE);
        let index = match t.free.pop() {
            Some(i) => i,
            None => {
                let i = u16::try_from(t.slots.len())
                    .map_err(|_| io::Error::other("goroutine: too many runtimes alive (65,536)"))?;
                t.slots.push(None);
                i
            }
        };
        let shared = make(index);
        t.slots[usize::from(index)] = Some(shared.clone());
        Ok(shared)
    }

    pub(super) fn remove(index: u16) {
        let mut t = lock(&TABLE);
        if t.slots[usize::from(index)].take().is_some() {
            t.free.push(index);
        }
    }

    pub(super) fn get(index: u16) -> Option<Arc<Shared>> {
        lock(&TABLE)
            .slots
            .get(usize::from(index))
            .cloned()
            .flatten()
    }

    pub(super) fn all() -> Vec<Arc<Shared>> {
        lock(&TABLE).slots.iter().flatten().cloned().collect()
    }
}

/// Every live runtime (for the `SIGQUIT` dump).
pub(crate) fn all_runtimes() -> Vec<Arc<Shared>> {
    table::all()
}

/// The runtime with `index`, found from this thread's context if possible.
pub(crate) fn shared_for(index: u16) -> Option<Arc<Shared>> {
    if let Some(s) = context::with_worker(|w| {
        w.filter(|w| w.shared.index == index)
            .map(|w| w.shared.clone())
    }) {
        return Some(s);
    }
    if let Some(h) = context::entered().filter(|h| h.shared.index == index) {
        return Some(h.shared);
    }
    table::get(index)
}

// ---- hooks called by tasks ------------------------------------------------------

/// Schedules a woken goroutine (the `async-task` schedule function).
#[inline]
pub(crate) fn schedule(task: Runnable, is_yield: bool) {
    let index = task.metadata().runtime();
    let mut task = Some(task);
    context::with_worker(|w| {
        if let Some(w) = w.filter(|w| w.shared.index == index) {
            w.schedule(task.take().expect("taken once"), is_yield);
        }
    });
    if let Some(task) = task {
        match shared_for(index) {
            Some(shared) => {
                task.metadata().set_runnable(shared.clock_ms());
                // Relaxed: what matters is the monitor's own wake-ups, and
                // it set `firing` on this very thread. Another thread's
                // wake of main during the firing may land here too, which
                // is harmless: the waiting thread runs main then.
                if shared.monitor.firing.load(Relaxed)
                    && task.metadata().id().as_u64() == shared.main_task_id.load(Relaxed)
                {
                    // See `Shared::main_rescued`.
                    *lock(&shared.main_rescued) = Some(task);
                    let waiter = lock(&shared.main_waiter).clone();
                    if let Some(w) = waiter {
                        w.wake();
                    }
                } else if crate::block_on::main_poll_runtime() == Some(index) {
                    // Woken by main: Go readies it into main's P's
                    // `runnext`, as for main's spawns.
                    shared.push_from_main(task);
                } else {
                    shared.push_remote(task);
                }
            }
            // The runtime is gone; its goroutines were all dropped.
            None => drop(task),
        }
    }
}

/// `yield_now` in a main goroutine (`block_on`'s thread is not a worker):
/// queues a stand-in goroutine behind main's spawns (`Shared::main_q`)
/// that wakes `waker` when a worker reaches it, so goroutines queued before
/// it run first, as Go's `Gosched` puts the caller behind them. False if
/// this thread is not polling a main goroutine (the caller then yields the
/// plain way), or its runtime is shut down.
pub(crate) fn yield_main(waker: &Waker) -> bool {
    /// Done at once; wakes the main goroutine when dropped. The goroutine
    /// wrapper's drop has done the bookkeeping by then, so the woken main
    /// goroutine never counts the stand-in in `num_goroutines`.
    struct StandIn(Option<Waker>);
    impl Future for StandIn {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            Poll::Ready(())
        }
    }
    impl Drop for StandIn {
        fn drop(&mut self) {
            if let Some(w) = self.0.take() {
                w.wake();
            }
        }
    }
    // The runtime whose main goroutine yields (the one `block_on` runs).
    let Some(shared) = crate::block_on::main_poll_runtime().and_then(shared_for) else {
        return false;
    };
    let shared = &shared;
    if shared.is_closed() {
        return false;
    }
    let (task, handle) = task::new_task(
        shared,
        GoroutineId::from_u64(reserve_ids(1)),
        Location::caller(),
        Kind::Goroutine,
        StandIn(Some(waker.clone())),
    );
    drop(handle);
    // Relaxed: a statistic (see shared.rs), as for any remote spawn.
    shared.external_live.fetch_add(1, Relaxed);
    task.metadata().set_runnable(shared.clock_ms());
    // Behind main's own spawns, which wait while main polls: queued in the
    // injector, a worker could run it (and wake main) before them. Refused
    // (shut down): dropping it wakes the main goroutine at once.
    shared.push_main_yield(task);
    crate::block_on::note_main_yield();
    true
}

/// A goroutine's poll returned `Pending` off the workers (a rescued main
/// goroutine): records its wait for dumps and deadlock reports. It is
/// registered already (`spawn_main`).
pub(crate) fn goroutine_parked_off_worker(meta: &Meta, reason: crate::wait::WaitReason) {
    if let Some(shared) = shared_for(meta.runtime()) {
        meta.set_waiting(reason, shared.clock_ms());
    }
}

/// Schedules a `spawn_blocking` task on its runtime's pool.
pub(crate) fn schedule_blocking(task: Runnable) {
    match shared_for(task.metadata().runtime()) {
        Some(shared) => shared.blocking.spawn(task, &shared),
        None => drop(task),
    }
}

/// Bookkeeping for a goroutine being dropped (finished or cancelled).
pub(crate) fn goroutine_dropped(meta: &Meta) {
    let handled = context::with_worker(|w| match w {
        Some(w) if w.owns(meta) && !meta.is_blocking() => {
            w.goroutine_dropped(meta);
            true
        }
        _ => false,
    });
    if !handled {
        if let Some(shared) = shared_for(meta.runtime()) {
            shared.goroutine_dropped_elsewhere(meta);
        }
    }
}

/// A goroutine whose panic ends the process (`Meta::ends_program`)
/// panicked with `payload`: report it as Go does and exit.
pub(crate) fn goroutine_panicked(meta: &Meta, payload: &(dyn std::any::Any + Send)) -> ! {
    let name = shared_for(meta.runtime())
        .and_then(|shared| shared.name_of(meta))
        .map(|n| format!(" \"{n}\""))
        .unwrap_or_default();
    crate::panic_report::report_and_exit(meta.id().as_u64(), &name, Some(meta.location()), payload)
}

/// `JoinHandle::abort`.
pub(crate) fn abort_goroutine(meta: &Meta) {
    let (first, registered) = meta.mark_aborted();
    if !(first && registered) {
        // Not parked: the worker that polls it next sees the flag, or it
        // sees the flag itself right after it registers.
        return;
    }
    let Some(shared) = shared_for(meta.runtime()) else {
        return;
    };
    let waker = meta
        .registered_slot()
        .and_then(|slot| shared.registry.waker_of(slot, meta));
    if let Some(w) = waker {
        w.wake();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::mpsc;

    /// Holds its thread until `release` is dropped, or for 20 s (should a
    /// shutdown wait for it), then sets `ended`.
    fn hold(release: &mpsc::Receiver<()>, ended: &AtomicBool) {
        let _ = release.recv_timeout(Duration::from_secs(20));
        ended.store(true, SeqCst);
    }

    #[test]
    fn more_workers_than_the_thread_limit_is_an_error_not_a_panic() {
        let err = Builder::new()
            .workers(MAX_WORKER_THREADS + 1)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("10000-thread limit"), "{err}");
    }

    #[test]
    fn gomaxprocs_is_read_as_gos_runtime_reads_it() {
        assert_eq!(gomaxprocs("3"), Some(3));
        assert_eq!(gomaxprocs("0012"), Some(12));
        assert_eq!(gomaxprocs("2147483647"), Some(2147483647));
        for ignored in [
            "",
            "0",
            " 3",
            "3 ",
            "+3",
            "-3",
            "3.0",
            "x",
            "99999999999999999999999",
            "2147483648",
        ] {
            assert_eq!(gomaxprocs(ignored), None, "{ignored:?}");
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "holds real threads for the grace period")]
    fn exit_does_not_wait_for_a_stuck_poll_or_blocking_closure() {
        let rt = Builder::new().workers(1).build().unwrap();
        let (started_tx, started) = mpsc::channel();
        let (release_poll, held_poll) = mpsc::channel::<()>();
        let (release_closure, held_closure) = mpsc::channel::<()>();
        let poll_ended = Arc::new(AtomicBool::new(false));
        let closure_ended = Arc::new(AtomicBool::new(false));
        let (s, e) = (started_tx.clone(), poll_ended.clone());
        rt.spawn(async move {
            s.send(()).unwrap();
            hold(&held_poll, &e);
        });
        let e = closure_ended.clone();
        rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            hold(&held_closure, &e);
        });
        started.recv().unwrap();
        started.recv().unwrap();
        rt.shutdown_for_exit(Duration::from_secs(60), Duration::from_millis(10));
        // (Either wait would last 20 s and so see both end.)
        let ended = (poll_ended.load(SeqCst), closure_ended.load(SeqCst));
        assert_eq!(
            ended,
            (false, false),
            "exit waited for a stuck poll or a running blocking closure"
        );
        drop((release_poll, release_closure));
    }

    #[test]
    #[cfg_attr(miri, ignore = "holds real threads for a while")]
    fn exit_waits_for_a_poll_that_ends_within_the_grace() {
        let rt = Builder::new().workers(1).build().unwrap();
        let (started_tx, started) = mpsc::channel();
        let ended = Arc::new(AtomicBool::new(false));
        let e = ended.clone();
        rt.spawn(async move {
            started_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(30));
            e.store(true, SeqCst);
        });
        started.recv().unwrap();
        rt.shutdown_for_exit(Duration::from_secs(60), Duration::from_secs(10));
        assert!(
            ended.load(SeqCst),
            "exit did not wait for a poll in progress"
        );
    }
}
