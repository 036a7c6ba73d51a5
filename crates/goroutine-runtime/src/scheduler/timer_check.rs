//! When a busy worker reads the clock to look for due timers.
//!
//! Go's scheduler checks its P's timers on every schedule, reading the
//! clock whenever a timer exists, so a sleeper beside goroutines that keep
//! a P busy wakes a few µs late. Reading the clock costs about 23 ns here,
//! a fair part of a channel hand-off, and every 61st tick alone (our
//! maintenance tick) left a 1 ms sleeper beside a busy ping-pong pair about
//! 0.25 ms late. So a worker looks at the driver's next due time after
//! every poll (one atomic load) and reads the clock only when that time
//! may have come: it measures how long its polls take and, from the time
//! left, predicts the poll at which to look again, assuming polls twice as
//! long as measured. The measure rises at once and falls by an eighth per
//! read, so a few short polls among long ones (a sleeper beside goroutines
//! that compute) do not stretch the wait. Near a deadline it reads the
//! clock after every poll; with a timer far off, at least every
//! `MAX_STEPS / 2` polls, so a change in the polls' length is noticed. A
//! new timer due earlier than the one predicted for asks for a read at
//! once.

use std::cell::Cell;

use crate::time::NEVER;

/// Most poll-sequence steps between clock reads while a timer is pending
/// (a poll is two steps: 32 polls).
const MAX_STEPS: u64 = 64;

/// Fewest steps: the next poll.
const MIN_STEPS: u64 = 2;

/// After firing, the next look waits as if the next timer were at least
/// this far off (so about half of it, as predicted): each firing takes the
/// wheel's lock and may wake a worker, and with timers due every µs (a
/// million sleepers) firing after every poll cost throughput.
const BATCH_NS: u64 = 16_000;

/// The pace assumed before any is measured: 1 ms a poll. It falls by an
/// eighth per read, to a real 100 ns within about 70 reads.
const UNMEASURED_NS_PER_STEP: u64 = 500_000;

/// One worker's prediction (only its own thread touches it).
pub(crate) struct TimerCheck {
    /// The poll sequence number from which to read the clock again.
    next_seq: Cell<u64>,
    /// The due time the prediction was made for.
    due_seen: Cell<u64>,
    /// The clock, in ns since the driver started, at the last read...
    last_ns: Cell<u64>,
    /// ... and the poll sequence number then.
    last_seq: Cell<u64>,
    /// Measured ns per poll-sequence step: the latest measure, or seven
    /// eighths of the previous one if that is more.
    ns_per_step: Cell<u64>,
}

impl TimerCheck {
    pub(crate) fn new() -> TimerCheck {
        TimerCheck {
            next_seq: Cell::new(0),
            due_seen: Cell::new(NEVER),
            last_ns: Cell::new(0),
            last_seq: Cell::new(0),
            // Unmeasured: assume slow polls (a read after each) until
            // the measure falls to the real pace.
            ns_per_step: Cell::new(UNMEASURED_NS_PER_STEP),
        }
    }

    /// True if the clock should be read: a timer is pending, and either it
    /// may be due by poll sequence number `seq` or it is earlier than the
    /// one the prediction was made for.
    #[inline]
    pub(crate) fn wants_clock(&self, due: u64, seq: u64) -> bool {
        due != NEVER && (seq >= self.next_seq.get() || due < self.due_seen.get())
    }

    /// Records a clock read: `now_ns` at sequence number `seq`, with the
    /// next timer due at `due` (after firing what was due; `fired` if the
    /// driver was processed, which a higher level's cascade alone also
    /// asks for).
    pub(crate) fn clock_read(&self, now_ns: u64, seq: u64, due: u64, fired: bool) {
        let steps = seq.wrapping_sub(self.last_seq.get());
        if steps > 0 && now_ns > self.last_ns.get() {
            let measured = (now_ns - self.last_ns.get()) / steps;
            let decayed = self.ns_per_step.get() - self.ns_per_step.get() / 8;
            self.ns_per_step.set(measured.max(decayed).max(1));
        }
        self.last_ns.set(now_ns);
        self.last_seq.set(seq);
        self.due_seen.set(due);
        let mut left = due.saturating_sub(now_ns);
        if fired {
            // Timers due densely (a million sleepers) fire in batches.
            left = left.max(BATCH_NS);
        }
        let wait = steps_to_wait(left, self.ns_per_step.get());
        self.next_seq.set(seq.saturating_add(wait));
    }
}

/// Steps until the next read when the next timer is `left_ns` away and a
/// step takes `ns_per_step`: half the predicted number, clamped.
fn steps_to_wait(left_ns: u64, ns_per_step: u64) -> u64 {
    (left_ns / ns_per_step.saturating_mul(2).max(1)).clamp(MIN_STEPS, MAX_STEPS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A check whose measured pace is `ns_per_step`, last read at 0.
    fn paced(ns_per_step: u64) -> TimerCheck {
        let check = TimerCheck::new();
        check.ns_per_step.set(ns_per_step);
        check.clock_read(0, 0, NEVER, false);
        check
    }

    #[test]
    fn no_pending_timer_never_reads_the_clock() {
        let check = TimerCheck::new();
        assert!(!check.wants_clock(NEVER, 0));
        assert!(!check.wants_clock(NEVER, u64::MAX));
    }

    #[test]
    fn a_first_timer_asks_for_a_read_at_once() {
        let check = paced(100);
        assert!(check.wants_clock(5_000_000, 0));
    }

    #[test]
    fn an_unmeasured_pace_reads_after_every_poll() {
        let check = TimerCheck::new();
        check.clock_read(0, 0, 1_000_000, false);
        assert!(!check.wants_clock(1_000_000, MIN_STEPS - 1));
        assert!(check.wants_clock(1_000_000, MIN_STEPS));
    }

    #[test]
    fn a_far_timer_is_looked_at_every_32_polls() {
        let check = paced(100);
        // 100 steps took 10 µs: 100 ns a step; the timer is 1 s away.
        check.clock_read(10_000, 100, 1_000_000_000, false);
        assert!(!check.wants_clock(1_000_000_000, 100 + MAX_STEPS - 1));
        assert!(check.wants_clock(1_000_000_000, 100 + MAX_STEPS));
    }

    #[test]
    fn a_near_timer_is_looked_at_halfway_then_every_poll() {
        let check = paced(5_000);
        // 5 µs a step; the timer is 100 µs away: look after 10 steps.
        check.clock_read(50_000, 10, 150_000, false);
        assert!(!check.wants_clock(150_000, 19));
        assert!(check.wants_clock(150_000, 20));
        // 4 µs left: the next poll.
        check.clock_read(146_000, 20, 150_000, false);
        assert!(!check.wants_clock(150_000, 21));
        assert!(check.wants_clock(150_000, 22));
    }

    #[test]
    fn an_earlier_timer_than_predicted_for_asks_for_a_read() {
        let check = paced(100);
        check.clock_read(1_000, 10, 1_000_000_000, false);
        assert!(!check.wants_clock(1_000_000_000, 11));
        assert!(check.wants_clock(2_000, 11));
    }

    #[test]
    fn short_polls_among_long_ones_do_not_stretch_the_wait() {
        let check = paced(100);
        // Two polls of 1 ms (500 µs a step), then a poll of 1 µs that
        // arms a 1 ms timer: look again after the next poll, not 32.
        check.clock_read(2_000_000, 4, NEVER, false);
        check.clock_read(2_001_000, 6, 3_001_000, false);
        assert_eq!(check.ns_per_step.get(), 437_500);
        assert!(check.wants_clock(3_001_000, 8));
    }

    #[test]
    fn the_pace_falls_by_an_eighth_per_read() {
        let check = paced(800);
        check.clock_read(100, 10, NEVER, false);
        assert_eq!(check.ns_per_step.get(), 700);
    }

    #[test]
    fn after_a_firing_the_next_look_waits_for_a_batch() {
        let check = paced(1_000);
        // The next timer is due already; 1 µs a step: 8 steps, not 2.
        check.clock_read(10_000, 10, 5_000, true);
        assert!(!check.wants_clock(5_000, 17));
        assert!(check.wants_clock(5_000, 18));
    }

    #[test]
    fn a_clock_read_without_polls_keeps_the_measured_pace() {
        let check = paced(100);
        check.clock_read(1_000, 10, NEVER, false);
        // A park: a long time, no polls.
        check.clock_read(1_000_000, 10, 2_000_000, false);
        assert_eq!(check.ns_per_step.get(), 100);
    }
}
