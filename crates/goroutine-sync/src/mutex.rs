//! `Mutex<T>`: Go's `sync.Mutex` with normal and starvation modes, holding
//! its data like `std::sync::Mutex`.
//!
//! # Protocol
//!
//! One atomic word ([`State`]) and a FIFO [`List`] of parked lock futures
//! under a small std mutex.
//!
//! *Normal mode.* Unlock releases the lock and wakes the first waiter, which
//! then competes with newcomers: a goroutine that arrives while the lock is
//! free takes it at once (barging), which keeps the lock hot in one cache
//! and is why normal mode is fast. A woken waiter that loses keeps its place
//! at the front of the line (Go puts it back at the front too).
//!
//! *Starvation mode.* When the first waiter has waited longer than
//! [`STARVATION_THRESHOLD`] (1 ms, Go's `starvationThresholdNs`), unlock
//! does not release the lock: it hands it directly to that waiter
//! ([`List::pop_front`] unlinks the entry, which is how the waiter learns the
//! lock is its own) and sets `STARVING`, so newcomers queue at the back
//! instead of barging. The mode ends when a hand-off reaches a waiter that
//! waited less than the threshold or the last waiter (Go's rule).
//!
//! # Invariants
//!
//! 1. `WAITERS` is set iff the wait list has a linked entry; it changes only
//!    under the list lock.
//! 2. `STARVING` implies `LOCKED`; it changes only under the list lock.
//! 3. While `LOCKED` is set only its owner clears it: by the fast-path CAS
//!    (possible only when `STARVING` is clear and, if `WAITERS` is set, so
//!    is `WOKEN`) or under the list lock. Every other change of the word
//!    while `LOCKED` is set happens under the list lock. Hence an owner
//!    holding the list lock may `store` the word.
//! 4. If the lock is free and the list is not empty, some linked waiter is
//!    `notified` and will poll (or, if dropped, passes the notification on).
//!    Every transition keeps this: an unlock that sees `WAITERS` without
//!    `WOKEN` notifies the front; a notified waiter that finds the lock
//!    taken is un-notified (clearing `WOKEN`) only while someone holds it,
//!    whose unlock then takes the slow path.
//! 5. `WOKEN` is set iff a linked waiter is `notified`; it changes only
//!    under the list lock. It lets an unlock skip the list while a woken
//!    waiter is already on its way (Go's `mutexWoken`): that waiter will
//!    find the lock free, or clear `WOKEN` so the next unlock wakes it
//!    again.
//!
//! # Orderings
//!
//! Taking the lock is an Acquire CAS and the fast unlock a Release CAS: they
//! pair, so the data written under one critical section is visible in the
//! next. A hand-off is published through the list mutex: the unlocker
//! unlinks the waiter under it and the waiter sees "unlinked" under it.
//! `WAITERS`/`STARVING`/`WOKEN` updates are `Relaxed` because they are read and
//! written under the list lock whenever it matters (1, 2); lock-free readers
//! only use them to fail a CAS and retry.
#![allow(unsafe_code)]

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use goroutine_runtime::coop;
use goroutine_runtime::debug::{set_wait_reason, WaitReason};

use crate::list::{Key, List, Waiter};
use crate::loom::atomic::{AtomicU32, Ordering::*};
use crate::loom::{const_fn, lock, Mutex as ListLock};

/// Held by an owner; never cleared by anyone else (invariant 3).
const LOCKED: u32 = 1 << 0;
/// The wait list is not empty (invariant 1).
const WAITERS: u32 = 1 << 1;
/// Unlock hands the lock to the first waiter; newcomers queue (invariant 2).
const STARVING: u32 = 1 << 2;
/// A linked waiter was woken to compete and has not polled yet
/// (invariant 5).
const WOKEN: u32 = 1 << 3;

/// Rounds of spinning before a contended lock queues, and the pauses of
/// the first round (doubling each round): about Go's 4 x 30 `PAUSE`s.
#[cfg(not(loom))]
const SPIN_ROUNDS: u32 = 4;
#[cfg(not(loom))]
const SPIN_PAUSES: u32 = 8;

/// How long the first waiter may wait before unlock hands the lock to it
/// directly (Go's `starvationThresholdNs`).
#[cfg(not(loom))]
pub(crate) const STARVATION_THRESHOLD: std::time::Duration = std::time::Duration::from_millis(1);

/// What a parked lock future records beside its waker.
#[derive(Debug)]
struct LockWait {
    /// Woken by an unlock and not yet polled: the waiter that will compete
    /// for the free lock (invariant 4).
    notified: bool,
    /// When it started waiting; the starvation clock.
    #[cfg(not(loom))]
    since: std::time::Instant,
    /// Under loom time is not modelled: a waiter counts as starving once it
    /// has been woken and lost the lock to someone else.
    #[cfg(loom)]
    passed_over: u32,
}

/// The starvation clock; unit tests freeze and advance it by hand.
#[cfg(not(loom))]
fn now() -> std::time::Instant {
    #[cfg(test)]
    if let Some(t) = tests::frozen_now() {
        return t;
    }
    std::time::Instant::now()
}

impl LockWait {
    fn new() -> LockWait {
        LockWait {
            notified: false,
            #[cfg(not(loom))]
            since: now(),
            #[cfg(loom)]
            passed_over: 0,
        }
    }

    fn lost_race(&mut self) {
        if self.notified {
            self.notified = false;
            #[cfg(loom)]
            {
                self.passed_over += 1;
            }
        }
    }

    /// True when this waiter has waited past the starvation threshold.
    fn starving(&self) -> bool {
        #[cfg(not(loom))]
        return now().saturating_duration_since(self.since) > STARVATION_THRESHOLD;
        #[cfg(loom)]
        return self.passed_over > 0;
    }
}

type WaitList = List<Waiter<LockWait>>;

/// A mutual-exclusion lock for goroutines, owning the data it protects:
/// Go's `sync.Mutex` with the data inside, as in `std::sync::Mutex`.
///
/// [`lock`](Mutex::lock) waits without blocking the thread. The lock is not
/// reentrant and has no poisoning (a panic while it is held just unlocks
/// it, as Go's deferred `Unlock` would).
///
/// # Fairness
///
/// As in Go, the lock has two modes. In normal mode an unlock wakes the
/// longest waiter, which competes with goroutines arriving at that moment;
/// arrivals often win, which is fast. Once the first waiter has waited more
/// than 1 ms the mutex switches to starvation mode: each unlock hands the
/// lock directly to the first waiter and newcomers queue behind it. So a
/// goroutine that locks in a tight loop cannot keep another out for more
/// than about a millisecond plus one critical section.
///
/// An uncontended `lock` and unlock are one atomic operation each.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use goroutine::sync::{Mutex, WaitGroup};
///
/// # goroutine::block_on(async {
/// let counter = Arc::new(Mutex::new(0));
/// let wg = WaitGroup::new();
/// for _ in 0..10 {
///     let counter = counter.clone();
///     wg.go(async move {
///         *counter.lock().await += 1;
///     });
/// }
/// wg.wait().await;
/// assert_eq!(*counter.lock().await, 10);
/// # });
/// ```
///
/// # Go
///
/// `var mu sync.Mutex; mu.Lock(); defer mu.Unlock()` becomes
/// `let guard = mu.lock().await;` (unlocked when `guard` drops). Go's
/// `TryLock` is [`try_lock`](Mutex::try_lock).
pub struct Mutex<T: ?Sized> {
    state: AtomicU32,
    waiters: ListLock<WaitList>,
    data: UnsafeCell<T>,
}

// SAFETY: `Mutex<T>` hands out `&mut T` to one guard at a time (the LOCKED
// bit, invariant 3), so sharing it between threads only ever moves access to
// `T` from one thread to another: exactly what `T: Send` allows, as for
// `std::sync::Mutex`.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    const_fn! {
        /// Creates an unlocked mutex holding `value`.
        ///
        /// # Examples
        ///
        /// ```
        /// static COUNT: goroutine::sync::Mutex<u64> = goroutine::sync::Mutex::new(0);
        /// *COUNT.try_lock().unwrap() += 1;
        /// assert_eq!(*COUNT.try_lock().unwrap(), 1);
        /// ```
        pub fn new(value: T) -> Mutex<T> {
            Mutex { state: AtomicU32::new(0), waiters: ListLock::new(List::new()), data: UnsafeCell::new(value) }
        }
    }

    /// Consumes the mutex and returns the data.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = goroutine::sync::Mutex::new(String::from("hi"));
    /// assert_eq!(m.into_inner(), "hi");
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, waiting while another goroutine holds it.
    ///
    /// The returned guard unlocks when dropped and can be held across
    /// `.await`; it is `Send` when `T` is.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let m = goroutine::sync::Mutex::new(vec![1]);
    /// m.lock().await.push(2);
    /// assert_eq!(*m.lock().await, [1, 2]);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe. A dropped `lock` future gives up its place in line; if
    /// the lock had already been handed to it, or an unlock had woken it to
    /// compete, the drop passes the lock or the wake-up on to the next
    /// waiter, so nothing is lost.
    #[inline]
    pub fn lock(&self) -> Lock<'_, T> {
        Lock {
            mutex: self,
            key: None,
        }
    }

    /// Locks the mutex if it is free right now.
    ///
    /// Returns `None` when it is held, and also in starvation mode (the lock
    /// then belongs to the waiters in line), as Go's `TryLock` does.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = goroutine::sync::Mutex::new(1);
    /// let guard = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_none());
    /// drop(guard);
    /// assert!(m.try_lock().is_some());
    /// ```
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.try_acquire().then(|| MutexGuard::new(self))
    }

    /// Locks the mutex from a plain thread, blocking the thread until then.
    ///
    /// Meant for code outside goroutines. Called inside a goroutine it
    /// blocks that goroutine's worker thread, which can stall other
    /// goroutines; use [`lock`](Mutex::lock) there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(goroutine::sync::Mutex::new(0));
    /// let m2 = m.clone();
    /// std::thread::spawn(move || *m2.lock_blocking() += 1).join().unwrap();
    /// assert_eq!(*m.lock_blocking(), 1);
    /// ```
    pub fn lock_blocking(&self) -> MutexGuard<'_, T> {
        crate::blocking::block_on(self.lock())
    }

    /// Returns a mutable reference to the data; no locking is needed since
    /// the borrow is exclusive.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = goroutine::sync::Mutex::new(1);
    /// *m.get_mut() = 2;
    /// assert_eq!(*m.try_lock().unwrap(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Takes the lock if it is free; one CAS when uncontended.
    #[inline]
    fn try_acquire(&self) -> bool {
        // Guess "free and nobody waiting"; a failed CAS tells the real state.
        let mut s = 0;
        loop {
            // Acquire: pairs with the Release of the previous unlock, so its
            // writes to the data are visible to us.
            match self
                .state
                .compare_exchange_weak(s, s | LOCKED, Acquire, Relaxed)
            {
                Ok(_) => return true,
                Err(actual) if actual & LOCKED == 0 => s = actual,
                Err(_) => return false,
            }
        }
    }

    /// Go's active spinning (`sync_runtime_canSpin`): when the lock is held
    /// in normal mode, an owner on another thread is likely to release it
    /// within a few hundred cycles, far sooner than parking and being woken
    /// would take. So try a few times with growing pauses before queueing.
    /// Never in starvation mode (the line must be served first); in normal
    /// mode newcomers may barge past the queue anyway, as in Go. Not under
    /// loom, whose threads do not run in parallel.
    #[cold]
    fn spin(&self) -> bool {
        #[cfg(not(loom))]
        for round in 0..SPIN_ROUNDS {
            for _ in 0..(SPIN_PAUSES << round) {
                std::hint::spin_loop();
            }
            let s = self.state.load(Relaxed);
            if s & STARVING != 0 {
                return false;
            }
            if s & LOCKED == 0 && self.try_acquire() {
                return true;
            }
        }
        false
    }

    /// First poll of a lock future after the inlined `try_acquire` failed:
    /// spin, then take the lock or join the line.
    #[cold]
    fn poll_first(&self, cx: &mut Context<'_>) -> Result<(), Key> {
        if self.spin() {
            return Ok(());
        }
        let mut list = lock(&self.waiters);
        // Under the list lock: either take the lock (it was just released)
        // or set WAITERS, after which the owner's unlock must come to the
        // list (its fast-path CAS `LOCKED -> 0` fails).
        let mut s = self.state.load(Relaxed);
        loop {
            if s & LOCKED == 0 {
                match self
                    .state
                    .compare_exchange_weak(s, s | LOCKED, Acquire, Relaxed)
                {
                    Ok(_) => return Ok(()),
                    Err(actual) => s = actual,
                }
            } else if s & WAITERS != 0 {
                break;
            } else {
                match self
                    .state
                    .compare_exchange_weak(s, s | WAITERS, Relaxed, Relaxed)
                {
                    Ok(_) => break,
                    Err(actual) => s = actual,
                }
            }
        }
        Err(list.push_back(Waiter::new(cx.waker(), LockWait::new())))
    }

    /// Later polls: was the lock handed to us? Else try to take it.
    fn poll_queued(&self, cx: &mut Context<'_>, key: Key) -> bool {
        let mut list = lock(&self.waiters);
        if !list.is_linked(key) {
            // Starvation hand-off: the unlocker kept LOCKED set for us.
            list.remove(key);
            return true;
        }
        let notified = list.get_mut(key).state.notified;
        // Our notification, if we had one, is used up either way: the CAS
        // that takes the lock or records the loss clears WOKEN with it.
        let used = if notified { WOKEN } else { 0 };
        let mut s = self.state.load(Relaxed);
        loop {
            if s & LOCKED == 0 {
                match self
                    .state
                    .compare_exchange_weak(s, (s | LOCKED) & !used, Acquire, Relaxed)
                {
                    Ok(_) => {
                        list.remove(key);
                        if list.is_empty() {
                            self.state.fetch_and(!WAITERS, Relaxed);
                        }
                        return true;
                    }
                    Err(actual) => s = actual,
                }
            } else if s & used != 0 {
                // Lost to a newcomer: with WOKEN clear, the owner's unlock
                // comes to the list and wakes the front again (invariant 4).
                match self
                    .state
                    .compare_exchange_weak(s, s & !WOKEN, Relaxed, Relaxed)
                {
                    Ok(_) => break,
                    Err(actual) => s = actual,
                }
            } else {
                break;
            }
        }
        let waiter = list.get_mut(key);
        waiter.state.lost_race();
        waiter.register(cx.waker());
        false
    }

    /// Unlock by the owner of the lock.
    #[inline]
    fn unlock(&self) {
        // Guess "nobody waits"; a failed CAS tells the real state.
        let mut s = LOCKED;
        // Fast unless in starvation mode, or waiters wait and none has been
        // woken: then the list decides (invariant 4).
        while s & STARVING == 0 && (s & WAITERS == 0 || s & WOKEN != 0) {
            // Release: publishes the critical section to the next Acquire
            // CAS.
            match self
                .state
                .compare_exchange_weak(s, s & !LOCKED, Release, Relaxed)
            {
                Ok(_) => return,
                Err(actual) => s = actual,
            }
        }
        self.unlock_slow();
    }

    #[cold]
    fn unlock_slow(&self) {
        let mut list = lock(&self.waiters);
        let waker = self.release_locked(&mut list);
        drop(list);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The owner gives the lock up while holding the list lock: hands it to
    /// the first waiter (starvation mode) or frees it and wakes that waiter
    /// (normal mode). Returns the waker to call once the list is unlocked.
    fn release_locked(&self, list: &mut WaitList) -> Option<Waker> {
        let s = self.state.load(Relaxed);
        let Some(front) = list.front() else {
            // The waiters left (dropped) after our fast path failed.
            self.state.store(0, Release);
            return None;
        };
        let first = list.get_mut(front);
        // One clock read for both uses below.
        let stay_starving = first.state.starving();
        if s & STARVING != 0 || stay_starving {
            list.unlink(front);
            let waker = list.get_mut(front).waker.take();
            let mut next = LOCKED;
            if !list.is_empty() {
                next |= WAITERS;
                // Go: leave starvation when the waiter served waited less
                // than the threshold or was the last one.
                if stay_starving {
                    next |= STARVING;
                }
            }
            // Invariant 3: nobody else writes the word while LOCKED is set
            // and we hold the list lock. The hand-off itself is published by
            // the list mutex (see the module doc), Release is for symmetry.
            self.state.store(next, Release);
            waker
        } else {
            if first.state.notified {
                // Already woken and about to compete.
                self.state.fetch_and(!LOCKED, Release);
                None
            } else {
                first.state.notified = true;
                // Invariant 3 allows the store; Release as in the fast path.
                self.state.store((s & !LOCKED) | WOKEN, Release);
                first.waker.take()
            }
        }
    }

    /// A lock future is dropped while `key` is in the list.
    fn cancel(&self, key: Key) {
        let mut list = lock(&self.waiters);
        let waker = if !list.is_linked(key) {
            // The lock was handed to us: pass it on.
            list.remove(key);
            self.release_locked(&mut list)
        } else {
            let left = list.remove(key);
            if list.is_empty() {
                self.state.fetch_and(!(WAITERS | STARVING | WOKEN), Relaxed);
                None
            } else if left.state.notified && self.state.fetch_and(!WOKEN, Relaxed) & LOCKED == 0 {
                // We were the one woken to compete for the free lock:
                // wake the next waiter in our place (invariants 4, 5). (If
                // the lock is held, WOKEN is clear now and its unlock comes
                // to the list.)
                let front = list.front().map(|k| list.get_mut(k));
                match front {
                    Some(w) if !w.state.notified => {
                        w.state.notified = true;
                        self.state.fetch_or(WOKEN, Relaxed);
                        w.waker.take()
                    }
                    _ => None,
                }
            } else {
                None
            }
        };
        drop(list);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    #[cfg(test)]
    pub(crate) fn state_bits(&self) -> (bool, bool, bool) {
        let s = self.state.load(Relaxed);
        (s & LOCKED != 0, s & WAITERS != 0, s & STARVING != 0)
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Future returned by [`Mutex::lock`].
///
/// 16 bytes: the mutex reference and a slot number in its wait list.
///
/// # Examples
///
/// ```
/// use goroutine::sync::{futures::Lock, Mutex, MutexGuard};
/// # goroutine::block_on(async {
/// let m = Mutex::new(1);
/// let pending: Lock<'_, i32> = m.lock(); // nothing happens until awaited
/// let guard: MutexGuard<'_, i32> = pending.await;
/// assert_eq!(*guard, 1);
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Lock<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    key: Option<Key>,
}

impl<'a, T: ?Sized> Future for Lock<'a, T> {
    type Output = MutexGuard<'a, T>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let this = self.get_mut();
        let progress = ready!(coop::poll_proceed(cx));
        // The uncontended case: one CAS, inlined.
        if this.key.is_none() && this.mutex.try_acquire() {
            progress.made_progress();
            return Poll::Ready(MutexGuard::new(this.mutex));
        }
        let acquired = match this.key {
            None => match this.mutex.poll_first(cx) {
                Ok(()) => true,
                Err(key) => {
                    this.key = Some(key);
                    false
                }
            },
            Some(key) => {
                let acquired = this.mutex.poll_queued(cx, key);
                if acquired {
                    this.key = None;
                }
                acquired
            }
        };
        if acquired {
            progress.made_progress();
            Poll::Ready(MutexGuard::new(this.mutex))
        } else {
            set_wait_reason(WaitReason::Mutex);
            Poll::Pending
        }
    }
}

impl<T: ?Sized> Drop for Lock<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.mutex.cancel(key);
        }
    }
}

impl<T: ?Sized> fmt::Debug for Lock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("queued", &self.key.is_some())
            .finish()
    }
}

/// Proof of holding a [`Mutex`]: derefs to the data; unlocks when dropped.
///
/// `Send` when `T: Send`, so a goroutine may hold it across `.await`.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let m = goroutine::sync::Mutex::new(String::new());
/// let mut guard = m.lock().await;
/// guard.push_str("held");
/// goroutine::yield_now().await; // still held across the await
/// assert_eq!(*guard, "held");
/// # });
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    /// Makes the guard `Send`/`Sync` exactly when `&mut T` is.
    _data: PhantomData<&'a mut T>,
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    fn new(mutex: &'a Mutex<T>) -> MutexGuard<'a, T> {
        MutexGuard {
            mutex,
            _data: PhantomData,
        }
    }

    /// The mutex this guard holds (for `Cond::wait`).
    pub(crate) fn mutex(guard: &Self) -> &'a Mutex<T> {
        guard.mutex
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while this thread's LOCKED bit is
        // set (taken by an Acquire CAS or handed over under the list lock),
        // so no other `&mut T` exists, and `&self` ties the borrow to the
        // guard's life.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only borrow
        // through the guard.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.mutex.unlock();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;
    use std::time::Instant;

    thread_local! {
        static FROZEN: Cell<Option<Instant>> = const { Cell::new(None) };
    }

    pub(super) fn frozen_now() -> Option<Instant> {
        FROZEN.with(Cell::get)
    }

    /// Stops the starvation clock on this thread, so the tests below do
    /// not depend on how fast they run (Miri is slow).
    fn freeze_clock() {
        FROZEN.with(|c| c.set(Some(Instant::now())));
    }

    fn advance_clock(d: std::time::Duration) {
        FROZEN.with(|c| c.set(c.get().map(|t| t + d)));
    }

    /// A waker that counts its wakes.
    #[derive(Default)]
    struct CountWaker(AtomicUsize);
    impl Wake for CountWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn counting() -> (Arc<CountWaker>, Waker) {
        let c = Arc::new(CountWaker::default());
        (c.clone(), Waker::from(c))
    }

    fn poll<F: Future + Unpin>(f: &mut F, waker: &Waker) -> Poll<F::Output> {
        Pin::new(f).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn uncontended_lock_and_unlock_leave_the_word_clear() {
        let m = Mutex::new(5);
        {
            let mut g = m.try_lock().unwrap();
            *g += 1;
            assert_eq!(m.state_bits(), (true, false, false));
        }
        assert_eq!(m.state_bits(), (false, false, false));
        assert_eq!(m.into_inner(), 6);
    }

    #[test]
    fn unlock_wakes_the_first_waiter_only() {
        freeze_clock();
        let m = Mutex::new(());
        let g = m.try_lock().unwrap();
        let (c1, w1) = counting();
        let (c2, w2) = counting();
        let mut f1 = m.lock();
        let mut f2 = m.lock();
        assert!(poll(&mut f1, &w1).is_pending());
        assert!(poll(&mut f2, &w2).is_pending());
        assert_eq!(m.state_bits(), (true, true, false));
        drop(g);
        assert_eq!(c1.0.load(Ordering::SeqCst), 1);
        assert_eq!(c2.0.load(Ordering::SeqCst), 0);
        let g1 = match poll(&mut f1, &w1) {
            Poll::Ready(g) => g,
            Poll::Pending => panic!("woken waiter must get the free lock"),
        };
        drop(g1);
        assert_eq!(c2.0.load(Ordering::SeqCst), 1);
        assert!(poll(&mut f2, &w2).is_ready());
        assert_eq!(m.state_bits(), (false, false, false));
    }

    #[test]
    fn dropped_woken_waiter_passes_the_wakeup_on() {
        freeze_clock();
        let m = Mutex::new(());
        let g = m.try_lock().unwrap();
        let (_, w1) = counting();
        let (c2, w2) = counting();
        let mut f1 = m.lock();
        let mut f2 = m.lock();
        assert!(poll(&mut f1, &w1).is_pending());
        assert!(poll(&mut f2, &w2).is_pending());
        drop(g); // wakes f1
        drop(f1); // cancelled before it could take the lock
        assert_eq!(
            c2.0.load(Ordering::SeqCst),
            1,
            "f2 must be woken in f1's place"
        );
        assert!(poll(&mut f2, &w2).is_ready());
    }

    #[test]
    fn long_waiter_gets_the_lock_handed_over_and_barging_stops() {
        // Go: TestMutexFairness, made deterministic. A barging owner keeps
        // re-locking; once the waiter has waited past the threshold the next
        // unlock hands the lock to it.
        freeze_clock();
        let m = Mutex::new(());
        let mut g = m.try_lock().unwrap();
        let (_, w) = counting();
        let mut waiter = m.lock();
        assert!(poll(&mut waiter, &w).is_pending());
        // Normal mode: unlock frees the lock, the barger wins the race.
        drop(g);
        g = m.try_lock().expect("normal mode lets a newcomer barge");
        assert!(
            poll(&mut waiter, &w).is_pending(),
            "the waiter lost the race"
        );
        advance_clock(STARVATION_THRESHOLD * 2);
        drop(g);
        // Starvation mode: the lock went to the waiter, not back to the pool.
        assert!(
            m.try_lock().is_none(),
            "a newcomer must not barge past a starving waiter"
        );
        assert!(poll(&mut waiter, &w).is_ready());
    }

    #[test]
    fn newcomer_queues_behind_a_starving_waiter() {
        freeze_clock();
        let m = Mutex::new(Vec::new());
        let g = m.try_lock().unwrap();
        let (_, w) = counting();
        let mut first = m.lock();
        assert!(poll(&mut first, &w).is_pending());
        let mut second = m.lock();
        assert!(poll(&mut second, &w).is_pending());
        advance_clock(STARVATION_THRESHOLD * 2);
        drop(g); // hand-off to `first`, starvation mode stays on: `second` waits too
        assert_eq!(m.state_bits(), (true, true, true));
        let mut third = m.lock();
        assert!(
            poll(&mut third, &w).is_pending(),
            "newcomers queue in starvation mode"
        );
        let Poll::Ready(mut g1) = poll(&mut first, &w) else {
            panic!("hand-off lost")
        };
        g1.push(1);
        drop(g1);
        let Poll::Ready(mut g2) = poll(&mut second, &w) else {
            panic!("hand-off lost")
        };
        g2.push(2);
        drop(g2);
        let Poll::Ready(mut g3) = poll(&mut third, &w) else {
            panic!("third must follow")
        };
        g3.push(3);
        assert_eq!(*g3, [1, 2, 3]);
        drop(g3);
        assert_eq!(m.state_bits(), (false, false, false));
    }

    #[test]
    fn dropped_future_holding_a_handoff_passes_the_lock_on() {
        freeze_clock();
        let m = Mutex::new(());
        let g = m.try_lock().unwrap();
        let (_, w) = counting();
        let mut first = m.lock();
        let mut second = m.lock();
        assert!(poll(&mut first, &w).is_pending());
        assert!(poll(&mut second, &w).is_pending());
        advance_clock(STARVATION_THRESHOLD * 2);
        drop(g); // handed to `first`
        drop(first); // ... which is cancelled: `second` must get it
        assert!(poll(&mut second, &w).is_ready());
        assert_eq!(m.state_bits(), (false, false, false));
    }

    #[test]
    fn dropped_only_waiter_clears_the_waiters_bit() {
        let m = Mutex::new(());
        let g = m.try_lock().unwrap();
        let (_, w) = counting();
        let mut f = m.lock();
        assert!(poll(&mut f, &w).is_pending());
        drop(f);
        assert_eq!(m.state_bits(), (true, false, false));
        drop(g);
        assert_eq!(m.state_bits(), (false, false, false));
    }

    #[test]
    fn guards_exclude_each_other_across_threads() {
        let m = Arc::new(Mutex::new(0u64));
        let threads = if cfg!(miri) { 3 } else { 4 };
        let iters = if cfg!(miri) { 30 } else { 2_000 };
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let m = m.clone();
                std::thread::spawn(move || {
                    for _ in 0..iters {
                        let mut g = m.lock_blocking();
                        let v = *g;
                        std::hint::spin_loop();
                        *g = v + 1;
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(*m.lock_blocking(), threads * iters);
        assert_eq!(m.state_bits(), (false, false, false));
    }
}
