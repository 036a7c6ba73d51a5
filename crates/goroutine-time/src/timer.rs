//! `Timer`, `after` and `after_func`: Go's `time.NewTimer`, `time.After`,
//! `time.AfterFunc`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use goroutine_chan::Receiver;

use crate::core::Core;

/// A single event in the future, delivered on a channel: Go's `time.Timer`.
///
/// When the timer fires, the current time is sent on
/// [`receiver`](Timer::receiver). [`stop`](Timer::stop) and
/// [`reset`](Timer::reset) follow Go 1.23: once they return, no value from
/// before the call is received, so there is no need to drain the channel.
///
/// Dropping the `Timer` stops it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use goroutine::time::Timer;
/// # goroutine::block_on(async {
/// let t = Timer::new(Duration::from_millis(5));
/// let fired_at = t.receiver().recv().await.unwrap();
/// assert!(fired_at.elapsed() < Duration::from_secs(5));
///
/// let t2 = Timer::new(Duration::from_secs(3600));
/// assert!(t2.stop(), "stopped before it fired");
/// # });
/// ```
///
/// # Go
///
/// | Go | goroutine |
/// |---|---|
/// | `t := time.NewTimer(d)` | `let t = Timer::new(d);` |
/// | `<-t.C` | `t.receiver().recv().await` |
/// | `t.Stop()` / `t.Reset(d)` | `t.stop()` / `t.reset(d)` |
///
/// Differences: the channel has a capacity of 1, so once the timer has
/// fired and its value waits unreceived, `len()` is 1 and `capacity()` is
/// `Some(1)` (Go 1.23's timer channel reports 0 for both; what `stop`,
/// `reset` and receives do is the same); and dropping the `Timer` stops
/// it.
pub struct Timer {
    core: Arc<Core>,
    /// False for `after_func` timers, whose call outlives the handle.
    stop_on_drop: bool,
}

impl Timer {
    /// A timer that fires once, after `d` (at once for a zero duration).
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let t = goroutine::time::Timer::new(std::time::Duration::ZERO);
    /// assert!(t.receiver().recv().await.is_some());
    /// # });
    /// ```
    pub fn new(d: Duration) -> Timer {
        let core = Core::new(None, None);
        core.start_after(d);
        Timer {
            core,
            stop_on_drop: true,
        }
    }

    /// The channel the firing time is sent on.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// # goroutine::block_on(async {
    /// let t = goroutine::time::Timer::new(Duration::from_millis(1));
    /// goroutine::select! {
    ///     Some(_) = t.receiver().recv() => println!("timer fired"),
    /// }
    /// # });
    /// ```
    pub fn receiver(&self) -> &Receiver<Instant> {
        self.core.receiver()
    }

    /// Stops the timer. Returns true if the call stopped it before it
    /// delivered its value; false if it had already been received or the
    /// timer was already stopped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// # goroutine::block_on(async {
    /// let t = goroutine::time::Timer::new(Duration::from_millis(1));
    /// goroutine::time::sleep(Duration::from_millis(20)).await;
    /// // Fired, but not received: Go 1.23 counts that as stopped in time.
    /// assert!(t.stop());
    /// assert!(t.receiver().try_recv().is_err(), "no stale value");
    /// assert!(!t.stop());
    /// # });
    /// ```
    pub fn stop(&self) -> bool {
        self.core.stop()
    }

    /// Stops the timer and arms it to fire after `d`. Returns what
    /// [`stop`](Timer::stop) would have.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// # goroutine::block_on(async {
    /// let t = goroutine::time::Timer::new(Duration::from_secs(3600));
    /// assert!(t.reset(Duration::from_millis(1)));
    /// assert!(t.receiver().recv().await.is_some());
    /// # });
    /// ```
    pub fn reset(&self, d: Duration) -> bool {
        self.core.reset(d, None)
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if self.stop_on_drop {
            self.core.shut();
        }
    }
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer").finish_non_exhaustive()
    }
}

/// A channel that receives the time once `d` has elapsed: Go's
/// `time.After`. Use it as a `select!` arm:
///
/// ```
/// use std::time::Duration;
/// # goroutine::block_on(async {
/// let (_tx, rx) = goroutine::chan::bounded::<i32>(0);
/// goroutine::select! {
///     v = rx.recv() => println!("got {v:?}"),
///     _ = goroutine::time::after(Duration::from_millis(5)).recv() => println!("timeout"),
/// }
/// # });
/// ```
///
/// The timer runs until it fires even if the receiver is dropped first (its
/// value is then discarded). As in Go, the channel is never closed: a
/// second receive waits for ever.
pub fn after(d: Duration) -> Receiver<Instant> {
    let (core, rx) = Core::detached(None);
    core.start_after(d);
    rx
}

/// Runs `f` in its own goroutine once `d` has elapsed: Go's
/// `time.AfterFunc`. The returned timer's [`stop`](Timer::stop) prevents
/// the call if it has not started; its channel never receives anything.
/// [`reset`](Timer::reset) before the call moves it; after the call it
/// runs nothing (`f` is `FnOnce`, where Go would call it again).
///
/// Unlike a [`Timer`] from [`Timer::new`], dropping the returned timer does
/// *not* cancel the call (Go's `AfterFunc` runs `f` whether or not the
/// timer is kept); call `stop` to cancel.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// # goroutine::block_on(async {
/// let (tx, rx) = goroutine::chan::bounded(1);
/// let _t = goroutine::time::after_func(Duration::from_millis(2), move || {
///     tx.try_send("called").unwrap();
/// });
/// assert_eq!(rx.recv().await, Some("called"));
///
/// let t = goroutine::time::after_func(Duration::from_secs(3600), || unreachable!());
/// assert!(t.stop());
/// # });
/// ```
pub fn after_func(d: Duration, f: impl FnOnce() + Send + 'static) -> Timer {
    let core = Core::new(None, Some(Box::new(f)));
    core.start_after(d);
    Timer {
        core,
        stop_on_drop: false,
    }
}
