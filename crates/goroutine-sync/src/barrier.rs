//! `Barrier`: `n` goroutines wait until all of them have arrived.
//!
//! Arrivals park in a [`List`] under a small std mutex; the arrival that
//! makes `n` (the number parked plus itself) is the leader: it unlinks every
//! parked waiter, wakes them and returns at once, leaving the list empty for
//! the next round. A parked waiter learns the barrier tripped by finding
//! itself unlinked. A wait future dropped before the barrier trips takes its
//! arrival back (it was only counted by being in the list).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use goroutine_runtime::coop;
use goroutine_runtime::debug::{set_wait_reason, WaitReason};

use crate::list::{Key, List, Waiter, WakeList};
use crate::loom::{const_fn, lock, Mutex as ListLock};

/// Lets `n` goroutines wait for each other: each [`wait`](Barrier::wait)
/// returns once `n` waits are in progress together, and the barrier is then
/// ready for the next round.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use goroutine::sync::{Barrier, WaitGroup};
///
/// # goroutine::block_on(async {
/// let barrier = Arc::new(Barrier::new(3));
/// let wg = WaitGroup::new();
/// let mut leaders = Vec::new();
/// for _ in 0..3 {
///     let b = barrier.clone();
///     leaders.push(wg.go(async move { b.wait().await.is_leader() }));
/// }
/// wg.wait().await;
/// let mut n = 0;
/// for h in leaders {
///     n += h.await.unwrap() as usize;
/// }
/// assert_eq!(n, 1); // exactly one leader per round
/// # });
/// ```
///
/// # Go
///
/// Go has no barrier type; it is usually built from a `WaitGroup` and a
/// channel. This one is reusable and names one leader per round.
pub struct Barrier {
    n: usize,
    waiters: ListLock<List<Waiter<()>>>,
}

impl Barrier {
    const_fn! {
        /// Creates a barrier for `n` goroutines. `n == 0` behaves as `1`:
        /// every wait returns at once as the leader (as `std`'s does).
        ///
        /// # Examples
        ///
        /// ```
        /// # goroutine::block_on(async {
        /// let b = goroutine::sync::Barrier::new(1);
        /// assert!(b.wait().await.is_leader());
        /// # });
        /// ```
        pub fn new(n: usize) -> Barrier {
            Barrier { n, waiters: ListLock::new(List::new()) }
        }
    }

    /// Waits until `n` goroutines are waiting on this barrier. One of them
    /// (the last to arrive) gets a result with
    /// [`is_leader`](BarrierWaitResult::is_leader) `true`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// # goroutine::block_on(async {
    /// let b = Arc::new(goroutine::sync::Barrier::new(2));
    /// let b2 = b.clone();
    /// let other = goroutine::spawn(async move { b2.wait().await.is_leader() });
    /// let me = b.wait().await.is_leader();
    /// assert!(me ^ other.await.unwrap());
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// A `wait` dropped before the barrier trips takes its arrival back: the
    /// barrier still needs `n` goroutines waiting together. Dropped after it
    /// tripped, nothing is undone (the round is over).
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            key: None,
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("n", &self.n)
            .field("waiting", &lock(&self.waiters).len())
            .finish()
    }
}

/// What [`Barrier::wait`] returns.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let r = goroutine::sync::Barrier::new(1).wait().await;
/// assert!(r.is_leader());
/// # });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarrierWaitResult {
    leader: bool,
}

impl BarrierWaitResult {
    /// True for exactly one goroutine per round: the one whose arrival
    /// tripped the barrier.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// assert!(goroutine::sync::Barrier::new(0).wait().await.is_leader());
    /// # });
    /// ```
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

/// Future returned by [`Barrier::wait`].
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let b = goroutine::sync::Barrier::new(1);
/// let wait: goroutine::sync::futures::BarrierWait<'_> = b.wait();
/// assert!(wait.await.is_leader());
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    key: Option<Key>,
}

impl Future for BarrierWait<'_> {
    type Output = BarrierWaitResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<BarrierWaitResult> {
        let this = self.get_mut();
        let progress = ready!(coop::poll_proceed(cx));
        let mut list = lock(&this.barrier.waiters);
        let leader = match this.key {
            Some(key) => {
                if list.check_in(key, cx.waker()).is_none() {
                    drop(list);
                    set_wait_reason(WaitReason::Barrier);
                    return Poll::Pending;
                }
                this.key = None;
                false
            }
            None if list.len() + 1 >= this.barrier.n => {
                // Our arrival completes the round: release everyone.
                let mut wakers = WakeList::new();
                while let Some(k) = list.pop_front() {
                    wakers.push(list.get_mut(k).waker.take());
                }
                drop(list);
                wakers.wake_all();
                true
            }
            None => {
                this.key = Some(list.push_back(Waiter::new(cx.waker(), ())));
                drop(list);
                set_wait_reason(WaitReason::Barrier);
                return Poll::Pending;
            }
        };
        progress.made_progress();
        Poll::Ready(BarrierWaitResult { leader })
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            // Linked: not tripped yet, removing it withdraws the arrival.
            lock(&self.barrier.waiters).remove(key);
        }
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait")
            .field("arrived", &self.key.is_some())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    use crate::poll_once as poll;

    #[test]
    fn dropped_waiter_withdraws_its_arrival() {
        let b = Barrier::new(3);
        let mut a = b.wait();
        let mut c = b.wait();
        assert!(poll(&mut a).is_pending());
        assert!(poll(&mut c).is_pending());
        drop(c);
        let mut d = b.wait();
        assert!(poll(&mut d).is_pending(), "only two arrivals remain");
        let mut e = b.wait();
        assert_eq!(
            poll(&mut e),
            Poll::Ready(BarrierWaitResult { leader: true })
        );
        assert_eq!(
            poll(&mut a),
            Poll::Ready(BarrierWaitResult { leader: false })
        );
        assert_eq!(
            poll(&mut d),
            Poll::Ready(BarrierWaitResult { leader: false })
        );
    }

    #[test]
    fn barrier_is_reusable_round_after_round() {
        let b = Barrier::new(2);
        for _ in 0..3 {
            let mut a = b.wait();
            assert!(poll(&mut a).is_pending());
            let mut c = b.wait();
            assert!(matches!(poll(&mut c), Poll::Ready(r) if r.is_leader()));
            assert!(matches!(poll(&mut a), Poll::Ready(r) if !r.is_leader()));
        }
    }
}
