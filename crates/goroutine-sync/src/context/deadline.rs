//! Arming a context's deadline: run a function once a duration has passed,
//! unless stopped first — Go's `time.AfterFunc`, which is exactly what
//! `goroutine_time::after_func` provides (no goroutine or thread waits for
//! the deadline; the timer driver fires it).

use std::time::Duration;

/// Stops an armed deadline: `stop` returns true if the call kept the
/// function from running.
pub(crate) type DeadlineGuard = goroutine_time::Timer;

/// Runs `f` in a goroutine of its own once `d` has passed, unless stopped.
pub(crate) fn arm_deadline(d: Duration, f: impl FnOnce() + Send + 'static) -> DeadlineGuard {
    goroutine_time::after_func(d, f)
}
