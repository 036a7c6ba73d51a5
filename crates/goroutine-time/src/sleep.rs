//! `sleep` and `sleep_until`: Go's `time.Sleep`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use goroutine_runtime::coop;
use goroutine_runtime::debug::{set_wait_reason, WaitReason};
use goroutine_runtime::timer::TimerEntry;

/// Waits until `d` has elapsed: Go's `time.Sleep(d)`.
///
/// A zero duration completes at once (after spending one unit of coop
/// budget); `Duration::MAX` never completes. The timer is registered on the
/// first poll and removed when the future is dropped.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// # goroutine::block_on(async {
/// let start = Instant::now();
/// goroutine::time::sleep(Duration::from_millis(10)).await;
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping it before it completes cancels the timer; nothing else happens.
///
/// # Go
///
/// `time.Sleep(d)`; in a `select!` arm it plays the part of
/// `case <-time.After(d):` without a channel.
pub fn sleep(d: Duration) -> Sleep {
    Sleep::new(Instant::now().checked_add(d))
}

/// Waits until `deadline`.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// # goroutine::block_on(async {
/// let deadline = Instant::now() + Duration::from_millis(5);
/// goroutine::time::sleep_until(deadline).await;
/// assert!(Instant::now() >= deadline);
/// # });
/// ```
///
/// # Cancel safety
///
/// As [`sleep`].
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(Some(deadline))
}

/// Future returned by [`sleep`] and [`sleep_until`].
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// # goroutine::block_on(async {
/// let mut s = Box::pin(goroutine::time::sleep(Duration::from_secs(3600)));
/// s.as_mut().reset(Instant::now());
/// s.await;
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Sleep {
    entry: TimerEntry,
}

impl Sleep {
    pub(crate) fn new(deadline: Option<Instant>) -> Sleep {
        Sleep {
            entry: TimerEntry::new(deadline),
        }
    }

    /// The instant it completes at (`None`: never).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = goroutine::time::sleep(std::time::Duration::MAX);
    /// assert_eq!(s.deadline(), None);
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.entry.deadline()
    }

    /// True once it has completed.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let mut s = Box::pin(goroutine::time::sleep(std::time::Duration::ZERO));
    /// s.as_mut().await;
    /// assert!(s.is_elapsed());
    /// # });
    /// ```
    pub fn is_elapsed(&self) -> bool {
        self.entry.is_elapsed()
    }

    /// Moves the deadline, whether or not it has completed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let mut s = Box::pin(goroutine::time::sleep(Duration::from_secs(1)));
    /// let soon = Instant::now() + Duration::from_millis(1);
    /// s.as_mut().reset(soon);
    /// assert_eq!(s.deadline(), Some(soon));
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        self.get_mut().entry.reset(Some(deadline));
    }

    /// [`poll`](Future::poll) without recording a wait reason: for
    /// [`timeout`](crate::timeout), whose goroutine waits on the inner
    /// future (a channel, a lock), which is what a dump should name.
    pub(crate) fn poll_quietly(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let progress = std::task::ready!(coop::poll_proceed(cx));
        let elapsed = self.entry.poll_elapsed(cx);
        if elapsed.is_ready() {
            progress.made_progress();
        }
        elapsed
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let elapsed = self.get_mut().poll_quietly(cx);
        if elapsed.is_pending() {
            set_wait_reason(WaitReason::Sleep);
        }
        elapsed
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline())
            .field("elapsed", &self.is_elapsed())
            .finish()
    }
}
