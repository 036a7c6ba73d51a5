//! Read and write deadlines: Go's `SetReadDeadline` (an absolute instant)
//! and a per-operation timeout, on one lazily armed timer.
//!
//! One `Deadline` guards one direction of one socket handle. An operation
//! asks it twice:
//!
//! 1. before trying the system call ([`Deadline::check`]): an absolute
//!    deadline already in the past fails at once, even if data is waiting,
//!    as in Go;
//! 2. after the call would block ([`Deadline::poll_expired`]): the
//!    operation's effective deadline is the earlier of the absolute one and
//!    "first wait + timeout"; if it has passed the operation fails with
//!    `TimedOut`, otherwise the timer is armed so the goroutine wakes then.
//!
//! The timer is armed *lazily*: a timer already registered for an instant
//! at or before the effective deadline is kept. It may then fire early (the
//! deadline moved later since), in which case the wake-up finds the
//! deadline not yet passed and re-arms. With a per-operation timeout this
//! means a keep-alive connection touches the timer wheel about once per
//! timeout period instead of once per request, and a read that finds data
//! ready never touches it at all.

use std::io;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use goroutine_runtime::timer::TimerEntry;

/// The error of an operation whose deadline passed: Go's "i/o timeout".
pub(crate) fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "i/o timeout")
}

/// Deadline state for one direction of one handle.
pub(crate) struct Deadline {
    /// Absolute deadline for every operation (`set_read_deadline`).
    at: Option<Instant>,
    /// Longest one operation may wait (`set_read_timeout`).
    timeout: Option<Duration>,
    /// `first wait + timeout` of the operation in progress; `None` until
    /// the operation first waits, reset when it completes.
    op: Option<Instant>,
    /// Registered for some instant at or before the effective deadline.
    timer: TimerEntry,
    /// The waker the timer was last polled with.
    waker: Option<Waker>,
}

impl Deadline {
    pub(crate) fn new() -> Deadline {
        Deadline {
            at: None,
            timeout: None,
            op: None,
            timer: TimerEntry::new(None),
            waker: None,
        }
    }

    pub(crate) fn set_deadline(&mut self, at: Option<Instant>) {
        self.at = at;
        self.disarm_if_unused();
    }

    pub(crate) fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
        self.op = None;
        self.disarm_if_unused();
    }

    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.at
    }

    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// With neither a deadline nor a timeout, drop the timer so it cannot
    /// wake the goroutine for nothing.
    fn disarm_if_unused(&mut self) {
        if self.at.is_none() && self.timeout.is_none() && self.timer.deadline().is_some() {
            self.timer.reset(None);
            self.waker = None;
        }
    }

    /// A new operation starts (inherent methods call this, so a cancelled
    /// operation's clock does not carry over).
    pub(crate) fn begin(&mut self) {
        self.op = None;
    }

    /// The operation completed (successfully or not).
    pub(crate) fn done(&mut self) {
        self.op = None;
    }

    /// Step 1: `Err(TimedOut)` if the absolute deadline has passed.
    #[inline]
    pub(crate) fn check(&mut self) -> io::Result<()> {
        match self.at {
            Some(at) if Instant::now() >= at => {
                self.op = None;
                Err(timed_out())
            }
            _ => Ok(()),
        }
    }

    /// Step 2, after the operation would block: true if its deadline has
    /// passed (the operation then counts as done); otherwise the timer will
    /// wake `cx` at the deadline.
    pub(crate) fn poll_expired(&mut self, cx: &mut Context<'_>) -> bool {
        if self.at.is_none() && self.timeout.is_none() {
            return false;
        }
        let now = Instant::now();
        if self.op.is_none() {
            // `None` on overflow: a timeout too long to represent never fires.
            self.op = self.timeout.and_then(|t| now.checked_add(t));
        }
        let effective = match (self.at, self.op) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => return false,
        };
        if now >= effective {
            self.op = None;
            return true;
        }
        // Keep a timer due at or before `effective` that has not passed;
        // otherwise register one for `effective`.
        let keep = matches!(self.timer.deadline(), Some(d) if d > now && d <= effective);
        if !keep {
            self.timer.reset(Some(effective));
            self.waker = None;
        }
        let same_waker = matches!(&self.waker, Some(w) if w.will_wake(cx.waker()));
        if !same_waker {
            if self.timer.poll_elapsed(cx).is_ready() {
                // The deadline passed while we were arming.
                self.op = None;
                return true;
            }
            self.waker = Some(cx.waker().clone());
        }
        false
    }
}

impl std::fmt::Debug for Deadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deadline")
            .field("at", &self.at)
            .field("timeout", &self.timeout)
            .finish()
    }
}
