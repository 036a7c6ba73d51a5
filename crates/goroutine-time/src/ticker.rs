//! `Ticker` and `tick`: Go's `time.NewTicker` and `time.Tick`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use goroutine_chan::{bounded, Receiver};

use crate::core::Core;

/// Sends the time on a channel every period: Go's `time.Ticker`.
///
/// A reader that falls behind misses ticks instead of queueing them (at
/// most one tick waits in the channel), and the ticker skips the ticks it
/// could not deliver rather than firing them in a burst. After
/// [`stop`](Ticker::stop) or [`reset`](Ticker::reset) returns, no tick from
/// before the call is received (Go 1.23). Dropping the `Ticker` stops it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// # goroutine::block_on(async {
/// let ticker = goroutine::time::Ticker::new(Duration::from_millis(2));
/// for _ in 0..3 {
///     ticker.receiver().recv().await.unwrap();
/// }
/// ticker.stop();
/// # });
/// ```
pub struct Ticker {
    core: Arc<Core>,
}

#[track_caller]
fn check_period(d: Duration, what: &str) {
    assert!(!d.is_zero(), "non-positive interval for {what}");
}

impl Ticker {
    /// A ticker with period `d`; the first tick comes after `d`.
    ///
    /// # Panics
    ///
    /// If `d` is zero, with Go's message "non-positive interval for
    /// NewTicker".
    ///
    /// # Examples
    ///
    /// ```
    /// let t = goroutine::time::Ticker::new(std::time::Duration::from_secs(1));
    /// # drop(t);
    /// ```
    #[track_caller]
    pub fn new(d: Duration) -> Ticker {
        check_period(d, "NewTicker");
        let core = Core::new(Some(d), None);
        core.start_after(d);
        Ticker { core }
    }

    /// The channel ticks are sent on.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// # goroutine::block_on(async {
    /// let t = goroutine::time::Ticker::new(Duration::from_millis(1));
    /// let a = t.receiver().recv().await.unwrap();
    /// let b = t.receiver().recv().await.unwrap();
    /// assert!(b > a);
    /// # });
    /// ```
    pub fn receiver(&self) -> &Receiver<Instant> {
        self.core.receiver()
    }

    /// Stops the ticker; no more ticks are sent, and a tick waiting in the
    /// channel is discarded. Returns true if the ticker was running or had
    /// an undelivered tick.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = goroutine::time::Ticker::new(std::time::Duration::from_secs(1));
    /// assert!(t.stop());
    /// assert!(!t.stop());
    /// ```
    pub fn stop(&self) -> bool {
        self.core.stop()
    }

    /// Changes the period to `d`; the next tick comes `d` from now. Returns
    /// what [`stop`](Ticker::stop) would have.
    ///
    /// # Panics
    ///
    /// If `d` is zero ("non-positive interval for Ticker.Reset").
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// # goroutine::block_on(async {
    /// let t = goroutine::time::Ticker::new(Duration::from_secs(3600));
    /// t.reset(Duration::from_millis(1));
    /// assert!(t.receiver().recv().await.is_some());
    /// # });
    /// ```
    #[track_caller]
    pub fn reset(&self, d: Duration) -> bool {
        check_period(d, "Ticker.Reset");
        self.core.reset(d, Some(d))
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.core.shut();
    }
}

impl fmt::Debug for Ticker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticker").finish_non_exhaustive()
    }
}

/// A channel that receives the time every `d`: Go's `time.Tick`. The
/// ticker stops at its next tick after every receiver has been dropped.
///
/// A zero `d` gives a channel that never receives (Go returns a nil
/// channel).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// # goroutine::block_on(async {
/// let ticks = goroutine::time::tick(Duration::from_millis(1));
/// let mut n = 0;
/// while let Some(_t) = ticks.recv().await {
///     n += 1;
///     if n == 3 {
///         break;
///     }
/// }
/// # });
/// ```
#[track_caller]
pub fn tick(d: Duration) -> Receiver<Instant> {
    if d.is_zero() {
        let (tx, rx) = bounded(0);
        // A channel nobody will ever send on, and that never closes: Go's
        // nil channel. (`keep_open` instead of leaking the sender, so the
        // channel is freed with its receiver.)
        tx.keep_open();
        return rx;
    }
    let (core, rx) = Core::detached(Some(d));
    core.start_after(d);
    rx
}
