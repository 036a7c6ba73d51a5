//! The timer driver: one timing wheel per runtime, driven by the workers.
//!
//! No thread exists just for timers. A worker that runs out of work and
//! finds the driver free *owns* it while it sleeps, with the next expiry as
//! its timeout; workers that are busy look at the next due time (one
//! atomic load) after every poll and read the clock when it may have come
//! (`TimerCheck` in the scheduler). So an idle runtime with no timers
//! sleeps with no deadline at all, and an idle runtime with timers wakes
//! when the next one is due. A timer fires once its exact deadline has
//! passed, not at the end of its wheel tick (`Wheel::advance_within`). The
//! owner sleeps in the I/O poller while sockets exist (whose timeout is in
//! whole milliseconds), and otherwise on its condition variable, whose
//! timed wait is precise to microseconds; registering a socket moves it
//! into the poller (`IoDriver::sleep_off_poller`).
//!
//! Protocol between an inserter and the owning worker, both under the
//! wheel lock: the owner computes its deadline and records it in
//! `owner_until`; an inserter whose deadline is earlier than `owner_until`
//! unparks the owner, which then recomputes. Whichever takes the lock
//! second sees the other's write.

mod wheel;

use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::sync::Mutex;
use std::task::Waker;
use std::time::{Duration, Instant};

use crate::loom::{lock_std as lock, try_lock_std as try_lock};
use crate::scheduler::CachePadded;
pub(crate) use wheel::Insert;
use wheel::{Fired, Wheel};

const NO_OWNER: usize = usize::MAX;
/// `Driver::next_due_ns` (and `owner_until`) when no timer is pending.
pub(crate) const NEVER: u64 = u64::MAX;

/// Length of one wheel tick: 125 µs. A deadline files under the tick it
/// falls in; within that tick it fires as soon as it has passed, except
/// in a tick of more than 64 timers (`Wheel::advance_within`), which
/// fires at its end. A whole millisecond made `sleep(1ms)` take 1-2 ms,
/// where Go's takes about 1.05.
const TICK_NS: u128 = 125_000;

pub(crate) struct Driver {
    start: Instant,
    inner: Mutex<Inner>,
    /// Worker that sleeps in the driver, or `NO_OWNER`.
    owner: AtomicUsize,
    /// What busy workers read after every poll, on a cache line of its
    /// own: `owner` and the lock are written whenever a worker parks or a
    /// timer is set (`chan_select4` was 5-8 % slower with it beside them).
    hint: CachePadded<Hint>,
}

struct Hint {
    /// When the next timer is due, in ns since `start` (`NEVER` if none):
    /// the wheel's `next_due`, a lower bound of the next exact deadline,
    /// so busy workers can check for due timers without the lock.
    next_due: AtomicU64,
    /// Set by the monitor when a timer is overdue: the next worker to end
    /// a poll reads the clock whatever it predicted (`poke`).
    poked: AtomicBool,
}

struct Inner {
    wheel: Wheel,
    /// When the owner wakes, in ns since `start` (`NEVER`: no deadline).
    owner_until: u64,
    /// Reused buffer of fired wakers.
    fired: Vec<Fired>,
}

impl Driver {
    pub(crate) fn new() -> Driver {
        Driver {
            start: Instant::now(),
            inner: Mutex::new(Inner {
                wheel: Wheel::new(),
                owner_until: NEVER,
                fired: Vec::new(),
            }),
            owner: AtomicUsize::new(NO_OWNER),
            hint: CachePadded(Hint {
                next_due: AtomicU64::new(NEVER),
                poked: AtomicBool::new(false),
            }),
        }
    }

    /// The first tick at or after `deadline` (rounding up: never early),
    /// and how far into the tick's span (the `TICK_NS` up to and including
    /// it) `deadline` lies, 1 to `TICK_NS`: (tick, sub) orders deadlines
    /// exactly.
    fn tick_for(&self, deadline: Instant) -> (u64, u32) {
        let ns = deadline.saturating_duration_since(self.start).as_nanos();
        let tick = u64::try_from(ns.div_ceil(TICK_NS)).map_or(NEVER - 1, |t| t.min(NEVER - 1));
        (tick, ((ns + TICK_NS - 1) % TICK_NS + 1) as u32)
    }

    /// `now` in ns since `start` (saturating).
    pub(crate) fn ns_at(&self, now: Instant) -> u64 {
        let ns = now.saturating_duration_since(self.start).as_nanos();
        u64::try_from(ns).unwrap_or(NEVER - 1)
    }

    /// The exact deadline of wheel position (tick, sub), in ns since
    /// `start`; a `sub` past the tick stands for its end.
    fn ns_of(tick: u64, sub: u32) -> u64 {
        let tick_ns = TICK_NS as u64;
        tick.saturating_sub(1)
            .saturating_mul(tick_ns)
            .saturating_add(u64::from(sub).min(tick_ns))
            .min(NEVER - 1)
    }

    fn instant_of(&self, ns: u64) -> Option<Instant> {
        self.start.checked_add(Duration::from_nanos(ns))
    }

    /// The wheel's next due time, in ns since `start` (`NEVER`: none).
    fn next_due_of(inner: &Inner) -> u64 {
        inner
            .wheel
            .next_due()
            .map_or(NEVER, |(tick, sub)| Self::ns_of(tick, sub))
    }

    fn publish_next(&self, inner: &Inner) {
        let next = Self::next_due_of(inner);
        // Relaxed: a hint for busy workers; the lock orders the real data.
        // Stored only when it changes: every worker reads it after every
        // poll, and most inserts and removes leave it as it was.
        if self.hint.next_due.load(Relaxed) != next {
            self.hint.next_due.store(next, Relaxed);
        }
    }

    /// Registers `waker` for `deadline`. Returns the worker to unpark (the
    /// owner, if it sleeps past the new deadline) alongside the outcome.
    pub(crate) fn insert(&self, deadline: Instant, waker: &Waker) -> (Insert, Option<usize>) {
        let (tick, sub) = self.tick_for(deadline);
        let mut inner = lock(&self.inner);
        let out = inner.wheel.insert(tick, sub, waker.clone());
        let mut wake = None;
        if let Insert::Pending(_) = out {
            self.publish_next(&inner);
            let at = Self::ns_of(tick, sub);
            if at < inner.owner_until {
                // Acquire: pairs with the Release in `try_own`.
                let owner = self.owner.load(Acquire);
                if owner != NO_OWNER {
                    // The owner will recompute its deadline when it wakes.
                    inner.owner_until = at;
                    wake = Some(owner);
                }
            }
        }
        (out, wake)
    }

    /// Frees `key`; true if it was still pending.
    pub(crate) fn remove(&self, key: u32) -> bool {
        let (was_pending, waker) = {
            let mut inner = lock(&self.inner);
            let out = inner.wheel.remove(key);
            self.publish_next(&inner);
            out
        };
        drop(waker);
        was_pending
    }

    /// If `key` fired, frees it and returns true; otherwise refreshes its
    /// waker.
    pub(crate) fn poll_key(&self, key: u32, waker: &Waker) -> bool {
        let mut inner = lock(&self.inner);
        if inner.wheel.is_fired(key) {
            let (_, w) = inner.wheel.remove(key);
            debug_assert!(w.is_none());
            true
        } else {
            inner.wheel.set_waker(key, waker);
            false
        }
    }

    /// True if a timer has been due for at least `late` at `now`: the
    /// workers are not firing them (cheap, no lock).
    pub(crate) fn is_overdue(&self, now: Instant, late: Duration) -> bool {
        now.checked_sub(late).is_some_and(|then| self.is_due(then))
    }

    /// True if a timer may be due at `now` (cheap, no lock).
    pub(crate) fn is_due(&self, now: Instant) -> bool {
        self.next_due_ns() <= self.ns_at(now)
    }

    /// When the next timer may be due, in ns since the driver started
    /// (`NEVER`: no timer). One atomic load, no lock.
    #[inline]
    pub(crate) fn next_due_ns(&self) -> u64 {
        // Relaxed: a hint (see `publish_next`).
        self.hint.next_due.load(Relaxed)
    }

    /// For the monitor: a timer is overdue while workers still end polls;
    /// the next one to end a poll should look at the clock (its prediction
    /// may have assumed shorter polls).
    pub(crate) fn poke(&self) {
        // Relaxed: a hint; a worker that misses it sees it after its next
        // poll.
        self.hint.poked.store(true, Relaxed);
    }

    /// True if the monitor asked for a look (see `poke`); clears it.
    #[inline]
    pub(crate) fn take_poke(&self) -> bool {
        // Relaxed: a hint. Read first, so a worker writes the line only
        // when it was set.
        self.hint.poked.load(Relaxed) && self.hint.poked.swap(false, Relaxed)
    }

    /// Fires every timer due at `now`; returns how many goroutines it woke.
    pub(crate) fn process(&self, now: Instant) -> usize {
        let ns = self.ns_at(now);
        let tick_ns = TICK_NS as u64;
        let (tick, sub) = (ns / tick_ns, (ns % tick_ns) as u32);
        let mut fired = {
            let mut inner = lock(&self.inner);
            let mut fired = std::mem::take(&mut inner.fired);
            inner.wheel.advance_within(tick, sub, &mut fired);
            self.publish_next(&inner);
            fired
        };
        let n = fired.len();
        for f in fired.drain(..) {
            f.waker.wake();
        }
        // Give the buffer back for next time (another worker may have put
        // one back meanwhile; keep the larger). Not if that means waiting
        // for the lock: busy workers fire timers often, and the buffer only
        // saves an allocation.
        if let Some(mut inner) = try_lock(&self.inner) {
            if inner.fired.capacity() < fired.capacity() {
                inner.fired = fired;
            }
        }
        n
    }

    /// Tries to become the worker that sleeps for the timers.
    pub(crate) fn try_own(&self, worker: usize) -> bool {
        // AcqRel: Acquire sees the previous owner's `disown`; Release
        // publishes ownership to inserters.
        self.owner
            .compare_exchange(NO_OWNER, worker, AcqRel, Relaxed)
            .is_ok()
    }

    /// For the owner: the instant to sleep until (`None`: no timers).
    pub(crate) fn park_deadline(&self) -> Option<Instant> {
        let mut inner = lock(&self.inner);
        let next = Self::next_due_of(&inner);
        inner.owner_until = next;
        (next != NEVER).then(|| self.instant_of(next)).flatten()
    }

    /// The worker that sleeps for the timers, if any.
    pub(crate) fn owner(&self) -> Option<usize> {
        // Acquire: pairs with the Release in `try_own`.
        let owner = self.owner.load(Acquire);
        (owner != NO_OWNER).then_some(owner)
    }

    /// For the owner, when it stops sleeping.
    pub(crate) fn disown(&self) {
        let mut inner = lock(&self.inner);
        inner.owner_until = NEVER;
        // Release: pairs with the AcqRel CAS of the next `try_own`.
        self.owner.store(NO_OWNER, Release);
    }

    /// Pending timers.
    pub(crate) fn pending(&self) -> usize {
        lock(&self.inner).wheel.pending()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn tick_and_sub_order_deadlines_exactly() {
        let d = Driver::new();
        let t = TICK_NS as u64;
        // Offsets in ns from the driver's start, in increasing order; they
        // straddle tick edges, where rounding up could misorder them.
        let ns = [1, t - 1, t, t + 1, 2 * t - 1, 2 * t, 5 * t + 7];
        let keys: Vec<_> = ns
            .iter()
            .map(|&n| d.tick_for(d.start + Duration::from_nanos(n)))
            .collect();
        assert!(keys.is_sorted(), "{keys:?}");
        assert!(keys.windows(2).all(|w| w[0] != w[1]));
        assert_eq!(keys[2].0, 1, "an exact tick edge is that tick");
    }
}
