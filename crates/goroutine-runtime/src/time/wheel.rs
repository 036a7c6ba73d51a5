//! A hierarchical timing wheel: 6 levels of 64 slots, one tick (the
//! driver's `TICK_NS`, 125 µs) per level-0 slot, so level `L` slots span
//! `64^L` ticks and the wheel covers 2^36 ticks (about 99 days); later
//! deadlines park in the top level and are re-filed when their slot comes
//! round.
//!
//! Insert and remove are O(1): each entry sits in a doubly linked list
//! (through slab indices) hanging off one slot, and each level keeps an
//! `occupied` bitmask so the next expiry is found with a rotate and a
//! `trailing_zeros` per level.
//!
//! Timers fire in the order of their exact deadlines, as from Go's timer
//! heap, not merely tick by tick: each entry keeps the part of its deadline
//! below a tick (`sub`), and [`Wheel::advance`] sorts what it fires by
//! (tick, sub) when that order differs from the slots' (it rarely does).
//! Equal deadlines fire in insertion order: each slot's list is a FIFO,
//! cascading walks a list from its head, and the sort is stable. So of two
//! `after(d)` channels made one after the other, the first is the one a
//! parked `select!` is handed; and a ticker's tick re-armed at 100 ms for
//! 200 ms fires before a 200 ms timer armed at 0 ms plus a few µs.
//!
//! And not a tick late: [`Wheel::advance_within`] also fires the entries of
//! the tick under way whose exact deadline has passed (Go fires a timer
//! once `when <= now`). Five goroutines that sleep 20 ms a few µs apart
//! wake together, as in Go, even when a tick boundary falls between their
//! deadlines; before, they then woke in two batches a tick apart and
//! printed in another order (an audit program did, about one run in
//! twenty). Level-0 slots keep a lower bound of their entries' `sub`
//! (`min_sub`), so [`Wheel::next_due`] says when a look is worth it
//! without walking a list, and the next tick's entries are always in one
//! level-0 slot (invariant 1). A dense tick, with more than `DENSE`
//! entries (a million sleepers put a thousand in a tick), still fires at
//! its end: busy workers look after every poll, and walking that many at
//! each look made `sleepers_1m` 20 % slower. Timers that dense fire in
//! batches anyway.
//!
//! Invariants:
//! 1. Every pending entry has `deadline > elapsed`; its level is the
//!    highest 6-bit digit in which `deadline` and `elapsed + 1` (the next
//!    tick to process) differ (capped at the top level), its slot that
//!    digit of `deadline`. So the next tick's entries are on level 0, in
//!    one slot, and a look at the tick under way finds them there: a slot
//!    of a higher level cascades one tick before its range starts. The top
//!    level also holds entries a round (2^36 ticks) or more ahead, in the
//!    slot of their digit; the slot under way, once cascaded, holds only
//!    those (`top_done`).
//! 2. So entries on level `L` are later than every entry on levels below
//!    `L`, and the first level with an occupied slot holds the next expiry.
//! 3. A slot's list is non-empty exactly when its `occupied` bit is set.
//! 4. `min_sub` of a level-0 slot is at most the `sub` of each of its
//!    entries (`u32::MAX` when it is empty).

use std::task::Waker;

const LEVELS: usize = 6;
const SLOT_BITS: u32 = 6;
const SLOTS: usize = 1 << SLOT_BITS;
const NIL: u32 = u32::MAX;
/// A tick with more entries than this fires at its end (see the module
/// docs).
const DENSE: usize = 64;
/// `Wheel::dense_tick` when none is known.
const NO_TICK: u64 = u64::MAX;
/// Ticks per top-level slot.
const TOP_SLOT: u64 = 1 << (SLOT_BITS * (LEVELS as u32 - 1));

/// Where an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// In slot `slot` of level `level`.
    Pending { level: u8, slot: u8 },
    /// Fired; waiting for its owner to see it and free it.
    Fired,
    /// Unused slab slot (on the free list).
    Free,
}

#[derive(Debug)]
struct Entry {
    deadline: u64,
    /// Where in its tick the exact deadline lies (ordering only).
    sub: u32,
    waker: Option<Waker>,
    prev: u32,
    next: u32,
    state: State,
}

#[derive(Clone, Copy, Debug)]
struct Level {
    occupied: u64,
    heads: [u32; SLOTS],
    /// Last entry of each slot's list (`NIL` when empty), for FIFO order.
    tails: [u32; SLOTS],
}

#[derive(Debug)]
pub(crate) struct Wheel {
    /// Ticks processed so far.
    elapsed: u64,
    levels: [Level; LEVELS],
    /// For each level-0 slot, at most the least `sub` of its entries
    /// (`u32::MAX` when empty). Lowered by `link`; exact again after a
    /// walk (`advance_within`) or once the slot empties.
    min_sub: [u32; SLOTS],
    /// A tick found to have more than `DENSE` entries (`NO_TICK`: none):
    /// it fires at its end.
    dense_tick: u64,
    /// Reused buffer: the keys a look at the tick under way fires.
    due: Vec<u32>,
    /// The first tick of the last top-level slot cascaded: from then on,
    /// while that slot is under way, it holds only later rounds' entries.
    top_done: u64,
    entries: Vec<Entry>,
    free: Vec<u32>,
    pending: usize,
}

/// A fired entry's waker and its exact deadline, (tick, sub).
#[derive(Debug)]
pub(crate) struct Fired {
    when: (u64, u32),
    /// The waker to wake.
    pub(crate) waker: Waker,
}

/// Outcome of [`Wheel::insert`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Insert {
    /// Registered under this key.
    Pending(u32),
    /// The deadline has already passed; nothing was registered.
    Due,
}

fn level_for(elapsed: u64, deadline: u64) -> usize {
    let masked = (elapsed ^ deadline) | (SLOTS as u64 - 1);
    let significant = 63 - masked.leading_zeros() as usize;
    (significant / SLOT_BITS as usize).min(LEVELS - 1)
}

fn slot_for(deadline: u64, level: usize) -> usize {
    ((deadline >> (level as u32 * SLOT_BITS)) as usize) & (SLOTS - 1)
}

impl Wheel {
    pub(crate) fn new() -> Wheel {
        Wheel {
            elapsed: 0,
            levels: [Level {
                occupied: 0,
                heads: [NIL; SLOTS],
                tails: [NIL; SLOTS],
            }; LEVELS],
            min_sub: [u32::MAX; SLOTS],
            dense_tick: NO_TICK,
            due: Vec::new(),
            top_done: 0,
            entries: Vec::new(),
            free: Vec::new(),
            pending: 0,
        }
    }

    /// Number of pending (not yet fired) entries.
    pub(crate) fn pending(&self) -> usize {
        self.pending
    }

    /// Registers `waker` to be woken at tick `deadline`; `sub` (where in
    /// that tick the exact deadline lies) orders entries of one tick.
    pub(crate) fn insert(&mut self, deadline: u64, sub: u32, waker: Waker) -> Insert {
        if deadline <= self.elapsed {
            return Insert::Due;
        }
        let entry = Entry {
            deadline,
            sub,
            waker: Some(waker),
            prev: NIL,
            next: NIL,
            state: State::Free,
        };
        let key = match self.free.pop() {
            Some(k) => {
                self.entries[k as usize] = entry;
                k
            }
            None => {
                let k = u32::try_from(self.entries.len()).expect("too many timers");
                assert!(k != NIL, "too many timers");
                self.entries.push(entry);
                k
            }
        };
        self.link(key);
        self.pending += 1;
        Insert::Pending(key)
    }

    /// Files pending entry `key` at the back of its slot (invariant 1).
    fn link(&mut self, key: u32) {
        let deadline = self.entries[key as usize].deadline;
        debug_assert!(deadline > self.elapsed);
        let level = level_for(self.elapsed + 1, deadline);
        let slot = slot_for(deadline, level);
        let tail = self.levels[level].tails[slot];
        if tail == NIL {
            self.levels[level].heads[slot] = key;
        } else {
            self.entries[tail as usize].next = key;
        }
        let e = &mut self.entries[key as usize];
        if level == 0 {
            self.min_sub[slot] = self.min_sub[slot].min(e.sub);
        }
        e.prev = tail;
        e.next = NIL;
        e.state = State::Pending {
            level: level as u8,
            slot: slot as u8,
        };
        self.levels[level].tails[slot] = key;
        self.levels[level].occupied |= 1 << slot;
    }

    /// Takes pending entry `key` out of its slot's list.
    fn unlink(&mut self, key: u32) {
        let e = &self.entries[key as usize];
        let State::Pending { level, slot } = e.state else {
            unreachable!("unlinking an entry that is not pending")
        };
        let (prev, next) = (e.prev, e.next);
        let (level, slot) = (level as usize, slot as usize);
        if prev == NIL {
            self.levels[level].heads[slot] = next;
            if next == NIL {
                self.levels[level].occupied &= !(1 << slot);
                if level == 0 {
                    self.min_sub[slot] = u32::MAX;
                }
            }
        } else {
            self.entries[prev as usize].next = next;
        }
        if next == NIL {
            self.levels[level].tails[slot] = prev;
        } else {
            self.entries[next as usize].prev = prev;
        }
    }

    /// Whether `key` has fired.
    pub(crate) fn is_fired(&self, key: u32) -> bool {
        self.entries[key as usize].state == State::Fired
    }

    /// Replaces the waker of a pending entry. Returns false if it fired.
    pub(crate) fn set_waker(&mut self, key: u32, waker: &Waker) -> bool {
        let e = &mut self.entries[key as usize];
        if e.state == State::Fired {
            return false;
        }
        match &mut e.waker {
            Some(w) if w.will_wake(waker) => {}
            w => *w = Some(waker.clone()),
        }
        true
    }

    /// Frees `key`, pending or fired. Returns true if it was still pending
    /// (so removing it cancelled a wake-up), and the waker to drop outside
    /// any lock.
    pub(crate) fn remove(&mut self, key: u32) -> (bool, Option<Waker>) {
        let was_pending = match self.entries[key as usize].state {
            State::Pending { .. } => {
                self.unlink(key);
                self.pending -= 1;
                true
            }
            State::Fired => false,
            State::Free => unreachable!("timer key freed twice"),
        };
        let e = &mut self.entries[key as usize];
        e.state = State::Free;
        let waker = e.waker.take();
        self.free.push(key);
        (was_pending, waker)
    }

    /// A lower bound of the next exact deadline that
    /// [`advance_within`](Self::advance_within) fires, as (tick, sub); a
    /// `sub` of `u32::MAX` stands for the end of the tick (a dense tick's
    /// entries wait for it), and of 0 for the start (a higher level's slot
    /// then cascades, after which the bound is exact).
    pub(crate) fn next_due(&self) -> Option<(u64, u32)> {
        self.next_slot().map(|(level, slot, when)| {
            if level != 0 {
                // Cascades at the end of the tick before `when`.
                return (when, 0);
            }
            let at_end = when == self.dense_tick;
            (when, if at_end { u32::MAX } else { self.min_sub[slot] })
        })
    }

    fn next_slot(&self) -> Option<(usize, usize, u64)> {
        // Invariant 2: the first occupied level holds the next expiry.
        self.levels.iter().enumerate().find_map(|(level, l)| {
            if l.occupied == 0 {
                return None;
            }
            let shift = level as u32 * SLOT_BITS;
            let slot_range = 1u64 << shift;
            let level_range = slot_range << SLOT_BITS;
            // Invariant 1: relative to the next tick to process.
            let next = self.elapsed + 1;
            let now_slot = ((next >> shift) as usize) & (SLOTS - 1);
            let level_start = next & !(level_range - 1);
            // The top slot under way, once cascaded (`top_done`), holds
            // only entries of later rounds (this round's went to lower
            // levels): look past it first, and if it is the only one, it
            // comes a round later. (Taking it first hid every other
            // top-level entry behind a timer over 99 days off until that
            // one's round.) Lower levels never hold later rounds.
            let later_rounds =
                level == LEVELS - 1 && level_start + now_slot as u64 * slot_range <= self.top_done;
            let mut occupied = l.occupied;
            if later_rounds && occupied != 1 << now_slot {
                occupied &= !(1 << now_slot);
            }
            let dist = occupied.rotate_right(now_slot as u32).trailing_zeros() as usize;
            let slot = (now_slot + dist) & (SLOTS - 1);
            let mut when = level_start + slot as u64 * slot_range;
            let passed = if slot == now_slot && level == LEVELS - 1 {
                later_rounds
            } else {
                when < next
            };
            if passed {
                when += level_range;
            }
            Some((level, slot, when))
        })
    }

    /// Advances to tick `now`, pushing the wakers of every entry whose
    /// deadline is `<= now` onto `fired` (entries become `Fired`), in the
    /// order of their exact deadlines.
    pub(crate) fn advance(&mut self, now: u64, fired: &mut Vec<Fired>) {
        let first = fired.len();
        while let Some((level, slot, when)) = self.next_slot() {
            // A level-0 slot fires at its tick; a higher one cascades the
            // tick before its range starts (invariant 1). `when >= 1`:
            // it is at least `elapsed + 1`.
            let at = if level == 0 { when } else { when - 1 };
            if at > now {
                break;
            }
            if level == LEVELS - 1 {
                self.top_done = when;
            }
            self.elapsed = at;
            let mut key = self.levels[level].heads[slot];
            self.levels[level].heads[slot] = NIL;
            self.levels[level].tails[slot] = NIL;
            self.levels[level].occupied &= !(1 << slot);
            if level == 0 {
                self.min_sub[slot] = u32::MAX;
            }
            while key != NIL {
                let next = self.entries[key as usize].next;
                let e = &mut self.entries[key as usize];
                if e.deadline <= at {
                    e.state = State::Fired;
                    self.pending -= 1;
                    if let Some(waker) = e.waker.take() {
                        fired.push(Fired {
                            when: (e.deadline, e.sub),
                            waker,
                        });
                    }
                } else {
                    // Not due yet: cascade to a lower level.
                    self.link(key);
                }
                key = next;
            }
        }
        self.elapsed = self.elapsed.max(now);
        // The loop leaves no cascade due by `now` behind, so the top slot
        // of the next tick has had its cascade (or had nothing to cascade).
        self.top_done = self.top_done.max((self.elapsed + 1) & !(TOP_SLOT - 1));
        Self::sort_batch(&mut fired[first..]);
    }

    /// [`advance`](Self::advance) to tick `now`, then also fires the
    /// entries of tick `now + 1` whose `sub` is at most `sub`: those whose
    /// exact deadline has passed when the clock is `sub` into that tick.
    /// The whole batch comes out in exact-deadline order, and every entry
    /// fired by a later call has a later deadline.
    ///
    /// Tick `now + 1`'s entries are all in one level-0 slot (invariant
    /// 1). Those of a tick with more than `DENSE` wait for the tick's end
    /// (at most a tick late, as before).
    pub(crate) fn advance_within(&mut self, now: u64, sub: u32, fired: &mut Vec<Fired>) {
        let first = fired.len();
        self.advance(now, fired);
        let tick = now + 1;
        if self.elapsed != now || tick == self.dense_tick {
            return;
        }
        let slot = slot_for(tick, 0);
        if self.min_sub[slot] > sub {
            return;
        }
        // One walk: note what is due, and the least `sub` of the rest;
        // give up on a dense tick before firing any of it.
        let mut due = std::mem::take(&mut self.due);
        due.clear();
        let (mut key, mut seen, mut least) = (self.levels[0].heads[slot], 0, u32::MAX);
        while key != NIL {
            seen += 1;
            if seen > DENSE {
                self.dense_tick = tick;
                self.due = due;
                return;
            }
            let e = &self.entries[key as usize];
            debug_assert_eq!(e.deadline, tick);
            if e.sub <= sub {
                due.push(key);
            } else {
                least = least.min(e.sub);
            }
            key = e.next;
        }
        for &key in &due {
            self.unlink(key);
            self.pending -= 1;
            let e = &mut self.entries[key as usize];
            e.state = State::Fired;
            if let Some(waker) = e.waker.take() {
                fired.push(Fired {
                    when: (e.deadline, e.sub),
                    waker,
                });
            }
        }
        self.due = due;
        // The slot may have emptied (`unlink` reset it); `least` is then
        // `u32::MAX` as well.
        self.min_sub[slot] = least;
        Self::sort_batch(&mut fired[first..]);
    }

    /// Slots come in tick order, so only the order within a tick can be
    /// off; checking is one pass, and a stable sort keeps ties FIFO.
    fn sort_batch(batch: &mut [Fired]) {
        if !batch.is_sorted_by_key(|f| f.when) {
            batch.sort_by_key(|f| f.when);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn fire(w: &mut Wheel, now: u64) -> usize {
        let mut v = Vec::new();
        w.advance(now, &mut v);
        v.len()
    }

    #[test]
    fn entries_fire_at_their_tick_and_never_before() {
        let mut w = Wheel::new();
        let deadlines = [1u64, 2, 63, 64, 65, 100, 4095, 4096, 5000, 300_000, 1 << 37];
        let keys: Vec<_> = deadlines
            .iter()
            .map(|&d| match w.insert(d, 0, Waker::noop().clone()) {
                Insert::Pending(k) => k,
                Insert::Due => panic!("not due"),
            })
            .collect();
        for (&d, &k) in deadlines.iter().zip(&keys) {
            if d > 1 {
                w.advance(d - 1, &mut Vec::<Fired>::new());
                assert!(!w.is_fired(k), "deadline {d} fired early");
            }
            w.advance(d, &mut Vec::<Fired>::new());
            assert!(w.is_fired(k), "deadline {d} did not fire");
        }
        assert_eq!(w.pending(), 0);
    }

    /// Wakers that record their number when woken.
    fn numbered(log: &std::sync::Arc<std::sync::Mutex<Vec<u32>>>, n: u32) -> Waker {
        struct Logged(std::sync::Arc<std::sync::Mutex<Vec<u32>>>, u32);
        impl std::task::Wake for Logged {
            fn wake(self: std::sync::Arc<Self>) {
                self.0.lock().unwrap().push(self.1);
            }
        }
        Waker::from(std::sync::Arc::new(Logged(log.clone(), n)))
    }

    #[test]
    fn entries_due_in_one_tick_fire_in_insertion_order() {
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w = Wheel::new();
        // 0..8 wait on level 1 (inserted at two different times) and
        // cascade to level 0 at tick 128; 8 goes straight to level 0 after
        // that; 5 is removed from the middle.
        for n in 0..4 {
            w.insert(130, 0, numbered(&log, n));
        }
        w.advance(100, &mut Vec::<Fired>::new());
        let mut keys = Vec::new();
        for n in 4..8 {
            let Insert::Pending(k) = w.insert(130, 0, numbered(&log, n)) else {
                panic!("not due")
            };
            keys.push(k);
        }
        w.advance(128, &mut Vec::<Fired>::new());
        w.insert(130, 0, numbered(&log, 8));
        w.remove(keys[1]);
        let mut fired = Vec::new();
        w.advance(130, &mut fired);
        fired.into_iter().for_each(|f| f.waker.wake());
        assert_eq!(*log.lock().unwrap(), [0, 1, 2, 3, 4, 6, 7, 8]);
    }

    #[test]
    fn an_entry_stays_five_words() {
        // `sub` fills padding: a million timers cost no more than before.
        assert_eq!(std::mem::size_of::<Entry>(), 40);
    }

    #[test]
    fn entries_of_one_tick_fire_in_exact_deadline_order() {
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w = Wheel::new();
        // (number, tick, sub): a later tick, a late and an early part of
        // tick 70, and a tie with the late one, which comes after it.
        for (n, tick, sub) in [(0, 71, 0), (1, 70, 900), (2, 70, 100), (3, 70, 900)] {
            w.insert(tick, sub, numbered(&log, n));
        }
        let mut fired = Vec::new();
        w.advance(80, &mut fired);
        fired.into_iter().for_each(|f| f.waker.wake());
        assert_eq!(*log.lock().unwrap(), [2, 1, 3, 0]);
    }

    #[test]
    fn removed_entries_do_not_fire_and_keys_are_reused() {
        let mut w = Wheel::new();
        let Insert::Pending(a) = w.insert(10, 0, Waker::noop().clone()) else {
            panic!()
        };
        let Insert::Pending(b) = w.insert(10, 0, Waker::noop().clone()) else {
            panic!()
        };
        assert!(w.remove(a).0);
        assert_eq!(fire(&mut w, 10), 1);
        assert!(w.is_fired(b));
        assert!(!w.remove(b).0, "already fired");
        let Insert::Pending(c) = w.insert(20, 0, Waker::noop().clone()) else {
            panic!()
        };
        assert!(c == a || c == b);
    }

    #[test]
    fn deadline_at_or_before_elapsed_is_due_at_once() {
        let mut w = Wheel::new();
        w.advance(50, &mut Vec::<Fired>::new());
        assert_eq!(w.insert(50, 0, Waker::noop().clone()), Insert::Due);
        assert_eq!(w.insert(3, 0, Waker::noop().clone()), Insert::Due);
    }

    #[test]
    fn entries_of_the_tick_under_way_fire_once_their_deadline_passes() {
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w = Wheel::new();
        for (n, sub) in [(0, 100), (1, 500), (2, 50)] {
            w.insert(10, sub, numbered(&log, n));
        }
        assert_eq!(w.next_due(), Some((10, 50)));
        let mut fired = Vec::new();
        // 60 into tick 10: only the deadline at 50 has passed.
        w.advance_within(9, 60, &mut fired);
        assert_eq!(fired.len(), 1);
        assert_eq!(w.next_due(), Some((10, 100)), "exact again after a walk");
        w.advance_within(9, 500, &mut fired);
        fired.into_iter().for_each(|f| f.waker.wake());
        assert_eq!(*log.lock().unwrap(), [2, 0, 1]);
        assert_eq!(w.pending(), 0);
        assert_eq!(w.next_due(), None);
    }

    #[test]
    fn a_timer_a_round_ahead_does_not_hide_nearer_top_level_ones() {
        let mut w = Wheel::new();
        w.advance(5 * TOP_SLOT + 10, &mut Vec::new());
        // Over 99 days off: the top slot under way, for its next round.
        let Insert::Pending(far) =
            w.insert(64 * TOP_SLOT + 5 * TOP_SLOT + 20, 1, Waker::noop().clone())
        else {
            panic!()
        };
        w.insert(7 * TOP_SLOT + 3, 1, Waker::noop().clone());
        assert_eq!(w.next_due(), Some((7 * TOP_SLOT, 0)));
        assert_eq!(fire(&mut w, 7 * TOP_SLOT + 3), 1);
        assert!(!w.is_fired(far));
    }

    /// A wheel 1,000 ticks before the start of the second top-level slot,
    /// with a timer 5 ticks into that slot.
    fn wheel_with_a_timer_just_past_a_top_slot_start() -> (Wheel, u32) {
        let mut w = Wheel::new();
        w.advance(TOP_SLOT - 1_000, &mut Vec::new());
        let Insert::Pending(crossing) = w.insert(TOP_SLOT + 5, 1, Waker::noop().clone()) else {
            panic!()
        };
        (w, crossing)
    }

    /// Found by review: the clock lands on the tick before a top-level
    /// slot, with another top-level slot occupied; the slot's cascade
    /// must not be mistaken for a later round's.
    #[test]
    fn a_top_level_slot_cascades_when_the_clock_stops_just_before_it() {
        let (mut w, crossing) = wheel_with_a_timer_just_past_a_top_slot_start();
        w.insert(5 * TOP_SLOT, 1, Waker::noop().clone());
        w.insert(TOP_SLOT - 1, 1, Waker::noop().clone());
        assert_eq!(fire(&mut w, TOP_SLOT + 100), 2);
        assert!(w.is_fired(crossing));
    }

    /// Found by review: an insert while the clock is on the tick before a
    /// top-level slot must not hide that slot's entries.
    #[test]
    fn an_insert_just_before_a_top_level_slot_leaves_its_entries_due() {
        let (mut w, crossing) = wheel_with_a_timer_just_past_a_top_slot_start();
        w.advance(TOP_SLOT - 1, &mut Vec::new());
        w.insert(TOP_SLOT + 50, 1, Waker::noop().clone());
        assert_eq!(w.next_due(), Some((TOP_SLOT + 5, 1)));
        assert_eq!(fire(&mut w, TOP_SLOT + 10), 1);
        assert!(w.is_fired(crossing));
    }

    #[test]
    fn a_dense_tick_fires_whole_at_its_end() {
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w = Wheel::new();
        // Inserted latest first: the batch still comes out by deadline.
        for n in (0..=DENSE as u32).rev() {
            w.insert(10, n + 1, numbered(&log, n));
        }
        assert_eq!(fire_within(&mut w, 9, 1_000), 0, "more than DENSE");
        assert_eq!(w.next_due(), Some((10, u32::MAX)));
        let mut fired = Vec::new();
        w.advance_within(10, 0, &mut fired);
        fired.into_iter().for_each(|f| f.waker.wake());
        assert_eq!(*log.lock().unwrap(), (0..=DENSE as u32).collect::<Vec<_>>());
    }

    #[test]
    fn a_tick_that_starts_a_level_0_round_fires_by_exact_deadline_too() {
        let mut w = Wheel::new();
        w.insert(64, 10, Waker::noop().clone());
        w.insert(64, 900, Waker::noop().clone());
        // On level 1 until the tick before its range.
        assert_eq!(w.next_due(), Some((64, 0)));
        assert_eq!(fire_within(&mut w, 63, 100), 1);
        assert_eq!(w.next_due(), Some((64, 900)));
        assert_eq!(fire_within(&mut w, 63, 900), 1);
        assert_eq!(w.pending(), 0);
    }

    #[test]
    fn a_removed_entry_leaves_a_lower_bound_that_the_next_walk_mends() {
        let mut w = Wheel::new();
        let Insert::Pending(early) = w.insert(5, 10, Waker::noop().clone()) else {
            panic!()
        };
        w.insert(5, 90, Waker::noop().clone());
        w.remove(early);
        assert_eq!(w.next_due(), Some((5, 10)), "a lower bound, not exact");
        assert_eq!(fire_within(&mut w, 4, 20), 0);
        assert_eq!(w.next_due(), Some((5, 90)));
    }

    fn fire_within(w: &mut Wheel, now: u64, sub: u32) -> usize {
        let mut v = Vec::new();
        w.advance_within(now, sub, &mut v);
        v.len()
    }

    /// Random exact deadlines against a model, near and far (up to the top
    /// level), with removals and clock jumps: nothing fires early, each
    /// fires at the first `advance_within` that passes it (a dense tick,
    /// or one that starts a top-level slot, at its end), batches come out
    /// in deadline order, and `next_due` is a lower bound.
    #[test]
    fn exact_deadlines_fire_once_passed_and_in_order() {
        const SUBS: u64 = 1_000;
        let (seeds, steps) = if cfg!(miri) { (1, 300) } else { (8, 4_000) };
        for seed0 in 1..=seeds {
            let mut w = Wheel::new();
            let mut seed = 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(seed0) | 1;
            let mut rand = move || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed
            };
            let mut live: Vec<(u64, u32, u32)> = Vec::new();
            // The clock: whole ticks passed, and how far into the next one.
            let (mut now, mut sub) = (0u64, 0u32);
            let fires_at = |dense: u64, &(tick, tsub, _): &(u64, u32, u32)| {
                let at_end = tick == dense;
                (tick, if at_end { u32::MAX } else { tsub })
            };
            for _ in 0..steps {
                let span = [3_000, 200_000, 300_000_000, SUBS << 38][(rand() % 4) as usize];
                let at = now * SUBS + u64::from(sub) + 1 + rand() % span;
                let (tick, tsub) = (at.div_ceil(SUBS), ((at - 1) % SUBS + 1) as u32);
                if let Insert::Pending(k) = w.insert(tick, tsub, Waker::noop().clone()) {
                    live.push((tick, tsub, k));
                }
                if rand() % 5 == 0 && !live.is_empty() {
                    let (_, _, k) = live.swap_remove(rand() as usize % live.len());
                    assert!(w.remove(k).0, "removed before it fired");
                }
                if rand() % 2 == 1 {
                    continue;
                }
                let step = [400, 5_000, 300_000, SUBS << 31][(rand() % 4) as usize];
                let mut clock = now * SUBS + u64::from(sub) + rand() % step;
                if rand() % 3 == 0 {
                    // Land a tick or two before the next top-level slot.
                    let next_top = (now / TOP_SLOT + 1) * TOP_SLOT;
                    clock = clock.max((next_top - 1 - rand() % 2) * SUBS + rand() % SUBS);
                }
                (now, sub) = (clock / SUBS, (clock % SUBS) as u32);
                let mut fired = Vec::new();
                w.advance_within(now, sub, &mut fired);
                assert!(fired.windows(2).all(|p| p[0].when <= p[1].when));
                for f in &fired {
                    let (t, s) = f.when;
                    assert!(t <= now || (t == now + 1 && s <= sub), "{:?} early", f.when);
                }
                for e in &live {
                    let (tick, tsub, k) = *e;
                    let passed = tick <= now || (tick == now + 1 && tsub <= sub);
                    let waits = fires_at(w.dense_tick, e).1 == u32::MAX && tick > now;
                    assert_eq!(
                        w.is_fired(k),
                        passed && !waits,
                        "({tick}, {tsub}) at ({now}, {sub})"
                    );
                }
                live.retain(|&(_, _, k)| {
                    if w.is_fired(k) {
                        w.remove(k);
                        false
                    } else {
                        true
                    }
                });
                match live.iter().map(|e| fires_at(w.dense_tick, e)).min() {
                    Some(first) => {
                        let next = w.next_due().expect("entries are pending");
                        assert!(
                            next <= first,
                            "{next:?} is no lower bound of {first:?}; elapsed {} state {:?}",
                            w.elapsed,
                            live.iter()
                                .filter(|e| fires_at(w.dense_tick, e) == first)
                                .map(|e| w.entries[e.2 as usize].state)
                                .collect::<Vec<_>>()
                        );
                    }
                    None => assert_eq!(w.next_due(), None),
                }
                assert_eq!(w.pending(), live.len());
            }
        }
    }

    /// Random deadlines against a sorted model: each fires in the first
    /// advance that reaches it.
    #[test]
    fn random_deadlines_match_a_sorted_model() {
        let mut w = Wheel::new();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut live = Vec::new();
        let mut now = 0;
        for _ in 0..2_000 {
            let d = now + 1 + rand() % 200_000;
            if let Insert::Pending(k) = w.insert(d, 0, Waker::noop().clone()) {
                live.push((d, k));
            }
            if rand() % 3 == 0 {
                now += rand() % 5_000;
                w.advance(now, &mut Vec::<Fired>::new());
                for &(d, k) in &live {
                    assert_eq!(w.is_fired(k), d <= now, "deadline {d} at {now}");
                }
                live.retain(|&(d, k)| {
                    if d <= now {
                        w.remove(k);
                        false
                    } else {
                        true
                    }
                });
            }
        }
        assert_eq!(w.pending(), live.len());
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
    use crate::loom::{lock, Arc, Mutex};
    use loom::thread;
    use std::task::Wake;

    struct CountWake(AtomicUsize);

    impl Wake for CountWake {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    /// The cancel-versus-fire race of the timer driver: a goroutine drops
    /// its sleep (`Driver::remove`) while a worker fires due timers
    /// (`Driver::process`: advance under the lock, wake after it). Exactly
    /// one side wins: either the cancel reports the timer still pending and
    /// it is never woken, or the firing wakes it once and the cancel
    /// reports it already fired. Never both, never neither.
    #[test]
    fn loom_cancel_and_fire_race_has_exactly_one_winner() {
        loom::model(|| {
            let woken = std::sync::Arc::new(CountWake(AtomicUsize::new(0)));
            let wheel = Arc::new(Mutex::new(Wheel::new()));
            let key = match lock(&wheel).insert(5, 0, Waker::from(woken.clone())) {
                Insert::Pending(k) => k,
                Insert::Due => unreachable!(),
            };
            let driver = {
                let wheel = wheel.clone();
                thread::spawn(move || {
                    let mut fired = Vec::new();
                    lock(&wheel).advance(5, &mut fired);
                    // Wakers run outside the lock, as in `Driver::process`.
                    fired.into_iter().for_each(|f: Fired| f.waker.wake());
                })
            };
            let (was_pending, waker) = lock(&wheel).remove(key);
            drop(waker);
            driver.join().unwrap();
            let wakes = woken.0.load(SeqCst);
            assert_eq!(wakes, if was_pending { 0 } else { 1 });
        });
    }
}
