//! `Cond`: Go's `sync.Cond` over this crate's [`Mutex`].
//!
//! Waiters join a FIFO [`List`] *before* they unlock the mutex (both happen
//! in the wait future's first poll), so a `signal` sent by whoever takes the
//! mutex next cannot be missed. `signal` unlinks the first waiter and
//! `broadcast` all of them, marking how each was woken; a waiter learns it
//! was woken by finding itself unlinked, then locks the mutex again. Go's
//! `notifyList` gives the same guarantees with tickets: a signal wakes the
//! longest-waiting goroutine and never one that starts waiting after it.
//!
//! A wait future dropped after a `signal` chose it, but before it returned,
//! passes the signal on to the next waiter, so cancellation loses no
//! wake-up. Broadcast wake-ups are not passed on: everyone got one.

use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use goroutine_runtime::coop;
use goroutine_runtime::debug::{set_wait_reason, WaitReason};

use crate::list::{Key, List, Waiter, WakeList};
use crate::loom::{const_fn, lock, Mutex as ListLock};
use crate::mutex::{Lock, Mutex, MutexGuard};

/// How a waiter was woken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wake {
    Waiting,
    Signal,
    Broadcast,
}

/// A condition variable for goroutines: Go's `sync.Cond`, used with this
/// crate's [`Mutex`].
///
/// [`wait`](Cond::wait) takes a held guard, unlocks the mutex while it
/// waits and returns the guard after locking it again. As in Go, a woken
/// waiter cannot assume the condition holds (another goroutine may have
/// changed it first), so wait in a loop:
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use goroutine::sync::{Cond, Mutex};
///
/// # goroutine::block_on(async {
/// let state = Arc::new((Mutex::new(false), Cond::new()));
/// let s2 = state.clone();
/// goroutine::go!(async move {
///     let (ready, cond) = &*s2;
///     *ready.lock().await = true;
///     cond.broadcast();
/// });
/// let (ready, cond) = &*state;
/// let mut guard = ready.lock().await;
/// while !*guard {
///     guard = cond.wait(guard).await;
/// }
/// assert!(*guard);
/// # });
/// ```
///
/// # Go
///
/// `c := sync.NewCond(&mu)`; `c.L.Lock(); for !cond { c.Wait() }` becomes
/// `let mut g = mu.lock().await; while !cond(&g) { g = c.wait(g).await; }`.
/// The `Cond` is not tied to one mutex: it waits on whichever guard it is
/// given (use one mutex per `Cond`, as Go does). Channels are often the
/// simpler tool, as Go's documentation also says.
pub struct Cond {
    waiters: ListLock<List<Waiter<Wake>>>,
}

impl Cond {
    const_fn! {
        /// Creates a condition variable with no waiters.
        ///
        /// # Examples
        ///
        /// ```
        /// static COND: goroutine::sync::Cond = goroutine::sync::Cond::new();
        /// COND.signal(); // nobody waits: nothing happens
        /// ```
        pub fn new() -> Cond {
            Cond { waiters: ListLock::new(List::new()) }
        }
    }

    /// Unlocks the guard's mutex, waits for a [`signal`](Cond::signal) or
    /// [`broadcast`](Cond::broadcast), then locks the mutex again and
    /// returns the guard.
    ///
    /// The waiter is registered before the mutex is unlocked (both on the
    /// future's first poll; the guard stays held until then), so a signal
    /// sent by any goroutine that takes the mutex after that is not missed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use goroutine::sync::{Cond, Mutex};
    ///
    /// # goroutine::block_on(async {
    /// let pair = Arc::new((Mutex::new(0), Cond::new()));
    /// let p2 = pair.clone();
    /// goroutine::go!(async move {
    ///     *p2.0.lock().await = 1;
    ///     p2.1.signal();
    /// });
    /// let mut g = pair.0.lock().await;
    /// while *g == 0 {
    ///     g = pair.1.wait(g).await;
    /// }
    /// assert_eq!(*g, 1);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future releases the mutex (if it was not yet re-locked)
    /// and loses no wake-up: if a `signal` had chosen this waiter, the drop
    /// passes it on to the next one. The guard given to `wait` is gone
    /// either way.
    pub fn wait<'c, 'm, T: ?Sized>(&'c self, guard: MutexGuard<'m, T>) -> CondWait<'c, 'm, T> {
        CondWait {
            cond: self,
            step: Step::Start(guard),
        }
    }

    /// Wakes the goroutine that has waited longest, if any.
    ///
    /// Holding the mutex while signalling is allowed but not required.
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = goroutine::sync::Cond::new();
    /// cond.signal(); // no waiter: a no-op, as in Go
    /// ```
    pub fn signal(&self) {
        let mut list = lock(&self.waiters);
        let waker = list.pop_front().and_then(|k| {
            let w = list.get_mut(k);
            w.state = Wake::Signal;
            w.waker.take()
        });
        drop(list);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes every goroutine waiting now (not those that start waiting
    /// later).
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = goroutine::sync::Cond::new();
    /// cond.broadcast();
    /// ```
    pub fn broadcast(&self) {
        let mut wakers = WakeList::new();
        let mut list = lock(&self.waiters);
        while let Some(k) = list.pop_front() {
            let w = list.get_mut(k);
            w.state = Wake::Broadcast;
            wakers.push(w.waker.take());
        }
        drop(list);
        wakers.wake_all();
    }
}

impl Default for Cond {
    fn default() -> Cond {
        Cond::new()
    }
}

impl fmt::Debug for Cond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cond")
            .field("waiters", &lock(&self.waiters).len())
            .finish()
    }
}

enum Step<'m, T: ?Sized> {
    /// Not polled yet: still holding the caller's guard.
    Start(MutexGuard<'m, T>),
    /// In the list, mutex released.
    Waiting {
        mutex: &'m Mutex<T>,
        key: Key,
    },
    /// Woken; locking the mutex again. `signalled`: woken by `signal`, so
    /// a drop now passes the signal on.
    Relocking {
        lock: Lock<'m, T>,
        signalled: bool,
    },
    Done,
}

/// Future returned by [`Cond::wait`].
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use goroutine::sync::{futures::CondWait, Cond, Mutex};
/// # goroutine::block_on(async {
/// let pair = Arc::new((Mutex::new(false), Cond::new()));
/// let p = pair.clone();
/// goroutine::go!(async move {
///     *p.0.lock().await = true;
///     p.1.signal();
/// });
/// let mut g = pair.0.lock().await;
/// while !*g {
///     let wait: CondWait<'_, '_, bool> = pair.1.wait(g);
///     g = wait.await;
/// }
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct CondWait<'c, 'm, T: ?Sized> {
    cond: &'c Cond,
    step: Step<'m, T>,
}

impl<'m, T: ?Sized> Future for CondWait<'_, 'm, T> {
    type Output = MutexGuard<'m, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'m, T>> {
        let this = self.get_mut();
        loop {
            match &mut this.step {
                Step::Start(_) => {
                    // Join the line, then unlock: in this order no signal
                    // that follows the unlock can miss us.
                    let key =
                        lock(&this.cond.waiters).push_back(Waiter::new(cx.waker(), Wake::Waiting));
                    let Step::Start(guard) = mem::replace(&mut this.step, Step::Done) else {
                        unreachable!()
                    };
                    let mutex = MutexGuard::mutex(&guard);
                    drop(guard);
                    this.step = Step::Waiting { mutex, key };
                }
                Step::Waiting { mutex, key } => {
                    let progress = ready!(coop::poll_proceed(cx));
                    let mut list = lock(&this.cond.waiters);
                    let Some(served) = list.check_in(*key, cx.waker()) else {
                        drop(list);
                        set_wait_reason(WaitReason::Cond);
                        return Poll::Pending;
                    };
                    let woken = served.state;
                    drop(list);
                    progress.made_progress();
                    let mutex: &'m Mutex<T> = mutex;
                    this.step = Step::Relocking {
                        lock: mutex.lock(),
                        signalled: woken == Wake::Signal,
                    };
                }
                Step::Relocking { lock, .. } => {
                    let guard = ready!(Pin::new(lock).poll(cx));
                    this.step = Step::Done;
                    return Poll::Ready(guard);
                }
                Step::Done => panic!("`CondWait` polled after completion"),
            }
        }
    }
}

impl<T: ?Sized> Drop for CondWait<'_, '_, T> {
    fn drop(&mut self) {
        match &self.step {
            Step::Waiting { key, .. } => {
                let mut list = lock(&self.cond.waiters);
                let woken = list.remove(*key).state;
                drop(list);
                if woken == Wake::Signal {
                    self.cond.signal();
                }
            }
            Step::Relocking {
                signalled: true, ..
            } => self.cond.signal(),
            _ => {}
        }
    }
}

impl<T: ?Sized> fmt::Debug for CondWait<'_, '_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = match self.step {
            Step::Start(_) => "start",
            Step::Waiting { .. } => "waiting",
            Step::Relocking { .. } => "relocking",
            Step::Done => "done",
        };
        f.debug_struct("CondWait").field("step", &step).finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    use crate::poll_once as poll;

    #[test]
    fn signal_wakes_waiters_in_the_order_they_started_waiting() {
        // Go: TestCondSignalGenerations (the FIFO property).
        let m = Mutex::new(());
        let cond = Cond::new();
        let mut waits = Vec::new();
        for _ in 0..3 {
            let mut w = cond.wait(m.try_lock().unwrap());
            assert!(poll(&mut w).is_pending());
            waits.push(w);
        }
        for i in 0..3 {
            cond.signal();
            for (j, w) in waits.iter_mut().enumerate().skip(i) {
                let woke = match poll(w) {
                    Poll::Ready(guard) => {
                        drop(guard);
                        true
                    }
                    Poll::Pending => false,
                };
                assert_eq!(woke, j == i, "signal {i} must wake waiter {i} only");
            }
        }
    }

    #[test]
    fn dropped_signalled_waiter_passes_the_signal_on() {
        let m = Mutex::new(());
        let cond = Cond::new();
        let mut a = cond.wait(m.try_lock().unwrap());
        assert!(poll(&mut a).is_pending());
        let mut b = cond.wait(m.try_lock().unwrap());
        assert!(poll(&mut b).is_pending());
        cond.signal(); // chooses `a`
        drop(a);
        assert!(poll(&mut b).is_ready(), "the signal must reach `b`");
    }

    #[test]
    fn waiter_dropped_while_relocking_passes_the_signal_on() {
        let m = Mutex::new(());
        let cond = Cond::new();
        let mut a = cond.wait(m.try_lock().unwrap());
        assert!(poll(&mut a).is_pending());
        let mut b = cond.wait(m.try_lock().unwrap());
        assert!(poll(&mut b).is_pending());
        let held = m.try_lock().unwrap();
        cond.signal();
        assert!(poll(&mut a).is_pending(), "woken, but the mutex is held");
        drop(a);
        drop(held);
        assert!(poll(&mut b).is_ready());
    }

    #[test]
    fn broadcast_wakes_only_current_waiters() {
        // Go: TestCondBroadcast (the "not later waiters" property).
        let m = Mutex::new(());
        let cond = Cond::new();
        let mut a = cond.wait(m.try_lock().unwrap());
        assert!(poll(&mut a).is_pending());
        cond.broadcast();
        let mut late = cond.wait(m.try_lock().unwrap());
        assert!(poll(&mut late).is_pending());
        let ga = match poll(&mut a) {
            Poll::Ready(g) => g,
            Poll::Pending => panic!("broadcast must wake a"),
        };
        drop(ga);
        assert!(
            poll(&mut late).is_pending(),
            "a later waiter is not woken by an earlier broadcast"
        );
    }
}
