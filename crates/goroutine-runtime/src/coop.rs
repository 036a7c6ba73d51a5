//! Cooperative scheduling: the preemption budget.
//!
//! Goroutines are stackless futures, so the runtime cannot interrupt one in
//! the middle of a poll. A goroutine that always finds its channel ready
//! would otherwise never return `Pending` and would keep every other
//! goroutine on its worker waiting. The budget fixes that: each poll of a
//! goroutine starts with a budget (128 units by default, see
//! [`Builder::budget`](crate::runtime::Builder::budget)), every channel, sync
//! and time operation that *completes* spends one unit, and when the budget
//! is spent the next such operation wakes its goroutine and returns
//! `Pending`. The goroutine goes to the back of its worker's run queue and
//! the others get their turn.
//!
//! ```
//! # goroutine::block_on(async {
//! let (tx, rx) = goroutine::chan::unbounded();
//! for i in 0..1000 {
//!     tx.send(i).await.unwrap();
//! }
//! drop(tx);
//! let mut sum = 0;
//! // Every receive spends budget: this loop yields to other goroutines
//! // about every 128 messages even though the channel is never empty.
//! while let Some(v) = rx.recv().await {
//!     sum += v;
//! }
//! assert_eq!(sum, 499_500);
//! # });
//! ```
//!
//! Only goroutines running on a worker have a budget; futures polled by
//! [`block_on`](crate::block_on) or by another executor are unconstrained,
//! so the operations of this project stay plain futures that work anywhere.
//!
//! # For library authors
//!
//! A leaf future that can complete without ever returning `Pending` (a
//! channel receive that finds a value, a lock that is free) calls
//! [`poll_proceed`] first and reports real progress with
//! [`Progress::made_progress`]; if it ends up returning `Pending` anyway,
//! dropping the [`Progress`] gives the unit back, so only completed
//! operations are charged.
//!
//! ```
//! use std::task::{Context, Poll};
//! use goroutine::coop;
//!
//! fn poll_ready_flag(ready: bool, cx: &mut Context<'_>) -> Poll<()> {
//!     let progress = std::task::ready!(coop::poll_proceed(cx));
//!     if ready {
//!         progress.made_progress();
//!         Poll::Ready(())
//!     } else {
//!         // `progress` is dropped here: the unit is refunded.
//!         Poll::Pending
//!     }
//! }
//! # let waker = std::task::Waker::noop();
//! # let mut cx = Context::from_waker(&waker);
//! # assert_eq!(poll_ready_flag(true, &mut cx), Poll::Ready(()));
//! ```

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The default budget, as in tokio: each poll of a goroutine may complete
/// this many operations before it is forced to yield.
pub(crate) const DEFAULT_BUDGET: u16 = 128;

/// Remaining units in the current poll; `None` means unconstrained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Budget(Option<u16>);

impl Budget {
    pub(crate) const fn initial(units: u16) -> Budget {
        Budget(Some(units))
    }

    pub(crate) const fn unconstrained() -> Budget {
        Budget(None)
    }

    /// True when the budget is limited and spent.
    pub(crate) fn is_exhausted(self) -> bool {
        self.0 == Some(0)
    }
}

thread_local! {
    static BUDGET: Cell<Budget> = const { Cell::new(Budget::unconstrained()) };
}

/// Runs `f` with `budget` as the current budget and returns what is left of
/// it afterwards, restoring the previous budget (also on unwind).
pub(crate) fn with_budget<R>(budget: Budget, f: impl FnOnce() -> R) -> (R, Budget) {
    struct Reset(Budget);
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = BUDGET.try_with(|b| b.set(self.0));
        }
    }
    let prev = BUDGET.with(|b| b.replace(budget));
    let reset = Reset(prev);
    let out = f();
    let left = BUDGET.with(|b| b.get());
    drop(reset);
    (out, left)
}

/// Spends one unit of the running goroutine's budget, or, when it is spent,
/// wakes the goroutine and returns `Pending` (a forced yield).
///
/// Call it at the top of a leaf future's `poll`; keep the returned
/// [`Progress`] and call [`Progress::made_progress`] when the operation
/// completes. Outside a goroutine (in [`block_on`](crate::block_on), in
/// another executor, in [`unconstrained`]) it is always ready and spends
/// nothing.
///
/// # Examples
///
/// ```
/// use std::task::{Context, Poll};
/// let waker = std::task::Waker::noop();
/// let mut cx = Context::from_waker(&waker);
/// // Outside a goroutine there is no budget: always ready.
/// let Poll::Ready(progress) = goroutine::coop::poll_proceed(&mut cx) else { unreachable!() };
/// progress.made_progress();
/// ```
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<Progress> {
    BUDGET.with(|cell| {
        let budget = cell.get();
        match budget.0 {
            None => Poll::Ready(Progress { charged: false }),
            Some(0) => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Some(n) => {
                cell.set(Budget(Some(n - 1)));
                Poll::Ready(Progress { charged: true })
            }
        }
    })
}

/// One unit of budget taken by [`poll_proceed`].
///
/// Dropping it without calling [`made_progress`](Progress::made_progress)
/// gives the unit back: an operation that ends up `Pending` costs nothing.
#[must_use = "call `made_progress` when the operation completes, or drop to refund"]
pub struct Progress {
    charged: bool,
}

impl Progress {
    /// Keeps the unit spent: the operation completed.
    ///
    /// # Examples
    ///
    /// ```
    /// # let waker = std::task::Waker::noop();
    /// # let mut cx = std::task::Context::from_waker(&waker);
    /// if let std::task::Poll::Ready(p) = goroutine::coop::poll_proceed(&mut cx) {
    ///     p.made_progress();
    /// }
    /// ```
    #[inline]
    pub fn made_progress(mut self) {
        self.charged = false;
    }
}

impl Drop for Progress {
    #[inline]
    fn drop(&mut self) {
        if self.charged {
            let _ = BUDGET.try_with(|cell| {
                if let Budget(Some(n)) = cell.get() {
                    cell.set(Budget(Some(n.saturating_add(1))));
                }
            });
        }
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Progress")
            .field("charged", &self.charged)
            .finish()
    }
}

/// True when the running goroutine may still complete an operation without
/// being forced to yield (always true outside a goroutine).
///
/// # Examples
///
/// ```
/// assert!(goroutine::coop::has_budget_remaining());
/// ```
pub fn has_budget_remaining() -> bool {
    !BUDGET.with(|b| b.get()).is_exhausted()
}

/// A yield point for loops that do no channel, sync or time operation:
/// spends one unit of budget, and yields only when the budget is spent.
///
/// Cheaper than [`yield_now`](crate::yield_now), which always yields.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let mut total = 0u64;
/// for i in 0..10_000u64 {
///     total += i;
///     goroutine::coop::consume_budget().await; // lets other goroutines in now and then
/// }
/// assert_eq!(total, 49_995_000);
/// # });
/// ```
pub async fn consume_budget() {
    std::future::poll_fn(|cx| {
        let progress = std::task::ready!(poll_proceed(cx));
        progress.made_progress();
        Poll::Ready(())
    })
    .await
}

pin_project_lite::pin_project! {
    /// Future returned by [`unconstrained`].
    #[must_use = "futures do nothing unless polled"]
    pub struct Unconstrained<F> {
        #[pin]
        inner: F,
    }
}

impl<F> fmt::Debug for Unconstrained<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unconstrained").finish_non_exhaustive()
    }
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let inner = self.project().inner;
        with_budget(Budget::unconstrained(), || inner.poll(cx)).0
    }
}

/// Runs `f` without a budget: its operations never force a yield.
///
/// Use it sparingly, for a future that must not be interrupted; a goroutine
/// that never yields keeps the others on its worker waiting.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let (tx, rx) = goroutine::chan::unbounded();
/// let sum = goroutine::coop::unconstrained(async move {
///     for i in 0..500 { tx.send(i).await.unwrap(); }
///     drop(tx);
///     let mut s = 0;
///     while let Some(v) = rx.recv().await { s += v; }
///     s
/// })
/// .await;
/// assert_eq!(sum, 124_750);
/// # });
/// ```
pub fn unconstrained<F: Future>(f: F) -> Unconstrained<F> {
    Unconstrained { inner: f }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn budget_forces_pending_when_spent_and_refunds_unused_units() {
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        let ((), left) = with_budget(Budget::initial(2), || {
            let a = poll_proceed(&mut cx);
            assert!(matches!(a, Poll::Ready(_)));
            if let Poll::Ready(p) = a {
                p.made_progress();
            }
            // Refunded: dropping without progress gives the unit back.
            let b = poll_proceed(&mut cx);
            drop(b);
            let c = poll_proceed(&mut cx);
            if let Poll::Ready(p) = c {
                p.made_progress();
            }
            assert!(!has_budget_remaining());
            assert!(poll_proceed(&mut cx).is_pending());
        });
        assert!(left.is_exhausted());
        // Outside `with_budget` the thread is unconstrained again.
        assert!(has_budget_remaining());
    }

    #[test]
    fn unconstrained_ignores_a_spent_budget() {
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        with_budget(Budget::initial(0), || {
            assert!(poll_proceed(&mut cx).is_pending());
            let mut fut = std::pin::pin!(unconstrained(std::future::poll_fn(|cx| {
                poll_proceed(cx).map(|p| p.made_progress())
            })));
            assert!(fut.as_mut().poll(&mut cx).is_ready());
        });
    }
}
