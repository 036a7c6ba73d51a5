//! `timeout`: a deadline around any future.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use goroutine_runtime::coop;
use goroutine_runtime::debug::{set_wait_reason_if_unset, WaitReason};

use crate::sleep::Sleep;

/// The error of a [`timeout`] whose deadline passed first.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// # goroutine::block_on(async {
/// let r = goroutine::time::timeout(Duration::from_millis(1), std::future::pending::<()>()).await;
/// let err: goroutine::time::Elapsed = r.unwrap_err();
/// assert_eq!(err.to_string(), "deadline has elapsed");
/// # });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

/// Runs `future` until it completes or `d` elapses, whichever comes first.
///
/// `Duration::MAX` means no deadline. The future is polled before the
/// deadline is checked, so a future that is ready at once wins even with a
/// zero duration. The timer is removed as soon as the `Timeout` completes
/// or is dropped.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// # goroutine::block_on(async {
/// let (tx, rx) = goroutine::chan::bounded::<i32>(1);
/// tx.send(7).await.unwrap();
/// let v = goroutine::time::timeout(Duration::from_millis(50), rx.recv()).await;
/// assert_eq!(v, Ok(Some(7)));
/// let none = goroutine::time::timeout(Duration::from_millis(5), rx.recv()).await;
/// assert!(none.is_err());
/// # });
/// ```
///
/// # Cancel safety
///
/// As cancel-safe as `future` itself: on timeout, `future` is dropped.
pub fn timeout<F: Future>(d: Duration, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: Sleep::new(Instant::now().checked_add(d)),
    }
}

/// Like [`timeout`], with an absolute deadline.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// # goroutine::block_on(async {
/// let deadline = Instant::now() + Duration::from_millis(2);
/// let r = goroutine::time::timeout_at(deadline, std::future::pending::<()>()).await;
/// assert!(r.is_err());
/// # });
/// ```
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: Sleep::new(Some(deadline)),
    }
}

pin_project_lite::pin_project! {
    /// Future returned by [`timeout`] and [`timeout_at`].
    #[must_use = "futures do nothing unless polled"]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        #[pin]
        sleep: Sleep,
    }
}

impl<F> Timeout<F> {
    /// The wrapped future.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = goroutine::time::timeout(std::time::Duration::from_secs(1), async { 5 });
    /// let _inner = t.get_ref();
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The wrapped future, giving up the deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let t = goroutine::time::timeout(std::time::Duration::from_secs(1), async { 5 });
    /// assert_eq!(t.into_inner().await, 5);
    /// # });
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(v) = this.future.poll(cx) {
            return Poll::Ready(Ok(v));
        }
        // If the inner future spent the whole budget, still look at the
        // deadline, so a busy inner future cannot postpone it forever. The
        // deadline's own poll records no wait reason (see below).
        let sleep = this.sleep.get_mut();
        let deadline = if had_budget && !coop::has_budget_remaining() {
            let mut free = coop::unconstrained(std::future::poll_fn(|cx| sleep.poll_quietly(cx)));
            Pin::new(&mut free).poll(cx)
        } else {
            sleep.poll_quietly(cx)
        };
        if deadline.is_pending() {
            // A goroutine waits here on the inner future, whose reason (if it
            // recorded one) says more than the deadline's.
            set_wait_reason_if_unset(WaitReason::Timer);
        }
        deadline.map(|()| Err(Elapsed(())))
    }
}

impl<F> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("deadline", &self.sleep.deadline())
            .finish_non_exhaustive()
    }
}
