//! A worker: one OS thread running goroutines from its own queue, its LIFO
//! slot, the global injector, and other workers' queues.
//!
//! ```text
//!                 spawn / wake from a worker            wake from elsewhere
//!                        │                                     │
//!   ┌────────────────────▼──────────┐                  ┌───────▼────────┐
//!   │ worker 0: LIFO slot + ring(256)│ ◄── steal half ─► │ global injector │
//!   └───────────────────────────────┘                  └────────────────┘
//! ```
//!
//! Each turn of the loop (`tick`) picks, in order:
//! 1. every 61st tick, the global injector first (fairness: two goroutines
//!    waking each other through the LIFO slot cannot starve it; Go's
//!    constant), after polling I/O; a goroutine a timer has just woken
//!    goes before it, and the injector's turn moves to the next tick;
//! 2. the LIFO slot, the local queue, a batch from the injector;
//! 3. if allowed to search, half of a random victim's queue, then a batch
//!    from the injector, then, last, a goroutine spawned into the LIFO slot
//!    of a worker still in a poll (`steal_spawned_next`);
//! 4. otherwise park (see `park`).
//!
//! Polling a goroutine gives it a fresh coop budget. A goroutine it wakes
//! or spawns lands in the LIFO slot (Go's `runnext`; a spawned one may be
//! stolen by an idle worker) and runs next, with a fresh budget of its own
//! but inheriting the rest of the time slice (`LIFO_SLICE`, Go's 10 ms), as
//! Go's `runnext` goroutine does: when the slice is over, the chain ends
//! and the slot's goroutine queues. A goroutine that yields (or whose
//! budget ran out) goes to the back of the queue. Goroutines woken by
//! timers land in the LIFO slot too (Go's `ready`); those woken by I/O go
//! to the back of the queue, or behind the injector's goroutines when some
//! wait there (`schedule_from_driver`).
//!
//! Timers are looked at after every poll that a LIFO chain may follow, and
//! at the start of every tick, as Go's `schedule` checks them; the clock is
//! read only when the next timer may be due (`TimerCheck`).
//!
//! Shutdown: the worker sees `Shared::is_closed` between polls, leaves the
//! loop, and drops every goroutine left in its queue and LIFO slot (their
//! destructors run on this thread).

use std::cell::{Cell, RefCell};
use std::panic::Location;
use std::sync::atomic::fence;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::Arc;
use std::task::Waker;
use std::time::{Duration, Instant};

use super::queue::{self, Local};
use super::shared::{Remote, Shared};
use super::timer_check::TimerCheck;
use crate::context;
use crate::coop::{self, Budget};
use crate::task::{reserve_ids, GoroutineId, Meta, Runnable, ID_BATCH};
use crate::time::NEVER;
use crate::wait::WaitReason;

/// Check the injector (and timers) first every this many ticks (Go).
const GLOBAL_INTERVAL: u32 = 61;

/// How long a chain of goroutines handing off through the LIFO slot may
/// run before the slot's goroutine must queue: Go's time slice, which a
/// `runnext` chain inherits and sysmon ends (`forcePreemptNS`). Bounded, as
/// tokio PR #5712 found an unbounded chain starves the rest of the queue.
const LIFO_SLICE: Duration = Duration::from_millis(10);

/// LIFO-slot polls between two looks at the clock for [`LIFO_SLICE`].
const LIFO_CLOCK_EVERY: u32 = 16;

/// How long a searcher waits before it takes a goroutine out of a polling
/// worker's LIFO slot (`Worker::steal_spawned_next`); Go's `runqgrab`
/// asks for the same.
const SPAWNED_NEXT_PAUSE: Duration = Duration::from_micros(3);

pub(crate) struct Worker {
    pub(crate) shared: Arc<Shared>,
    pub(crate) index: usize,
    /// Set while this worker fires timers or dispatches I/O events: wakes
    /// are then batched (one notification after the batch) and do not go
    /// through the running goroutine's LIFO hand-off.
    in_driver: Cell<bool>,
    /// Set while this worker fires timers (with `in_driver`): as Go's
    /// `ready` puts each goroutine a timer wakes into `runnext`, the one
    /// there going to the back of the queue, the last goroutine woken runs
    /// first. Of a main and a goroutine whose 100 ms sleeps end in the same
    /// tick (main's, begun first, fires first), the goroutine prints before
    /// main returns, as in Go, instead of never. Even when goroutines wait
    /// in the global queue, unlike I/O wake-ups (`schedule_from_driver`):
    /// behind a global queue that a spawn storm keeps long, a main's 20 ms
    /// sleep took seconds (Go: 20 ms, its timers `ready` into `runnext`
    /// whatever waits globally).
    firing_timers: Cell<bool>,
    /// The last LIFO chain ran out its time slice: the next tick is a
    /// maintenance tick (I/O, then the injector first), as Go's preempted
    /// goroutine goes to the global queue and sysmon polls the network.
    slice_ran_out: Cell<bool>,
    /// Set while this worker polls the main goroutine of `#[goroutine::main]`
    /// (`block_on::run_main_goroutine`): it may call `block_on`
    /// (`run_as`), and its end closes the runtime.
    pub(crate) polling_main: Cell<bool>,
    /// This worker's copy of `Remote::poll_seq` (it is the only writer).
    poll_seq: Cell<u64>,
    /// When to read the clock next for due timers.
    timer_check: TimerCheck,
    /// An extra worker started by the monitor, which leaves when asked.
    is_extra: bool,
    core: RefCell<Core>,
}

/// State only this worker's thread touches. Never borrowed across a poll or
/// a drop of a goroutine, so code running inside those (spawns, wakes) can
/// borrow it; where it cannot, it falls back to the injector.
struct Core {
    local: Local<Runnable>,
    tick: u32,
    /// The global queue's turn (every `GLOBAL_INTERVAL` ticks) went to a
    /// goroutine a timer had just woken: the next tick takes it.
    global_owed: bool,
    rng: FastRand,
    is_searching: bool,
    next_id: u64,
    id_end: u64,
}

/// Whether a LIFO chain's time slice is over; starts it (`LIFO_SLICE` from
/// now) at the first call.
fn slice_over(end: &mut Option<Instant>) -> bool {
    let now = Instant::now();
    match *end {
        Some(end) => now >= end,
        None => {
            *end = Some(now + LIFO_SLICE);
            false
        }
    }
}

impl Worker {
    /// The thread body of worker `index`. Returns its queue (empty) when it
    /// stops: at shutdown, or, for an extra worker, when retired.
    pub(crate) fn run(
        shared: Arc<Shared>,
        index: usize,
        local: Local<Runnable>,
    ) -> Local<Runnable> {
        let is_extra = index >= shared.workers();
        let worker = Worker {
            shared,
            index,
            in_driver: Cell::new(false),
            firing_timers: Cell::new(false),
            slice_ran_out: Cell::new(false),
            polling_main: Cell::new(false),
            poll_seq: Cell::new(0),
            timer_check: TimerCheck::new(),
            is_extra,
            core: RefCell::new(Core {
                local,
                tick: 0,
                global_owed: false,
                rng: FastRand::new(index as u64 + 1),
                is_searching: false,
                next_id: 0,
                id_end: 0,
            }),
        };
        if let Some(tid) = super::monitor::current_os_tid() {
            // Relaxed: read by the monitor only to pick a rescue strategy.
            worker.remote().os_tid.store(tid, Relaxed);
        }
        let guard = context::set_worker(&worker);
        worker.run_loop();
        if worker.shared.is_closed() {
            worker.drain();
        } else {
            worker.retire();
        }
        drop(guard);
        worker.core.into_inner().local
    }

    fn should_retire(&self) -> bool {
        self.is_extra && self.remote().retire.load(Relaxed)
    }

    /// An extra worker leaves: its goroutines go to the global queue.
    fn retire(&self) {
        self.end_searching();
        while let Some(task) = self.pop_any() {
            self.shared.push_remote(task);
        }
        self.shared.idle.remove_worker();
        self.remote().retire.store(false, Relaxed);
        // This worker may have been the one sleeping for the timers, and it
        // will not park again: nudge a sleeping worker, which re-parks
        // through the driver (a worker only parks on its condition variable
        // while another owns the driver).
        if let Some(sleeper) = self.shared.idle.any_sleeper() {
            self.shared.unpark(sleeper);
        }
    }

    fn remote(&self) -> &Remote {
        &self.shared.remotes[self.index]
    }

    /// True if `meta`'s goroutine belongs to this worker's runtime.
    #[inline]
    pub(crate) fn owns(&self, meta: &Meta) -> bool {
        meta.runtime() == self.shared.index
    }

    fn run_loop(&self) {
        while !self.shared.is_closed() && !self.should_retire() {
            if let Some(task) = self.next_task() {
                self.run_task(task);
            } else if let Some(task) = self.steal_work() {
                self.run_task(task);
            } else {
                self.park();
            }
        }
    }

    fn next_task(&self) -> Option<Runnable> {
        let (tick, global_owed) = {
            let mut core = self.core.borrow_mut();
            core.tick = core.tick.wrapping_add(1);
            (core.tick, std::mem::take(&mut core.global_owed))
        };
        self.check_timers();
        // Every 61st tick, and after a chain that ran out its slice: else,
        // beside endless hand-offs, whose ticks last 10 ms each, I/O and
        // the injector would wait 61 slices (0.6 s).
        let maintenance = tick % GLOBAL_INTERVAL == 0 || self.slice_ran_out.replace(false);
        if maintenance {
            self.maintenance();
        }
        if maintenance || global_owed {
            // Between ticks the LIFO slot is empty (`run_task` runs it
            // dry), so a goroutine there was just woken by a timer: it runs
            // first and the global queue's turn moves to the next tick.
            // The other way round, the global goroutine's first spawn would
            // push it to the back of the queue, and a spawn storm that
            // overflows the queue would push it on into the global queue:
            // main's 20 ms sleep took seconds, when busy workers fired
            // timers only on this tick.
            if let Some(task) = self.remote().lifo.take() {
                self.core.borrow_mut().global_owed = true;
                return Some(task);
            }
            if let Some(task) = self.shared.pop_global() {
                return Some(task);
            }
        }
        if let Some(task) = self.remote().lifo.take() {
            return Some(task);
        }
        let mut core = self.core.borrow_mut();
        if let Some(task) = core.local.pop() {
            return Some(task);
        }
        self.pull_inject(&mut core)
    }

    /// Takes main's last spawn if there is one, else a fair share of the
    /// injector: one to run, the rest queued.
    fn pull_inject(&self, core: &mut Core) -> Option<Runnable> {
        if let Some(task) = self.shared.take_main() {
            return Some(task);
        }
        let inject = &self.shared.inject;
        let len = inject.len();
        if len == 0 {
            return None;
        }
        let n = (len / self.shared.slots().len() + 1).min(queue::CAPACITY / 2);
        let first = inject.pop().ok()?;
        for _ in 1..n {
            match inject.pop() {
                Ok(task) => core.local.push_back(task, |t| self.overflow(t)),
                Err(_) => break,
            }
        }
        Some(first)
    }

    fn overflow(&self, task: Runnable) {
        // Closed: dropping cancels the goroutine, as shutdown would.
        if let Err(e) = self.shared.inject.push(task) {
            drop(e.into_inner());
        }
    }

    /// Pushes to the back of the local queue. A newly spawned goroutine
    /// wakes a sleeping worker (if nobody searches) so it can be stolen and
    /// run in parallel; a goroutine that was already running here (a yield,
    /// the LIFO slot's previous occupant, a LIFO chain that hit its cap)
    /// wakes one only when others wait behind it: otherwise the thief would
    /// just take the goroutine this worker runs next (tokio's
    /// `should_notify_others`).
    fn push_back(&self, task: Runnable, new: bool) {
        let waiting = match self.core.try_borrow_mut() {
            Ok(mut core) => {
                core.local.push_back(task, |t| self.overflow(t));
                core.local.len()
            }
            // Re-entered from code running under a borrow: use the injector.
            Err(_) => return self.shared.push_remote(task),
        };
        // Timers and I/O events wake goroutines in batches: notify once
        // after the batch (`notify_after_driver`), not once per goroutine.
        if !self.in_driver.get() && (new || waiting > 1) {
            self.shared.notify_parked();
        }
    }

    /// After firing timers or dispatching I/O events onto this worker's
    /// queue: if more than one goroutine is waiting here, or some wait in
    /// the global queue (see `schedule_from_driver`), wake a sleeping
    /// worker to take some (tokio's `should_notify_others`).
    fn notify_after_driver(&self) {
        let others_waiting = {
            let core = self.core.borrow();
            !core.is_searching
                && (core.local.len() + usize::from(!self.remote().lifo.is_empty()) > 1
                    || self.shared.has_global_work())
        };
        if others_waiting {
            self.shared.notify_parked();
        }
    }

    fn run_task(&self, task: Runnable) {
        self.end_searching();
        // Each poll gets a fresh budget, the chain's goroutines too: the
        // budget is per poll, and the chain is bounded by its time slice.
        let budget = Budget::initial(self.shared.config.budget);
        self.poll(task, budget);
        let mut lifo_polls = 0u32;
        // Set at the first look at the clock, `LIFO_CLOCK_EVERY` polls in:
        // a slice a little longer than `LIFO_SLICE`, for no clock read in
        // the short chains that are the rule.
        let mut slice_end = None;
        loop {
            let chain_ends =
                lifo_polls % LIFO_CLOCK_EVERY == LIFO_CLOCK_EVERY - 1 && slice_over(&mut slice_end);
            if !chain_ends {
                // A goroutine a due timer wakes takes the LIFO slot and
                // runs next, as from Go's `schedule`. When the chain must
                // end, the next tick looks first and runs it then, instead
                // of it queueing at the back.
                self.check_timers();
            }
            let Some(next) = self.remote().lifo.take() else {
                return;
            };
            // Closed (a main goroutine on the workers returned, or
            // shutdown): nothing more runs; `run_loop` ends and the queues
            // are drained. Checked only when there is a next goroutine.
            if chain_ends || self.shared.is_closed() {
                self.slice_ran_out.set(chain_ends);
                self.push_back(next, false);
                return;
            }
            lifo_polls += 1;
            self.poll(next, budget);
        }
    }

    /// Fires due timers if the next one may be due: one atomic load while
    /// no timer is pending; the clock is read only when worth it
    /// (`TimerCheck`).
    #[inline]
    fn check_timers(&self) {
        if self.shared.driver.next_due_ns() != NEVER {
            self.check_pending_timers();
        }
    }

    /// `check_timers` while a timer is pending. Out of line: inlined, its
    /// extra loads made a channel ping-pong with no timers 6-8 % slower,
    /// against 1-2 % now.
    #[inline(never)]
    fn check_pending_timers(&self) {
        let driver = &self.shared.driver;
        let due = driver.next_due_ns();
        if !self.timer_check.wants_clock(due, self.poll_seq.get()) && !driver.take_poke() {
            return;
        }
        let now = Instant::now();
        self.shared.tick_clock(now);
        if self.fire_timers(now) {
            self.notify_after_driver();
        }
    }

    /// Polls one goroutine with `budget`.
    fn poll(&self, task: Runnable, budget: Budget) {
        let meta = task.metadata();
        if meta.is_aborted() {
            // Dropping the runnable drops the future: the goroutine ends
            // and its JoinHandle reports cancellation.
            drop(task);
            return;
        }
        meta.set_running(self.shared.clock_ms());
        let remote = self.remote();
        if self.shared.config.long_poll.is_some() {
            // Relaxed: for the monitor's long-poll reports, which tolerate
            // staleness. Skipped unless reports are on.
            remote.current_id.store(meta.id().as_u64(), Relaxed);
            remote.current_loc.store(
                std::ptr::from_ref::<Location<'static>>(meta.location()).cast_mut(),
                Relaxed,
            );
        }
        let seq = self.poll_seq.get();
        remote.poll_seq.store(seq + 1, Relaxed);
        coop::with_budget(budget, || task.run());
        remote.poll_seq.store(seq + 2, Relaxed);
        self.poll_seq.set(seq + 2);
    }

    fn end_searching(&self) {
        let was_searching = std::mem::replace(&mut self.core.borrow_mut().is_searching, false);
        if was_searching && self.shared.idle.transition_worker_from_searching() {
            // The last searcher found work: wake another to keep looking.
            self.shared.notify_parked();
        }
    }

    fn steal_work(&self) -> Option<Runnable> {
        let mut core = self.core.borrow_mut();
        if !core.is_searching {
            if !self.shared.idle.transition_worker_to_searching() {
                return None;
            }
            core.is_searching = true;
        }
        let slots = self.shared.slots();
        let n = slots.len();
        let start = core.rng.below(n);
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            if let Some(task) = slots[victim].steal.steal_into(&mut core.local) {
                return Some(task);
            }
        }
        if let Some(task) = self.pull_inject(&mut core) {
            return Some(task);
        }
        drop(core);
        self.steal_spawned_next(start)
    }

    /// Last resort of a search: a goroutine spawned into the LIFO slot of
    /// a worker that is still polling its spawner (Go's idle Ps steal
    /// `runnext` too). A worker between polls is about to run it itself.
    ///
    /// Before taking one, the searcher sleeps a moment, as Go's `runqgrab`
    /// does (`usleep(3)`; Linux's timer slack stretches such a sleep to
    /// 50-70 us): a spawner that is about to block (it sends, prints, then
    /// waits) then runs its goroutine itself, in the order Go's programs
    /// print, and the goroutine does not move to another core for nothing.
    /// A spawner that keeps computing loses its goroutine after the pause.
    fn steal_spawned_next(&self, start: usize) -> Option<Runnable> {
        let slots = self.shared.slots();
        let n = slots.len();
        let mut paused = false;
        for i in 0..n {
            let victim = (start + i) % n;
            let remote = &slots[victim];
            // A stale hint only makes this steal a goroutine its owner was
            // about to run, or leave one for it.
            if victim != self.index && remote.has_stealable_next() {
                if !paused {
                    std::thread::sleep(SPAWNED_NEXT_PAUSE);
                    paused = true;
                }
                if let Some(task) = remote.lifo.steal_spawned(|| remote.is_polling()) {
                    return Some(task);
                }
            }
        }
        None
    }

    /// Sleeps until there may be work: woken by a submitter, by a timer
    /// (when this worker owns the timer driver), or by shutdown.
    fn park(&self) {
        let is_searching = std::mem::replace(&mut self.core.borrow_mut().is_searching, false);
        let is_last_searcher = self
            .shared
            .idle
            .transition_worker_to_parked(self.index, is_searching);
        // SeqCst fence: the parker's StoreLoad barrier (see idle.rs).
        fence(SeqCst);
        let work_pending = if is_last_searcher {
            self.shared.has_remote_work(self.index)
        } else {
            self.shared.has_global_work()
        };
        if work_pending {
            self.shared.notify_parked();
        }
        loop {
            let owns_driver = self.shared.driver.try_own(self.index);
            let (notified, events) = if owns_driver {
                // Sleep in the poller until the next timer is due.
                let deadline = self.shared.driver.park_deadline();
                let mut events = 0;
                self.in_driver.set(true);
                let parker = &self.remote().parker;
                let notified = if self.shared.io.sleep_off_poller() {
                    // No sockets to watch: a timed condition-variable wait
                    // wakes within microseconds of the deadline.
                    let notified = parker.park(deadline);
                    self.shared.io.back_on_poller();
                    notified
                } else {
                    parker.park_driver(|| events = self.shared.io.wait(deadline))
                };
                self.in_driver.set(false);
                self.shared.driver.disown();
                (notified, events)
            } else {
                (self.remote().parker.park(None), 0)
            };
            if self.shared.is_closed() {
                return;
            }
            if self.should_retire() {
                if !self.shared.idle.unpark_worker_by_id(self.index) {
                    self.core.borrow_mut().is_searching = true;
                }
                break;
            }
            if !self.shared.idle.is_parked(self.index) {
                // A submitter woke us and counted us as searching.
                self.core.borrow_mut().is_searching = true;
                break;
            }
            if owns_driver && (!notified || events > 0) {
                // A timer is due, or I/O woke goroutines onto our queue:
                // get up to run them.
                if !self.shared.idle.unpark_worker_by_id(self.index) {
                    self.core.borrow_mut().is_searching = true;
                }
                break;
            }
            // Spurious, or the driver's deadline moved: sleep again.
        }
        self.shared.monitor_wake();
        let now = Instant::now();
        self.shared.tick_clock(now);
        self.fire_timers(now);
        // Fired timers and I/O events dispatched while parked in the poller
        // queued their goroutines here without notifying.
        self.notify_after_driver();
    }

    /// Every `GLOBAL_INTERVAL` ticks: refresh the clock, fire due timers,
    /// and collect I/O events if sockets exist and no worker sleeps in the
    /// poller (it would have collected them).
    fn maintenance(&self) {
        let now = Instant::now();
        self.shared.tick_clock(now);
        let mut woke = self.fire_timers(now);
        if self.shared.io.has_sources() && self.shared.driver.try_own(self.index) {
            self.in_driver.set(true);
            woke |= self.shared.io.wait(Some(now)) > 0;
            self.in_driver.set(false);
            self.shared.driver.disown();
        }
        if woke {
            self.notify_after_driver();
        }
    }

    /// Fires due timers; their goroutines are queued here without
    /// notifying. True if any timer was due: the caller then calls
    /// `notify_after_driver` once for everything it queued.
    fn fire_timers(&self, now: Instant) -> bool {
        let driver = &self.shared.driver;
        let now_ns = driver.ns_at(now);
        let due = driver.next_due_ns() <= now_ns;
        if due {
            self.in_driver.set(true);
            self.firing_timers.set(true);
            driver.process(now);
            self.firing_timers.set(false);
            self.in_driver.set(false);
        }
        self.timer_check
            .clock_read(now_ns, self.poll_seq.get(), driver.next_due_ns(), due);
        due
    }

    /// Drops everything left in this worker's queues (shutdown).
    fn drain(&self) {
        // Dropped outside the borrow: destructors may schedule.
        while let Some(task) = self.pop_any() {
            drop(task);
        }
    }

    /// Takes the LIFO slot's goroutine, else the local queue's next one.
    /// The `RefCell` borrow ends before the caller uses the task.
    fn pop_any(&self) -> Option<Runnable> {
        self.remote()
            .lifo
            .take()
            .or_else(|| self.core.borrow_mut().local.pop())
    }

    // ---- called from goroutines running on this worker -------------------

    /// Schedules a goroutine woken on this thread.
    #[inline]
    pub(crate) fn schedule(&self, task: Runnable, is_yield: bool) {
        task.metadata().set_runnable(self.shared.clock_ms());
        if self.shared.is_closed() {
            return drop(task);
        }
        // A timer's wake-up takes the LIFO slot too (see `firing_timers`).
        if self.in_driver.get() && !self.firing_timers.get() {
            self.schedule_from_driver(task);
        } else if is_yield {
            self.push_back(task, false);
        } else if let Some(prev) = self.remote().lifo.put(task) {
            // Go's `runnext`: the one there goes to the back of the queue.
            self.push_back(prev, false);
        }
    }

    /// A goroutine woken by the I/O poller on this worker.
    ///
    /// Normally it goes to the back of the local queue. But when goroutines
    /// already wait in the global queue, typically the older part of an
    /// earlier batch of wake-ups that overflowed the local ring, it queues
    /// behind them there: the local queue is served before the global one
    /// (which a busy worker looks at once every 61 ticks), so a newer batch
    /// pushed here would keep overtaking the older one. That is what made
    /// the p99 latency at 1,000 connections. Go's netpoll likewise puts the
    /// goroutines it readies on the global run queue.
    fn schedule_from_driver(&self, task: Runnable) {
        if self.shared.inject.is_empty() {
            self.push_back(task, false);
        } else if let Err(e) = self.shared.inject.push(task) {
            // Closed: dropping cancels the goroutine, as shutdown would.
            drop(e.into_inner());
        }
    }

    /// Spawns a goroutine into this worker's LIFO slot, the one there
    /// going to the back of the queue: Go's `newproc` into `runnext`, for
    /// every spawn from a goroutine (see `Handle::spawn_named`). Idle
    /// workers may steal it while this one polls (`steal_spawned_next`).
    pub(crate) fn spawn_local_next(&self, task: Runnable) {
        self.add_live(1);
        task.metadata().set_runnable(self.shared.clock_ms());
        match self.remote().lifo.put_spawned(task) {
            Some(prev) => self.push_back(prev, true),
            // A sleeping worker may steal it (see `steal_work`) while the
            // spawner goes on computing.
            None => self.shared.notify_parked(),
        }
    }

    /// A fresh goroutine id, from this worker's batch.
    pub(crate) fn next_id(&self) -> GoroutineId {
        let Ok(mut core) = self.core.try_borrow_mut() else {
            return GoroutineId::from_u64(reserve_ids(1));
        };
        if core.next_id == core.id_end {
            core.next_id = reserve_ids(ID_BATCH);
            core.id_end = core.next_id + ID_BATCH;
        }
        let id = core.next_id;
        core.next_id += 1;
        GoroutineId::from_u64(id)
    }

    fn add_live(&self, delta: isize) {
        let live = &self.remote().live;
        // Load + store, no RMW: only this thread writes its counter.
        live.store(live.load(Relaxed) + delta, Relaxed);
    }

    /// A goroutine's poll returned `Pending`.
    pub(crate) fn goroutine_parked(&self, meta: &Meta, reason: WaitReason, waker: &Waker) {
        meta.set_waiting(reason, self.shared.clock_ms());
        if meta.registered_slot().is_some() {
            return;
        }
        match self.shared.registry.register(self.index, meta, waker) {
            Some(slot) => {
                meta.mark_registered(slot);
                // Pairs with `abort`: it saw us unregistered, so we must
                // look at its flag now that we are registered.
                if meta.is_aborted() {
                    waker.wake_by_ref();
                }
            }
            // Shutting down: get rescheduled, which drops us.
            None => waker.wake_by_ref(),
        }
    }

    /// A goroutine of this runtime is being dropped on this worker.
    pub(crate) fn goroutine_dropped(&self, meta: &Meta) {
        self.shared.forget(meta);
        self.add_live(-1);
    }
}

/// xorshift64*, for picking steal victims.
struct FastRand(u64);

impl FastRand {
    fn new(seed: u64) -> FastRand {
        FastRand(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        ((x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as usize) % n.max(1)
    }
}
