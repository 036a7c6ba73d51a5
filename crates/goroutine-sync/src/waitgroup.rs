//! `WaitGroup`: Go's `sync.WaitGroup`, with `go` (Go 1.25's
//! `WaitGroup.Go`).
//!
//! # Protocol
//!
//! One `AtomicU64` ([`State`]) holds the counter, a generation and a
//! `WAITERS` flag; parked `wait` futures sit in a [`List`] under a small std
//! mutex, each recording the generation it saw when it parked.
//!
//! ```text
//!  63            32 31                 1   0
//! +----------------+--------------------+---+
//! |    counter     |     generation     | W |
//! +----------------+--------------------+---+
//! ```
//!
//! - `wait` returns at once if the counter is 0. Otherwise, under the list
//!   lock, it sets `W` with a CAS that also confirms the counter is still
//!   non-zero, and parks with the generation read by that CAS.
//! - `done` is one CAS. The decrement that brings the counter to 0 while `W`
//!   is set also bumps the generation and clears `W` *in the same CAS*, then
//!   takes the list lock and releases (unlinks and wakes) every parked
//!   waiter whose generation differs from the word's current one.
//!
//! Because the zero transition and the generation bump are one atomic step,
//! a waiter is released by exactly the zero transitions that follow its
//! parking, even if the group is reused (`add` again) before the waiter gets
//! to run. That is why Go's "WaitGroup is reused before previous Wait has
//! returned" and "Add called concurrently with Wait" panics do not exist
//! here: both mark races that cannot corrupt this state.
//!
//! Waiters park in generation order (each reads the word under the list
//! lock, and generations only grow), so the released ones are a prefix of
//! the list. Generations wrap after 2^31 zero transitions; a waiter is
//! unlinked by the first transition after it parks, long before that.
//!
//! # Orderings
//!
//! `done` is AcqRel and `wait`'s loads Acquire: the CASes on the word form
//! one release sequence, so a `wait` that reads counter 0 synchronizes with
//! every `done` before it (Go: "a call to Done synchronizes before the return
//! of any Wait call that it unblocks"). A released waiter learns it under
//! the list mutex, after the last `done` (which acquired all earlier ones)
//! unlinked it. `add` is Relaxed: it publishes nothing.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use goroutine_runtime::coop;
use goroutine_runtime::debug::{set_wait_reason, WaitReason};
use goroutine_runtime::JoinHandle;

use crate::list::{Key, List, Waiter, WakeList};
use crate::loom::atomic::{AtomicU64, Ordering::*};
use crate::loom::{lock, Arc, Mutex as ListLock};

/// A waiter is parked (or was, and the next zero transition will look).
const WAITERS: u64 = 1;
const GEN_SHIFT: u32 = 1;
const GEN_MASK: u64 = (1 << 31) - 1;
const COUNT_SHIFT: u32 = 32;
const ONE: u64 = 1 << COUNT_SHIFT;

fn counter(s: u64) -> u64 {
    s >> COUNT_SHIFT
}

fn generation(s: u64) -> u32 {
    ((s >> GEN_SHIFT) & GEN_MASK) as u32
}

struct Inner {
    state: AtomicU64,
    waiters: ListLock<List<Waiter<u32>>>,
}

/// Waits for a collection of goroutines to finish: Go's `sync.WaitGroup`.
///
/// [`add`](WaitGroup::add) raises the counter, [`done`](WaitGroup::done)
/// lowers it, [`wait`](WaitGroup::wait) waits until it is zero.
/// [`go`](WaitGroup::go) does all of it for one goroutine: add 1, spawn,
/// and `done` when the goroutine ends, even by panic. Clones share one
/// counter (a `WaitGroup` is a handle), so there is no `&wg` to pass around
/// as in Go: clone it into each goroutine.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use goroutine::sync::WaitGroup;
///
/// # goroutine::block_on(async {
/// let wg = WaitGroup::new();
/// let hits = Arc::new(AtomicUsize::new(0));
/// for _ in 0..10 {
///     let hits = hits.clone();
///     wg.go(async move {
///         hits.fetch_add(1, Ordering::Relaxed);
///     });
/// }
/// wg.wait().await;
/// assert_eq!(hits.load(Ordering::Relaxed), 10);
/// # });
/// ```
///
/// # Rules (as in Go)
///
/// - An `add` that raises the counter from zero must happen before the
///   `wait` it is meant to hold back; typically, call `add` (or `go`) before
///   starting the goroutine, not inside it. An `add` while the counter is
///   above zero, and any `done`, may happen at any time.
/// - A group may be reused: after the counter reaches zero, new `add`s start
///   a new round. Here a `wait` that started in the previous round still
///   returns, even when the new round's `add` comes before the waiting
///   goroutine runs again; Go calls that a misuse and may panic with "sync:
///   WaitGroup is reused before previous Wait has returned".
/// - A `done` that would take the counter below zero panics with "sync:
///   negative WaitGroup counter", as in Go.
/// - Everything a goroutine did before its `done` is visible to the
///   goroutines whose `wait` that `done` releases.
///
/// # Go
///
/// `var wg sync.WaitGroup` → `let wg = WaitGroup::new()`; `wg.Add(n)`,
/// `wg.Done()`, `wg.Wait()` → `add(n)`, `done()`, `wait().await`;
/// `wg.Go(f)` → `wg.go(fut)`.
#[derive(Clone)]
pub struct WaitGroup {
    inner: Arc<Inner>,
}

impl WaitGroup {
    /// Creates a group with counter zero.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let wg = goroutine::sync::WaitGroup::new();
    /// wg.wait().await; // counter is zero: returns at once
    /// # });
    /// ```
    pub fn new() -> WaitGroup {
        WaitGroup {
            inner: Arc::new(Inner {
                state: AtomicU64::new(0),
                waiters: ListLock::new(List::new()),
            }),
        }
    }

    /// Adds `n` to the counter.
    ///
    /// # Panics
    ///
    /// If the counter would exceed `u32::MAX` ("sync: WaitGroup counter
    /// overflows").
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let wg = goroutine::sync::WaitGroup::new();
    /// wg.add(2);
    /// let w = wg.clone();
    /// goroutine::go!(async move { w.done(); w.done(); });
    /// wg.wait().await;
    /// # });
    /// ```
    #[track_caller]
    pub fn add(&self, n: usize) {
        if n == 0 {
            return;
        }
        let n = u64::try_from(n).unwrap_or(u64::MAX);
        let mut s = self.inner.state.load(Relaxed);
        loop {
            assert!(
                n <= u64::from(u32::MAX) - counter(s),
                "sync: WaitGroup counter overflows"
            );
            // Relaxed: an add publishes nothing; the ordering users rely on
            // is done -> wait (see the module doc).
            match self.inner.state.compare_exchange_weak(
                s,
                s + (n << COUNT_SHIFT),
                Relaxed,
                Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => s = actual,
            }
        }
    }

    /// Subtracts one from the counter, releasing the waiters when it reaches
    /// zero.
    ///
    /// # Panics
    ///
    /// If the counter is already zero: "sync: negative WaitGroup counter",
    /// as in Go. The counter stays zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let wg = goroutine::sync::WaitGroup::new();
    /// wg.add(1);
    /// wg.done();
    /// wg.wait_blocking();
    /// ```
    #[track_caller]
    pub fn done(&self) {
        let mut s = self.inner.state.load(Relaxed);
        loop {
            assert!(counter(s) != 0, "sync: negative WaitGroup counter");
            let releases = counter(s) == 1 && s & WAITERS != 0;
            let next = if releases {
                // Counter 0, next generation, W cleared: one atomic step.
                (u64::from(generation(s)).wrapping_add(1) & GEN_MASK) << GEN_SHIFT
            } else {
                s - ONE
            };
            // AcqRel: Release publishes this goroutine's work to the waiter;
            // Acquire (for the releasing `done`) gathers every earlier
            // `done`'s work before handing it on through the list mutex.
            match self
                .inner
                .state
                .compare_exchange_weak(s, next, AcqRel, Relaxed)
            {
                Ok(_) => {
                    if releases {
                        self.inner.release_waiters();
                    }
                    return;
                }
                Err(actual) => s = actual,
            }
        }
    }

    /// Waits until the counter is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let wg = goroutine::sync::WaitGroup::new();
    /// wg.add(1);
    /// let w = wg.clone();
    /// goroutine::go!(async move { w.done() });
    /// wg.wait().await;
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a dropped `wait` just stops waiting; it changes neither
    /// the counter nor the other waiters.
    pub fn wait(&self) -> Wait<'_> {
        Wait {
            inner: &self.inner,
            key: None,
        }
    }

    /// Waits on a plain thread, blocking it until the counter is zero.
    ///
    /// Inside a goroutine this blocks the worker thread; use
    /// [`wait`](WaitGroup::wait) there.
    ///
    /// # Examples
    ///
    /// ```
    /// let wg = goroutine::sync::WaitGroup::new();
    /// wg.add(1);
    /// let w = wg.clone();
    /// std::thread::spawn(move || w.done());
    /// wg.wait_blocking();
    /// ```
    pub fn wait_blocking(&self) {
        crate::blocking::block_on(self.wait());
    }

    /// Adds one, spawns `future` as a goroutine, and calls `done` when it
    /// ends: when it returns, panics, or is dropped unfinished (the runtime
    /// shut down or the goroutine was aborted). Go 1.25's `WaitGroup.Go`.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let wg = goroutine::sync::WaitGroup::new();
    /// let h = wg.go(async { 6 * 7 });
    /// wg.wait().await;
    /// assert_eq!(h.await.unwrap(), 42);
    /// # });
    /// ```
    #[track_caller]
    pub fn go<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.add(1);
        let done = DoneOnDrop(self.clone());
        goroutine_runtime::spawn(async move {
            let _done = done;
            future.await
        })
    }

    /// The counter's current value (racy; for tests and diagnostics).
    pub(crate) fn count(&self) -> usize {
        // Acquire: a caller that reads 0 also sees the effects of the
        // goroutines whose `done` brought it there, as `wait` would.
        counter(self.inner.state.load(Acquire)) as usize
    }
}

impl Default for WaitGroup {
    fn default() -> WaitGroup {
        WaitGroup::new()
    }
}

impl fmt::Debug for WaitGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitGroup")
            .field("count", &self.count())
            .finish()
    }
}

impl Inner {
    /// Unlinks and wakes the waiters parked before the latest zero
    /// transition: those whose generation is not the current one.
    fn release_waiters(&self) {
        let mut wakers = WakeList::new();
        let mut list = lock(&self.waiters);
        let current = generation(self.state.load(Acquire));
        while let Some(front) = list.front() {
            if list.get(front).state == current {
                break; // parked in the current round: keep waiting
            }
            list.unlink(front);
            wakers.push(list.get_mut(front).waker.take());
        }
        drop(list);
        wakers.wake_all();
    }

    /// First poll of a `wait`: done, or parked under `Some(key)`.
    fn park(&self, cx: &mut Context<'_>) -> Option<Key> {
        let mut list = lock(&self.waiters);
        let mut s = self.state.load(Acquire);
        loop {
            if counter(s) == 0 {
                return None;
            }
            if s & WAITERS != 0 {
                break;
            }
            match self
                .state
                .compare_exchange_weak(s, s | WAITERS, Acquire, Acquire)
            {
                Ok(_) => break,
                Err(actual) => s = actual,
            }
        }
        Some(list.push_back(Waiter::new(cx.waker(), generation(s))))
    }
}

/// Calls `done` when dropped (the `go` helper's guard).
struct DoneOnDrop(WaitGroup);

impl Drop for DoneOnDrop {
    fn drop(&mut self) {
        self.0.done();
    }
}

/// Future returned by [`WaitGroup::wait`].
///
/// 16 bytes: the group reference and a slot number in its wait list.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let wg = goroutine::sync::WaitGroup::new();
/// let wait: goroutine::sync::futures::Wait<'_> = wg.wait();
/// wait.await; // counter is zero
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Wait<'a> {
    inner: &'a Inner,
    key: Option<Key>,
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let progress = ready!(coop::poll_proceed(cx));
        let done = match this.key {
            None => {
                // Acquire: pairs with the `done`s that made the counter 0.
                if counter(this.inner.state.load(Acquire)) == 0 {
                    true
                } else {
                    this.key = this.inner.park(cx);
                    this.key.is_none()
                }
            }
            Some(key) => {
                let served = lock(&this.inner.waiters)
                    .check_in(key, cx.waker())
                    .is_some();
                if served {
                    this.key = None;
                }
                served
            }
        };
        if done {
            progress.made_progress();
            Poll::Ready(())
        } else {
            set_wait_reason(WaitReason::WaitGroup);
            Poll::Pending
        }
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut list = lock(&self.inner.waiters);
            list.remove(key);
            if list.is_empty() {
                // Nobody left to release: spare the next zero transition the
                // trip through the list. Entries only join under this lock.
                self.inner.state.fetch_and(!WAITERS, Relaxed);
            }
        }
    }
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("parked", &self.key.is_some())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    use crate::poll_once as poll;

    #[test]
    fn waiter_is_released_even_if_the_group_is_reused_before_it_runs() {
        // Go would panic here ("WaitGroup is reused before previous Wait has
        // returned"); the generation makes it well defined instead.
        let wg = WaitGroup::new();
        wg.add(1);
        let mut w = wg.wait();
        assert!(poll(&mut w).is_pending());
        wg.done(); // round 1 ends
        wg.add(1); // round 2 starts before the waiter runs
        assert!(poll(&mut w).is_ready());
        let mut w2 = wg.wait();
        assert!(
            poll(&mut w2).is_pending(),
            "a round-2 waiter waits for round 2"
        );
        wg.done();
        assert!(poll(&mut w2).is_ready());
    }

    #[test]
    fn dropped_waiters_clear_the_flag() {
        let wg = WaitGroup::new();
        wg.add(1);
        let mut w = wg.wait();
        assert!(poll(&mut w).is_pending());
        assert_ne!(wg.inner.state.load(Relaxed) & WAITERS, 0);
        drop(w);
        assert_eq!(wg.inner.state.load(Relaxed) & WAITERS, 0);
        wg.done();
        assert_eq!(wg.count(), 0);
    }

    #[test]
    fn negative_counter_panics_and_leaves_zero() {
        let wg = WaitGroup::new();
        let r = std::panic::catch_unwind(|| wg.done());
        let msg = *r.unwrap_err().downcast::<&str>().unwrap();
        assert_eq!(msg, "sync: negative WaitGroup counter");
        assert_eq!(wg.count(), 0);
    }

    #[test]
    #[should_panic(expected = "sync: WaitGroup counter overflows")]
    fn counter_overflow_panics() {
        let wg = WaitGroup::new();
        wg.add(u32::MAX as usize);
        wg.add(1);
    }
}
