//! Deadlines registered with a runtime's timer driver: the building block
//! of `goroutine::time` (`sleep`, `timeout`, `Timer`, `Ticker`).
//!
//! ```
//! use std::time::{Duration, Instant};
//! use goroutine::timer::TimerEntry;
//!
//! # goroutine::block_on(async {
//! let start = Instant::now();
//! let mut entry = TimerEntry::new(Some(start + Duration::from_millis(5)));
//! std::future::poll_fn(|cx| entry.poll_elapsed(cx)).await;
//! assert!(start.elapsed() >= Duration::from_millis(5));
//! # });
//! ```
//!
//! The driver is a hierarchical timing wheel with 1 ms slots: inserting and
//! cancelling are O(1), an entry costs one 40-byte slot in the wheel, and a
//! deadline is rounded *up* to the next millisecond, so an entry never
//! fires before its deadline. It fires within about a millisecond after it
//! on an idle machine. No thread exists just for timers: the workers drive
//! the wheel (see `docs/architecture.md`).

use std::fmt;
use std::task::{Context, Poll};
use std::time::Instant;

use crate::runtime::{current, Handle};
use crate::time::Insert;

/// One deadline, registered with the current runtime's timer driver on its
/// first poll and removed when it fires, is reset, or is dropped.
///
/// The runtime is the one the first poll runs in: a worker's, the one
/// entered by `block_on`, or the global runtime (for futures polled by
/// other executors).
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// # goroutine::block_on(async {
/// let mut t = goroutine::timer::TimerEntry::new(Some(Instant::now() + Duration::from_millis(1)));
/// std::future::poll_fn(|cx| t.poll_elapsed(cx)).await;
/// assert!(t.is_elapsed());
/// # });
/// ```
pub struct TimerEntry {
    handle: Option<Handle>,
    deadline: Option<Instant>,
    key: Option<u32>,
    fired: bool,
}

impl TimerEntry {
    /// An entry for `deadline`; `None` never fires.
    ///
    /// # Examples
    ///
    /// ```
    /// let never = goroutine::timer::TimerEntry::new(None);
    /// assert_eq!(never.deadline(), None);
    /// ```
    pub fn new(deadline: Option<Instant>) -> TimerEntry {
        TimerEntry {
            handle: None,
            deadline,
            key: None,
            fired: false,
        }
    }

    /// The deadline (`None`: never).
    ///
    /// # Examples
    ///
    /// ```
    /// let at = std::time::Instant::now();
    /// assert_eq!(goroutine::timer::TimerEntry::new(Some(at)).deadline(), Some(at));
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// True once a poll has returned `Ready`.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = goroutine::timer::TimerEntry::new(None);
    /// assert!(!t.is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        self.fired
    }

    /// `Ready` once the deadline has passed; otherwise registers (or
    /// refreshes) `cx`'s waker to be woken then.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// let mut t = goroutine::timer::TimerEntry::new(Some(std::time::Instant::now()));
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert_eq!(t.poll_elapsed(&mut cx), Poll::Ready(()));
    /// ```
    pub fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.fired {
            return Poll::Ready(());
        }
        let Some(deadline) = self.deadline else {
            return Poll::Pending;
        };
        if let Some(key) = self.key {
            let handle = self
                .handle
                .as_ref()
                .expect("registered entries have a runtime");
            if handle.shared.driver.poll_key(key, cx.waker()) {
                self.key = None;
                self.fired = true;
                return Poll::Ready(());
            }
            return Poll::Pending;
        }
        if Instant::now() >= deadline {
            self.fired = true;
            return Poll::Ready(());
        }
        let handle = self.handle.get_or_insert_with(current);
        let (out, owner) = handle.shared.driver.insert(deadline, cx.waker());
        if let Some(worker) = owner {
            // The worker sleeping for the timers sleeps past our deadline.
            handle.shared.unpark(worker);
        }
        match out {
            Insert::Pending(key) => {
                self.key = Some(key);
                Poll::Pending
            }
            Insert::Due => {
                self.fired = true;
                Poll::Ready(())
            }
        }
    }

    /// Cancels any registration and arms the entry for `deadline`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let mut t = goroutine::timer::TimerEntry::new(None);
    /// t.reset(Some(Instant::now() + Duration::from_secs(1)));
    /// assert!(t.deadline().is_some() && !t.is_elapsed());
    /// ```
    pub fn reset(&mut self, deadline: Option<Instant>) {
        self.cancel();
        self.deadline = deadline;
        self.fired = false;
    }

    /// Removes the registration. Returns true if the entry was registered
    /// and had not fired.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut t = goroutine::timer::TimerEntry::new(None);
    /// assert!(!t.cancel());
    /// ```
    pub fn cancel(&mut self) -> bool {
        match (self.key.take(), &self.handle) {
            (Some(key), Some(handle)) => handle.shared.driver.remove(key),
            _ => false,
        }
    }
}

impl Drop for TimerEntry {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl fmt::Debug for TimerEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerEntry")
            .field("deadline", &self.deadline)
            .field("registered", &self.key.is_some())
            .field("elapsed", &self.fired)
            .finish()
    }
}

/// Timers pending in the current runtime's driver (for tests and dumps).
///
/// # Examples
///
/// ```
/// let rt = goroutine::runtime::Runtime::new().unwrap();
/// assert_eq!(rt.block_on(async { goroutine::timer::pending() }), 0);
/// ```
pub fn pending() -> usize {
    current().shared.driver.pending()
}
