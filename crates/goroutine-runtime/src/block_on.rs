//! `block_on`: the calling thread runs a future as a main goroutine.
//!
//! The thread parks between polls; its waker is an `Arc` cached per thread,
//! so neither creating the waker for a call nor waking it allocates.

use std::cell::Cell;
use std::future::Future;
use std::panic::Location;
use std::pin::{pin, Pin};
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use crate::context;
use crate::coop::{self, Budget};
use crate::loom::lock_std as lock;
use crate::runtime::Handle;
use crate::scheduler::{check_deadlock, Shared};
use crate::task::{reserve_ids, GoroutineId, JoinError, Meta};
use crate::wait;

struct ThreadNotify {
    thread: Thread,
    notified: AtomicBool,
}

impl Wake for ThreadNotify {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Release: what the waker did before waking is visible to the
        // thread once it sees the flag. Only the first wake unparks.
        if !self.notified.swap(true, Release) {
            self.thread.unpark();
        }
    }
}

impl ThreadNotify {
    /// Spins up to `MAIN_SPIN` for a wake-up before the caller parks. True
    /// if woken (the flag is consumed).
    fn spin(&self) -> bool {
        let start = Instant::now();
        loop {
            for _ in 0..64 {
                // Relaxed peek; the swap below takes it with Acquire.
                if self.notified.load(Relaxed) && self.notified.swap(false, Acquire) {
                    return true;
                }
                std::hint::spin_loop();
            }
            if start.elapsed() >= MAIN_SPIN {
                return false;
            }
        }
    }

    fn wait(&self) {
        // Acquire: pairs with the Release in `wake_by_ref`.
        while !self.notified.swap(false, Acquire) {
            thread::park();
        }
    }

    /// Like `wait`, giving up at `deadline`. True if woken.
    fn wait_until(&self, deadline: Instant) -> bool {
        loop {
            // Acquire: as in `wait`.
            if self.notified.swap(false, Acquire) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            thread::park_timeout(deadline - now);
        }
    }
}

/// How long a main goroutine that returned `Pending` spins for its wake-up
/// before its thread sleeps.
const MAIN_SPIN: Duration = Duration::from_micros(50);

/// First pause before a waiting main goroutine checks for a deadlock; it
/// doubles up to `DEADLOCK_CHECK_MAX` while nothing happens.
const DEADLOCK_CHECK_FIRST: Duration = Duration::from_millis(10);
const DEADLOCK_CHECK_MAX: Duration = Duration::from_millis(500);

/// A thread's notifier and the waker made from it, built once per thread.
struct Notifier {
    notify: Arc<ThreadNotify>,
    waker: Waker,
}

thread_local! {
    /// Set by a `yield_now` of the main goroutine that queued a stand-in
    /// (`crate::runtime::yield_main`); `run` then waits for the stand-in at
    /// most `MAIN_YIELD_MAX`.
    static MAIN_YIELDED: Cell<bool> = const { Cell::new(false) };
}

/// Notes that the main goroutine polled on this thread yielded.
pub(crate) fn note_main_yield() {
    let _ = MAIN_YIELDED.try_with(|y| y.set(true));
}

/// The longest a main goroutine's `yield_now` waits for its stand-in on a
/// runtime that cannot rescue stuck workers (no monitor, or no extra
/// workers): if every worker is stuck in a poll, main resumes anyway, as
/// Go's preemption would let it (its time slice). With rescue, it waits for
/// the stand-in, like any goroutine waits for a worker.
const MAIN_YIELD_MAX: Duration = Duration::from_millis(10);

thread_local! {
    /// The index of the runtime whose main goroutine `run` polls on this
    /// thread right now: its spawns go to that runtime's main queue, and a
    /// `yield_now` there queues a stand-in behind them (see
    /// `crate::runtime::yield_main`) rather than re-polling at once.
    static IN_MAIN_POLL: Cell<Option<u16>> = const { Cell::new(None) };
}

/// The runtime whose main goroutine this thread is polling right now.
pub(crate) fn main_poll_runtime() -> Option<u16> {
    IN_MAIN_POLL.try_with(Cell::get).ok().flatten()
}

/// Marks a main goroutine's poll, for this thread and for the runtime's
/// workers (`Shared::main_polling`); unmarks on drop, even by unwinding.
struct MainPoll<'a> {
    was: Option<u16>,
    shared: &'a crate::scheduler::Shared,
}

impl MainPoll<'_> {
    fn enter(shared: &crate::scheduler::Shared) -> MainPoll<'_> {
        // SeqCst: see `Shared::main_poll_ended`.
        shared
            .main_polling
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        MainPoll {
            was: IN_MAIN_POLL.replace(Some(shared.index)),
            shared,
        }
    }
}

impl Drop for MainPoll<'_> {
    fn drop(&mut self) {
        IN_MAIN_POLL.set(self.was);
        self.shared.main_poll_ended();
    }
}

thread_local! {
    /// This thread's notifier, lent to the outermost `block_on` or
    /// `park_on`. A nested call (from inside a future being blocked on)
    /// gets a fresh one so the two loops cannot consume each other's
    /// wake-ups.
    static CACHED: Cell<Option<Notifier>> = const { Cell::new(None) };
}

/// This thread's notifier, lent until dropped, then given back to the
/// thread cache.
struct Lent(Option<Notifier>);

impl Lent {
    fn take() -> Lent {
        let n = CACHED
            .try_with(Cell::take)
            .ok()
            .flatten()
            .unwrap_or_else(|| {
                let notify = Arc::new(ThreadNotify {
                    thread: thread::current(),
                    notified: AtomicBool::new(false),
                });
                let waker = Waker::from(notify.clone());
                Notifier { notify, waker }
            });
        Lent(Some(n))
    }

    fn get(&self) -> &Notifier {
        self.0.as_ref().expect("lent notifier")
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        let _ = CACHED.try_with(|c| c.set(self.0.take()));
    }
}

/// Polls `future` on the calling thread until it completes, parking the
/// thread between polls: the engine of the `*_blocking` methods of the
/// channel and sync crates (`send_blocking`, `lock_blocking`, ...).
/// Unlike [`block_on`](crate::block_on) it enters no runtime and is not a
/// main goroutine (no deadlock check, not counted), and on a worker it
/// simply blocks that worker, as the caller asked. Neither a call nor a
/// wake-up allocates after the thread's first call.
///
/// # Examples
///
/// ```
/// assert_eq!(goroutine::runtime::park_on(async { 7 }), 7);
/// ```
#[doc(hidden)]
pub fn park_on<F: Future>(future: F) -> F::Output {
    let lent = Lent::take();
    let n = lent.get();
    let mut cx = Context::from_waker(&n.waker);
    let mut future = pin!(future);
    loop {
        // Unconstrained: on a worker this runs inside a goroutine's poll,
        // whose spent budget would otherwise make every operation here
        // yield, and re-polling would never refill it (a livelock).
        let (poll, _) =
            coop::with_budget(Budget::unconstrained(), || future.as_mut().poll(&mut cx));
        if let Poll::Ready(v) = poll {
            return v;
        }
        n.notify.wait();
    }
}

// Relaxed on `mains` and `main_proxies` below: `num_goroutines` is a
// snapshot, as Go's is. The deadlock check (`quiescent`) runs on a thread
// counted in `mains` by its own earlier increment (program order), and
// needs `mains == 1`; a `block_on` starting on another thread meanwhile
// also shows in the check's thread census, and the check confirms itself
// 5 ms later.

/// Counts a main goroutine for `num_goroutines` (and in `mains`) and
/// lists it for dumps while it runs. A proxy (`run_main_goroutine`'s wait)
/// is counted by its `ProxyCount` instead, and not listed.
struct MainGuard<'a> {
    handle: &'a Handle,
    meta: Arc<Meta>,
    proxy: bool,
}

impl<'a> MainGuard<'a> {
    fn enter(handle: &'a Handle, meta: Arc<Meta>, proxy: bool) -> MainGuard<'a> {
        let shared = &handle.shared;
        if !proxy {
            lock(&shared.main_goroutines).push(meta.clone());
            shared.mains.fetch_add(1, Relaxed);
        }
        MainGuard {
            handle,
            meta,
            proxy,
        }
    }
}

impl Drop for MainGuard<'_> {
    fn drop(&mut self) {
        if !self.proxy {
            let shared = &self.handle.shared;
            shared.mains.fetch_sub(1, Relaxed);
            lock(&shared.main_goroutines).retain(|m| !Arc::ptr_eq(m, &self.meta));
        }
    }
}

/// Counts the thread that waits for a main goroutine on the workers: in
/// `mains` (the deadlock check runs there) and in `main_proxies` (so that
/// `num_goroutines` does not count it). Taken before the main goroutine is
/// spawned, so that no poll of main sees one count without the other.
struct ProxyCount<'a>(&'a Shared);

impl<'a> ProxyCount<'a> {
    fn enter(shared: &'a Shared) -> ProxyCount<'a> {
        // `mains` first: a reader between the two sees one more, not one
        // fewer (and main, not yet spawned, is not counted at all yet).
        shared.mains.fetch_add(1, Relaxed);
        shared.main_proxies.fetch_add(1, Relaxed);
        ProxyCount(shared)
    }
}

impl Drop for ProxyCount<'_> {
    fn drop(&mut self) {
        self.0.main_proxies.fetch_sub(1, Relaxed);
        self.0.mains.fetch_sub(1, Relaxed);
    }
}

#[track_caller]
pub(crate) fn run<F: Future>(handle: &Handle, future: F) -> F::Output {
    run_as(handle, future, None, Location::caller())
}

/// [`run`], recording `location` as where the main goroutine started.
pub(crate) fn run_at<F: Future>(
    handle: &Handle,
    future: F,
    location: &'static Location<'static>,
) -> F::Output {
    run_as(handle, future, None, location)
}

/// Runs `future` as the main goroutine on the workers, like any goroutine
/// (so its spawns, wake-ups and channel hand-offs take the workers' fast
/// paths, exactly as Go's main runs on a P), and waits for it on this
/// thread, which is then no goroutine of its own: not counted, not listed,
/// but still the thread the deadlock check runs on. The goroutine has the
/// first id of the call and the caller's location, and dumps show it as
/// the main goroutine.
#[track_caller]
pub(crate) fn run_main_goroutine<F>(handle: &Handle, future: F) -> Result<F::Output, JoinError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let _count = ProxyCount::enter(&handle.shared);
    let main = MainTask {
        future: Box::pin(future),
        shared: handle.shared.clone(),
    };
    let join = handle.spawn_main(main, Location::caller());
    let id = join.id();
    run_as(handle, join, Some(id), Location::caller())
}

/// Marks (or unmarks) the worker this thread runs, if any, as polling the
/// main goroutine (`Worker::polling_main`). Off the workers (a rescued
/// main on its waiting thread) there is nothing to mark.
fn mark_polling_main(on: bool) {
    context::with_worker(|w| {
        if let Some(w) = w {
            w.polling_main.set(on);
        }
    });
}

/// The main goroutine's future, marking its polls (`Worker::polling_main`). When
/// it returns, the runtime closes at once: no worker starts another
/// goroutine after that (one already taken from a queue by another worker
/// still gets its poll, as a goroutine running on another P does in Go
/// until the process exits); the waiting thread then drops them all in
/// `shutdown`.
struct MainTask<F> {
    future: Pin<Box<F>>,
    shared: Arc<Shared>,
}

impl<F: Future> Future for MainTask<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        /// Clears the mark, even when the poll unwinds.
        struct Unmark;
        impl Drop for Unmark {
            fn drop(&mut self) {
                mark_polling_main(false);
            }
        }
        mark_polling_main(true);
        let _unmark = Unmark;
        let poll = self.future.as_mut().poll(cx);
        if poll.is_ready() {
            self.shared.close();
        }
        poll
    }
}

/// The waiting thread of `run_main_goroutine`, registered to be handed
/// the main goroutine when no worker can run it (`Shared::main_rescued`).
struct MainWaiter<'a>(&'a Shared);

impl<'a> MainWaiter<'a> {
    fn register(shared: &'a Shared, waker: &Waker) -> MainWaiter<'a> {
        *lock(&shared.main_waiter) = Some(waker.clone());
        MainWaiter(shared)
    }
}

impl Drop for MainWaiter<'_> {
    fn drop(&mut self) {
        drop(lock(&self.0.main_waiter).take());
    }
}

/// `block_on`'s loop. `proxy_for`: the id of the main goroutine this call
/// only waits for (`run_main_goroutine`); its own bookkeeping reuses that
/// id rather than taking one. `location`: where the caller started it.
fn run_as<F: Future>(
    handle: &Handle,
    future: F,
    proxy_for: Option<GoroutineId>,
    location: &'static Location<'static>,
) -> F::Output {
    // The main goroutine of `run_main_goroutine` may still call `block_on`
    // (say, a helper under `#[goroutine::main]`): it blocks its worker, as
    // a `*_blocking` call does, and the monitor hands that worker's queue
    // to others meanwhile. Any other goroutine gets the panic.
    if context::with_worker(|w| w.is_some_and(|w| !w.polling_main.get())) {
        panic!(
            "goroutine: block_on called from inside a goroutine. It would block a worker \
             thread, and can deadlock the runtime. Use `.await` instead, or call block_on from \
             spawn_blocking or a plain thread."
        );
    }
    let _enter = context::enter(handle.clone());
    let shared = &handle.shared;
    let meta = Arc::new(Meta::new(
        proxy_for.unwrap_or_else(|| GoroutineId::from_u64(reserve_ids(1))),
        location,
        shared.index,
        false,
        shared.config.panic_policy == crate::runtime::PanicPolicy::Abort,
    ));
    let _main = MainGuard::enter(handle, meta.clone(), proxy_for.is_some());
    let lent = Lent::take();
    let mut cx = Context::from_waker(&lent.get().waker);
    let mut future = pin!(future);
    let notify = &lent.get().notify;
    let _waiter = proxy_for.map(|_| MainWaiter::register(shared, &lent.get().waker));
    let mut pause = DEADLOCK_CHECK_FIRST;
    loop {
        meta.set_running(shared.clock_ms());
        let main_poll = MainPoll::enter(shared);
        // Unconstrained, as in `park_on`: a main goroutine on a worker may
        // call `block_on` with its own budget spent.
        let mut poll_once =
            || coop::with_budget(Budget::unconstrained(), || future.as_mut().poll(&mut cx)).0;
        let poll = if meta.ends_program() {
            // `PanicPolicy::Abort`: a panic of the main goroutine ends the
            // process, as any goroutine's does.
            crate::panic_report::poll_ending_program(poll_once, |payload| {
                crate::runtime::goroutine_panicked(&meta, payload)
            })
        } else {
            poll_once()
        };
        drop(main_poll);
        let reason = wait::take_wait_reason();
        if let Poll::Ready(v) = poll {
            return v;
        }
        meta.set_waiting(reason, shared.clock_ms());
        if proxy_for.is_some() {
            // Every worker is stuck and the monitor woke main: run it here
            // (see `Shared::main_rescued`).
            let rescued = lock(&shared.main_rescued).take();
            if let Some(task) = rescued {
                // (Its wait, if it parks, is recorded by the goroutine's
                // own poll: `Goroutine::poll`, off the workers.)
                task.metadata().set_running(shared.clock_ms());
                let main_poll = MainPoll::enter(shared);
                task.run();
                drop(main_poll);
                continue;
            }
        }
        let yielded = MAIN_YIELDED.replace(false);
        if notify.spin() {
            continue;
        }
        let config = &shared.config;
        if yielded && (config.blocking_threshold.is_none() || config.max_extra_workers == 0) {
            // Re-polled either way: a yield completes on its next poll.
            notify.wait_until(Instant::now() + MAIN_YIELD_MAX);
            continue;
        }
        if shared.config.deadlock.is_none() {
            notify.wait();
            continue;
        }
        // Wait, looking for a deadlock now and then while nothing happens.
        loop {
            if notify.wait_until(Instant::now() + pause) {
                pause = DEADLOCK_CHECK_FIRST;
                break;
            }
            // SeqCst: read after the checks' SeqCst loads of the idle state
            // (see `check_deadlock`).
            check_deadlock(shared, || notify.notified.load(SeqCst));
            pause = (pause * 2).min(DEADLOCK_CHECK_MAX);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::runtime::Builder;

    #[test]
    #[cfg_attr(miri, ignore = "spins a worker for up to seconds")]
    fn an_idle_worker_takes_what_a_computing_main_spawned() {
        // Main's spawn waits in its worker's LIFO slot (Go's runnext); main
        // then computes without an `.await`. With the monitor off, only the
        // other worker stealing the spawn can run it meanwhile, as Go's
        // idle P steals `runnext`.
        let rt = Builder::new()
            .workers(2)
            .blocking_threshold(None)
            .build()
            .unwrap();
        let ran = run_main_goroutine(&rt.handle(), async {
            let flag = Arc::new(AtomicBool::new(false));
            let f = flag.clone();
            crate::spawn(async move { f.store(true, SeqCst) });
            let give_up = Instant::now() + Duration::from_secs(10);
            while !flag.load(SeqCst) && Instant::now() < give_up {
                std::hint::spin_loop();
            }
            flag.load(SeqCst)
        });
        assert!(ran.unwrap(), "main's spawn waited for main to yield");
    }
}
