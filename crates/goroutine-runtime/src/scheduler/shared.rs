//! State shared by all workers of one runtime.
//!
//! # Orderings
//!
//! Most atomics here and in the worker, monitor and runtime modules are
//! `Relaxed`, for one of three reasons, named at each use where it is not
//! obvious:
//!
//! - *Counters read as statistics*: `Metrics`, each worker's `live`,
//!   `external_live`, `mains`, the I/O source count, goroutine ids. A
//!   reader acts on no data published through them; ids need only the
//!   atomicity of `fetch_add` to be unique.
//! - *Monitor sampling*: `poll_seq`, `current_id`/`current_loc`, `os_tid`,
//!   `retire`. A stale value delays a monitor decision by one 2 ms round;
//!   what the decision moves (queues, the LIFO slot) is handed over through
//!   the queues' own orderings and the parker.
//! - *Hints*: the cached clock (`clock_ms`) and the timer wheel's next
//!   expiry. Whoever needs the exact value takes the lock that guards it,
//!   and an insert that moves the next expiry earlier unparks the driver.
//!
//! Everything that hands a goroutine from one thread to another goes
//! through the run queues, the LIFO slot or the injector, whose orderings
//! are documented there.

use std::collections::HashMap;
use std::panic::Location;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::atomic::{
    fence, AtomicBool, AtomicIsize, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize,
};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use concurrent_queue::{ConcurrentQueue, PushError};

use super::idle::Idle;
use super::lifo::LifoSlot;
use super::main_queue::MainQueue;
use super::park::Parker;
use super::queue::{self, Local, Steal};
use crate::blocking;
use crate::io::IoDriver;
use crate::loom::lock_std as lock;
use crate::registry::Registry;
use crate::runtime::{PanicPolicy, ThreadSet};
use crate::task::{GoroutineId, Meta, Runnable};
use crate::time::Driver;

/// What `Builder` decided.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) workers: usize,
    pub(crate) budget: u16,
    pub(crate) thread_name: String,
    pub(crate) stack_size: Option<usize>,
    pub(crate) max_blocking_threads: usize,
    pub(crate) blocking_keep_alive: Duration,
    pub(crate) panic_policy: PanicPolicy,
    /// A poll longer than this counts as blocked and its worker's queue is
    /// handed to an extra worker (`None`: never).
    pub(crate) blocking_threshold: Option<Duration>,
    /// Report polls longer than this on stderr (`None`: never).
    pub(crate) long_poll: Option<Duration>,
    /// Most extra workers running at once.
    pub(crate) max_extra_workers: usize,
    /// What a detected deadlock does (`None`: no detection).
    pub(crate) deadlock: Option<DeadlockAction>,
}

/// What to do when every goroutine is asleep for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DeadlockAction {
    /// Print Go's message and the dump, exit with status 2 (`main`).
    Exit,
    /// Panic with the message and the dump (tests).
    Panic,
}

/// Keeps per-worker state (and the timer driver's next due time, read
/// after every poll) on its own cache lines.
#[repr(align(128))]
pub(crate) struct CachePadded<T>(pub(crate) T);

impl<T> std::ops::Deref for CachePadded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The parts of a worker other threads touch.
pub(crate) struct Remote {
    /// Steal end of the worker's local queue.
    pub(crate) steal: Steal<Runnable>,
    pub(crate) lifo: LifoSlot,
    pub(crate) parker: Parker,
    /// Goroutines spawned minus goroutines dropped on this worker. Written
    /// only by the worker (load + store, no read-modify-write); summed by
    /// `num_goroutines`.
    pub(crate) live: AtomicIsize,
    /// Odd while the worker polls a goroutine: bumped before and after each
    /// poll by the worker alone. The monitor samples it to find polls that
    /// do not end.
    pub(crate) poll_seq: AtomicU64,
    /// Id and spawn location of the goroutine being polled (for reports).
    pub(crate) current_id: AtomicU64,
    pub(crate) current_loc: AtomicPtr<Location<'static>>,
    /// Set by the monitor to make an extra worker leave.
    pub(crate) retire: AtomicBool,
    /// The worker thread's OS thread id (Linux; 0 where unknown), so the
    /// monitor can tell a blocked poll from a computing one.
    pub(crate) os_tid: AtomicU32,
}

impl Remote {
    /// A goroutine spawned into this worker's LIFO slot while the worker
    /// polls (its spawner, typically): idle workers may steal it (see
    /// `Worker::steal_spawned_next`).
    pub(crate) fn has_stealable_next(&self) -> bool {
        self.lifo.has_spawned() && self.is_polling()
    }

    /// The worker is in a poll (`poll_seq` is odd). Read after the slot
    /// (an Acquire load, `LifoSlot::has_spawned`), it sees the store made
    /// before a spawn into the slot.
    pub(crate) fn is_polling(&self) -> bool {
        // Relaxed: ordered by that Acquire load; a hint either way, as the
        // steal itself is an exchange on the slot.
        self.poll_seq.load(Relaxed) % 2 == 1
    }
}

/// Counters the runtime keeps about itself; see `Handle::metrics`.
#[derive(Default)]
pub(crate) struct Metrics {
    pub(crate) handoffs: AtomicU64,
    pub(crate) long_polls: AtomicU64,
    pub(crate) extra_workers: AtomicUsize,
}

pub(crate) struct Shared {
    /// This runtime's index in the table of live runtimes.
    pub(crate) index: u16,
    pub(crate) remotes: Box<[CachePadded<Remote>]>,
    /// Goroutines spawned or woken from outside the workers (other than by
    /// a main goroutine in its poll), and overflow from full local queues.
    pub(crate) inject: ConcurrentQueue<Runnable>,
    /// What main goroutines (`block_on`'s threads) spawned or woke while
    /// in a poll: Go's `runnext` and local queue of main's P (see
    /// `main_queue.rs`).
    /// Workers take from it before the injector, and, as Go's main's P
    /// keeps its queue while main runs, only while no main goroutine is in
    /// a poll (`main_polling`); the monitor moves it all to the injector if
    /// main runs on for a whole round.
    pub(crate) main_q: MainQueue,
    /// Main goroutines of this runtime inside a poll right now.
    pub(crate) main_polling: AtomicUsize,
    /// Whether `main_q` waits while main polls: only when a monitor runs
    /// to release it from a main goroutine that never stops.
    main_next_waits: bool,
    pub(crate) idle: Idle,
    pub(crate) registry: Registry,
    pub(crate) blocking: blocking::Pool,
    pub(crate) driver: Driver,
    pub(crate) io: IoDriver,
    pub(crate) config: Config,
    closed: AtomicBool,
    /// Goroutines counted outside the workers' counters: spawned or dropped
    /// off-worker, blocking tasks, and `block_on` main goroutines.
    pub(crate) external_live: AtomicIsize,
    /// Threads currently inside this runtime's `block_on`.
    pub(crate) mains: AtomicUsize,
    /// Of `mains`, those only waiting for a main goroutine that runs as a
    /// goroutine (`block_on::run_main_goroutine`): not goroutines
    /// themselves, so not counted in `num_goroutines`.
    pub(crate) main_proxies: AtomicUsize,
    /// Id of the main goroutine when it runs as a goroutine on the workers
    /// (0: none), so dumps show it as main.
    pub(crate) main_task_id: AtomicU64,
    /// That main goroutine, woken by the monitor's timer firing (so every
    /// worker is stuck in a poll): the thread waiting for it runs it here
    /// instead, as a main goroutine on its own thread, since no worker
    /// would (Go would preempt a worker for it).
    pub(crate) main_rescued: Mutex<Option<Runnable>>,
    /// The waiting thread's waker, to hand it `main_rescued`.
    pub(crate) main_waiter: Mutex<Option<std::task::Waker>>,
    names: Mutex<HashMap<GoroutineId, Arc<str>>>,
    /// Main goroutines running in `block_on`, for dumps.
    pub(crate) main_goroutines: Mutex<Vec<Arc<Meta>>>,
    /// Queue ends of the extra-worker slots not in use.
    pub(crate) spare_queues: Mutex<Vec<(usize, Local<Runnable>)>>,
    /// One past the highest worker slot ever started: the workers first,
    /// then extra workers, which take the lowest spare slot. Searches look
    /// at these slots only, so the many spare slots cost nothing until the
    /// monitor needs them.
    slots_in_use: AtomicUsize,
    /// Every thread of this runtime but the blocking pool's.
    pub(crate) threads: Arc<ThreadSet>,
    pub(crate) thread_handles: Mutex<Vec<thread::JoinHandle<()>>>,
    pub(crate) monitor: Monitor,
    pub(crate) metrics: Metrics,
    start: Instant,
    /// Milliseconds since `start`, refreshed by workers now and then: a
    /// cheap clock for debug timestamps.
    clock_ms: AtomicU32,
}

impl Shared {
    pub(crate) fn new(
        index: u16,
        config: Config,
        steals: Vec<Steal<Runnable>>,
        spare_queues: Vec<(usize, Local<Runnable>)>,
        io: IoDriver,
    ) -> Shared {
        let remotes = steals
            .into_iter()
            .map(|steal| {
                CachePadded(Remote {
                    steal,
                    lifo: LifoSlot::new(),
                    parker: Parker::new(),
                    live: AtomicIsize::new(0),
                    poll_seq: AtomicU64::new(0),
                    current_id: AtomicU64::new(0),
                    current_loc: AtomicPtr::new(std::ptr::null_mut()),
                    os_tid: AtomicU32::new(0),
                    retire: AtomicBool::new(false),
                })
            })
            .collect();
        Shared {
            index,
            remotes,
            inject: ConcurrentQueue::unbounded(),
            main_q: MainQueue::default(),
            main_polling: AtomicUsize::new(0),
            main_next_waits: config.blocking_threshold.is_some() || config.long_poll.is_some(),
            idle: Idle::new(config.workers),
            registry: Registry::new(config.workers + 1),
            slots_in_use: AtomicUsize::new(config.workers),
            blocking: blocking::Pool::new(config.max_blocking_threads, config.blocking_keep_alive),
            driver: Driver::new(),
            io,
            config,
            closed: AtomicBool::new(false),
            external_live: AtomicIsize::new(0),
            mains: AtomicUsize::new(0),
            main_proxies: AtomicUsize::new(0),
            main_task_id: AtomicU64::new(0),
            main_rescued: Mutex::new(None),
            main_waiter: Mutex::new(None),
            names: Mutex::new(HashMap::new()),
            main_goroutines: Mutex::new(Vec::new()),
            spare_queues: Mutex::new(spare_queues),
            threads: Arc::new(ThreadSet::default()),
            thread_handles: Mutex::new(Vec::new()),
            monitor: Monitor::default(),
            metrics: Metrics::default(),
            start: Instant::now(),
            clock_ms: AtomicU32::new(0),
        }
    }

    pub(crate) fn new_queues(slots: usize) -> (Vec<Steal<Runnable>>, Vec<Local<Runnable>>) {
        (0..slots).map(|_| queue::local()).unzip()
    }

    /// Worker slots configured (extra workers use the slots after these).
    pub(crate) fn workers(&self) -> usize {
        self.config.workers
    }

    /// The worker slots a search looks at: every slot whose worker has ever
    /// started (see `slots_in_use`).
    pub(crate) fn slots(&self) -> &[CachePadded<Remote>] {
        // Relaxed: the count grows before the extra worker's thread starts
        // (a happens-before edge to everything that thread queues), so a
        // worker that sees that thread's goroutines sees the slot; a stale
        // count elsewhere only skips a slot in one search. `has_remote_work`
        // reads it after the parking worker's SeqCst fence, which orders it
        // as the queues' own loads are ordered (idle.rs).
        &self.remotes[..self.slots_in_use.load(Relaxed)]
    }

    /// Records that slot `index` has a worker now (see `slots`).
    pub(crate) fn use_slot(&self, index: usize) {
        // Relaxed: see `slots`; only the monitor thread writes it.
        self.slots_in_use.fetch_max(index + 1, Relaxed);
    }

    pub(crate) fn is_closed(&self) -> bool {
        // Acquire: pairs with the SeqCst store in `close`.
        self.closed.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Step 1 of shutdown: refuse new work everywhere.
    pub(crate) fn close(&self) {
        self.closed.store(true, SeqCst);
        self.inject.close();
    }

    /// The coarse clock, in ms since the runtime started.
    pub(crate) fn clock_ms(&self) -> u32 {
        // Relaxed: a timestamp for humans; staleness is fine.
        self.clock_ms.load(Relaxed)
    }

    /// Refreshes the coarse clock from `now`.
    pub(crate) fn tick_clock(&self, now: Instant) {
        let ms = now.saturating_duration_since(self.start).as_millis() as u32;
        // Stored only when it changes: busy workers near a timer's
        // deadline read the clock after every poll, and every poll reads
        // this line.
        if self.clock_ms.load(Relaxed) != ms {
            self.clock_ms.store(ms, Relaxed);
        }
    }

    /// Queues a goroutine from outside the workers (or overflow), and wakes
    /// a worker if none is looking for work.
    pub(crate) fn push_remote(&self, runnable: Runnable) {
        match self.inject.push(runnable) {
            Ok(()) => {
                // SeqCst fence: the submitter's StoreLoad barrier, see idle.rs.
                fence(SeqCst);
                self.notify_parked();
            }
            // Shut down: dropping the runnable cancels the goroutine.
            Err(PushError::Closed(r) | PushError::Full(r)) => drop(r),
        }
    }

    /// Queues a goroutine spawned or woken by a main goroutine (see
    /// `main_q`).
    pub(crate) fn push_from_main(&self, runnable: Runnable) {
        self.push_main(runnable, false);
    }

    /// Queues main's `yield_now` stand-in behind main's spawns.
    pub(crate) fn push_main_yield(&self, runnable: Runnable) {
        self.push_main(runnable, true);
    }

    fn push_main(&self, runnable: Runnable, at_back: bool) {
        if self.is_closed() {
            // Shut down: dropping the runnable cancels the goroutine.
            return drop(runnable);
        }
        let overflow = if at_back {
            self.main_q.push_back(runnable)
        } else {
            self.main_q.push(runnable)
        };
        for task in overflow {
            if let Err(e) = self.inject.push(task) {
                drop(e.into_inner());
            }
        }
        if self.is_closed() {
            // Closed meanwhile: shutdown may have drained `main_q` before
            // this push (the queue has no closed state of its own). The
            // lock orders the two: either its drain saw the goroutine, or
            // this sees `closed`.
            drop(self.main_q.drain());
            return;
        }
        // SeqCst fence: the submitter's StoreLoad barrier, see idle.rs.
        fence(SeqCst);
        self.notify_parked();
    }

    /// For a worker: the next of main's spawns, unless a main goroutine is
    /// in a poll (they then stay main's, as Go's main's P keeps its queue).
    pub(crate) fn take_main(&self) -> Option<Runnable> {
        if self.main_is_polling() {
            return None;
        }
        self.main_q.pop()
    }

    /// For a worker: the next goroutine of the global queue, main's spawns
    /// first.
    pub(crate) fn pop_global(&self) -> Option<Runnable> {
        self.take_main().or_else(|| self.inject.pop().ok())
    }

    /// True if a goroutine waits in the global queue that a worker may take
    /// now (main's spawns only while no main goroutine polls).
    pub(crate) fn has_global_work(&self) -> bool {
        !self.inject.is_empty() || (!self.main_q.is_empty() && !self.main_is_polling())
    }

    /// Whether main's spawns are main's for now (see `main_q`).
    pub(crate) fn main_is_polling(&self) -> bool {
        // SeqCst: pairs with `main_poll_ended` (see there).
        self.main_next_waits && self.main_polling.load(SeqCst) != 0
    }

    /// A main goroutine's poll ended: if its spawns wait, wake a worker for
    /// them. SeqCst decrement, then the idle check inside `notify_parked`;
    /// a worker going to sleep counts itself parked, then reads
    /// `main_polling` (SeqCst) in `has_global_work`: one of the two sees
    /// the other.
    pub(crate) fn main_poll_ended(&self) {
        self.main_polling.fetch_sub(1, SeqCst);
        if !self.main_q.is_empty() {
            fence(SeqCst);
            self.notify_parked();
        }
    }

    /// Wakes one sleeping worker if the idle rule says so.
    pub(crate) fn notify_parked(&self) {
        if let Some(worker) = self.idle.worker_to_notify() {
            self.unpark(worker);
        }
    }

    /// Wakes `worker`, wherever it sleeps.
    pub(crate) fn unpark(&self, worker: usize) {
        if self.remotes[worker].parker.unpark() {
            self.io.notify();
        }
    }

    /// Wakes the worker that sleeps for the timers, if any.
    pub(crate) fn unpark_driver_owner(&self) {
        if let Some(owner) = self.driver.owner() {
            self.unpark(owner);
        }
    }

    /// Wakes every worker (shutdown).
    pub(crate) fn unpark_all(&self) {
        for worker in 0..self.remotes.len() {
            self.unpark(worker);
        }
    }

    /// True if any queue other than the caller's has goroutines.
    pub(crate) fn has_remote_work(&self, except: usize) -> bool {
        self.has_global_work()
            || self
                .slots()
                .iter()
                .enumerate()
                .any(|(i, r)| i != except && (!r.steal.is_empty() || r.has_stealable_next()))
    }

    pub(crate) fn set_name(&self, meta: &Meta, name: &str) {
        meta.set_named();
        lock(&self.names).insert(meta.id(), Arc::from(name));
    }

    pub(crate) fn name_by_id(&self, id: u64) -> Option<Arc<str>> {
        let id = GoroutineId::try_from_u64(id)?;
        lock(&self.names).get(&id).cloned()
    }

    pub(crate) fn name_of(&self, meta: &Meta) -> Option<Arc<str>> {
        if meta.is_named() {
            lock(&self.names).get(&meta.id()).cloned()
        } else {
            None
        }
    }

    /// Bookkeeping when a goroutine is dropped anywhere but on one of our
    /// workers.
    pub(crate) fn goroutine_dropped_elsewhere(&self, meta: &Meta) {
        self.forget(meta);
        self.external_live.fetch_sub(1, Relaxed);
    }

    /// Removes a dropped goroutine's registry entry and name.
    pub(crate) fn forget(&self, meta: &Meta) {
        if let Some(slot) = meta.clear_registered() {
            let waker = self.registry.unregister(slot, meta);
            drop(waker);
        }
        if meta.is_named() {
            lock(&self.names).remove(&meta.id());
        }
    }

    /// A worker left its park: wake the monitor if it sleeps because the
    /// runtime was idle.
    pub(crate) fn monitor_wake(&self) {
        // SeqCst: pairs with the monitor's store-then-check in `Monitor::sleep_while_idle`.
        if self.monitor.parked.load(SeqCst) && self.monitor.parked.swap(false, SeqCst) {
            let _ = self.monitor.parker.unpark();
        }
    }

    /// Live goroutines (main goroutines in `block_on` included).
    pub(crate) fn num_goroutines(&self) -> usize {
        // Relaxed: a snapshot; exact only when the runtime is quiet, as Go's.
        let workers: isize = self.remotes.iter().map(|r| r.live.load(Relaxed)).sum();
        let mains = self.mains.load(Relaxed) as isize - self.main_proxies.load(Relaxed) as isize;
        let total = workers + self.external_live.load(Relaxed) + mains;
        total.max(0) as usize
    }
}

/// The monitor thread's parking spot (see monitor.rs).
#[derive(Default)]
pub(crate) struct Monitor {
    pub(crate) parker: Parker,
    /// True while the monitor sleeps because every worker is parked.
    pub(crate) parked: AtomicBool,
    /// True while the monitor fires timers (and wakes their waiters): the
    /// deadlock check then sees activity, as it does a worker's.
    pub(crate) firing: AtomicBool,
}
