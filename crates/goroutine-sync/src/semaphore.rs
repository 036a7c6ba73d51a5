//! `Semaphore`: a counting semaphore with a strict FIFO line, as
//! `golang.org/x/sync/semaphore` (weighted), plus `add_permits`.
//!
//! # Protocol
//!
//! The word holds `permits << 1 | WAITERS`; parked acquires wait in a FIFO
//! [`List`] under a small std mutex, each recording how many permits it
//! needs and its *ticket*: tickets count up in the order waiters join the
//! line. A grant takes the permits out of the word (or, when a release finds
//! waiters, straight from the release, which hands them to the front of the
//! line under the lock), removes the waiter from the list and publishes its
//! ticket in `served`. Grants go strictly front to back, so
//! `served >= ticket` tells a waiter lock-free that it was served (a waiter
//! that left the line earlier no longer asks); only a waiter still unserved
//! takes the lock to store a new waker. Without the tickets each contended
//! acquire took the list lock three times (join, check after the wake,
//! grant) instead of two.
//!
//! # Invariants
//!
//! 1. `WAITERS` is set iff the list has a linked entry; it changes only
//!    under the list lock.
//! 2. At the end of every critical section on the list, the list is empty or
//!    the permits in the word do not cover the first waiter's need. Permits
//!    returned lock-free (`fetch_add`) while `WAITERS` is set are followed by
//!    a trip through the list that restores it.
//! 3. While `WAITERS` is set nobody takes permits without the list: the
//!    lock-free [`try_acquire`](Semaphore::try_acquire) path refuses, so a
//!    large `acquire_many` at the front cannot be starved by small ones.
//! 4. Every linked waiter's ticket is above `served`; every waiter whose
//!    ticket is at most `served` and that has not left the line was granted
//!    its permits and has no slot in the list any more. `served` changes only
//!    under the list lock.
//!
//! # Orderings
//!
//! Taking permits is an Acquire (or AcqRel) RMW and returning them a Release
//! RMW, so whatever a holder did before releasing is visible to the next
//! holder, as for a lock (the RwLock relies on this). A grant is published
//! to its waiter by the Release store of `served` after the granting CAS,
//! which the waiter's Acquire load of `served` pairs with. `WAITERS` updates
//! are `Relaxed`: they only make lock-free CASes fail, and are rechecked
//! under the lock.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use goroutine_runtime::coop;
use goroutine_runtime::debug::{set_wait_reason, WaitReason};

use crate::list::{Key, List, Waiter, WakeList};
use crate::loom::atomic::{AtomicU64, AtomicUsize, Ordering::*};
use crate::loom::std_sync::Arc;
use crate::loom::{const_fn, lock, Mutex as ListLock};

/// The list is not empty (invariant 1).
const WAITERS: usize = 1;
/// Permits are counted above the flag bit.
const SHIFT: u32 = 1;

/// What a parked acquire waits for.
#[derive(Debug)]
struct Need {
    permits: usize,
    ticket: u64,
}

type WaitList = List<Waiter<Need>>;

/// The line: the waiters and the ticket the next one gets.
struct Line {
    list: WaitList,
    next_ticket: u64,
}

/// A parked acquire's place in the line.
#[derive(Clone, Copy, Debug)]
struct Queued {
    key: Key,
    ticket: u64,
}

/// A counting semaphore for goroutines with a strict first-come,
/// first-served line: `golang.org/x/sync/semaphore`'s `Weighted`.
///
/// [`acquire`](Semaphore::acquire) takes one permit and
/// [`acquire_many`](Semaphore::acquire_many) several at once; each returns
/// a [`SemaphorePermit`] that gives its permits back when dropped. Waiters
/// are served in arrival order, and while anyone waits a newcomer does not
/// take permits ahead of them, so a large `acquire_many` cannot be starved
/// by a stream of small acquires.
///
/// # Examples
///
/// At most two goroutines inside at once:
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use goroutine::sync::{Semaphore, WaitGroup};
///
/// # goroutine::block_on(async {
/// let sem = Arc::new(Semaphore::new(2));
/// let inside = Arc::new(AtomicUsize::new(0));
/// let wg = WaitGroup::new();
/// for _ in 0..8 {
///     let (sem, inside) = (sem.clone(), inside.clone());
///     wg.go(async move {
///         let _permit = sem.acquire().await;
///         assert!(inside.fetch_add(1, Ordering::SeqCst) < 2);
///         goroutine::yield_now().await;
///         inside.fetch_sub(1, Ordering::SeqCst);
///     });
/// }
/// wg.wait().await;
/// assert_eq!(sem.available_permits(), 2);
/// # });
/// ```
///
/// # Go
///
/// `sem := semaphore.NewWeighted(n)` is `Semaphore::new(n)`;
/// `sem.Acquire(ctx, k)` is `sem.acquire_many(k).await` (race it against
/// `ctx.done()` in a `select!` to stop waiting); `sem.Release(k)` happens
/// when the permit drops; `TryAcquire` is
/// [`try_acquire_many`](Semaphore::try_acquire_many). The number of permits
/// is not fixed: [`add_permits`](Semaphore::add_permits) adds more.
pub struct Semaphore {
    state: AtomicUsize,
    /// The ticket of the last waiter served (invariant 4).
    served: AtomicU64,
    waiters: ListLock<Line>,
}

impl Semaphore {
    /// The most permits a semaphore can hold.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::sync::Semaphore;
    /// assert_eq!(Semaphore::new(Semaphore::MAX_PERMITS).available_permits(), usize::MAX >> 3);
    /// ```
    pub const MAX_PERMITS: usize = usize::MAX >> 3;

    const_fn! {
        /// Creates a semaphore holding `permits` permits.
        ///
        /// # Panics
        ///
        /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
        ///
        /// # Examples
        ///
        /// ```
        /// static LIMIT: goroutine::sync::Semaphore = goroutine::sync::Semaphore::new(3);
        /// assert_eq!(LIMIT.available_permits(), 3);
        /// ```
        pub fn new(permits: usize) -> Semaphore {
            assert!(permits <= Semaphore::MAX_PERMITS, "semaphore: too many permits");
            Semaphore {
                state: AtomicUsize::new(permits << SHIFT),
                served: AtomicU64::new(0),
                waiters: ListLock::new(Line { list: List::new(), next_ticket: 1 }),
            }
        }
    }

    /// Permits not held by anyone right now.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = goroutine::sync::Semaphore::new(2);
    /// let _p = sem.try_acquire().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        // Acquire: a caller that sees permits returned also sees what their
        // holders did before releasing them, as `try_acquire` would.
        self.state.load(Acquire) >> SHIFT
    }

    /// Waits for one permit.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let sem = goroutine::sync::Semaphore::new(1);
    /// let permit = sem.acquire().await;
    /// assert!(sem.try_acquire().is_none());
    /// drop(permit);
    /// assert!(sem.try_acquire().is_some());
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a dropped `acquire` leaves the line, and permits already
    /// granted to it go back to the semaphore (and on to the next waiter).
    #[inline]
    pub fn acquire(&self) -> Acquire<'_> {
        self.acquire_many(1)
    }

    /// Waits until `n` permits can be taken together.
    ///
    /// Waiters are served first come, first served: while this call waits at
    /// the front, later callers wait behind it even if they want fewer
    /// permits than are free. `n == 0` completes at once when nobody waits.
    ///
    /// This semaphore has no fixed size ([`add_permits`](Semaphore::add_permits)
    /// can grow it), so a request for more permits than it holds in all
    /// waits in line like any other, until permits are added, and the
    /// callers behind it wait too. Go's `x/sync/semaphore` knows its size
    /// and keeps such a request out of the line, where it waits for its
    /// context alone. Wrap such a call in a `timeout` or a `select!` with
    /// `ctx.done()` to give up; dropping it lets the line move on.
    ///
    /// # Panics
    ///
    /// If `n` exceeds [`Semaphore::MAX_PERMITS`].
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let sem = goroutine::sync::Semaphore::new(5);
    /// let three = sem.acquire_many(3).await;
    /// assert_eq!(three.num_permits(), 3);
    /// assert_eq!(sem.available_permits(), 2);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`acquire`](Semaphore::acquire). A dropped
    /// `acquire_many` at the front of the line lets the waiters behind it be
    /// served at once if the free permits cover them.
    #[inline]
    #[track_caller]
    pub fn acquire_many(&self, n: usize) -> Acquire<'_> {
        assert!(
            n <= Semaphore::MAX_PERMITS,
            "semaphore: acquire of more than MAX_PERMITS permits"
        );
        self.acquire_for(n, WaitReason::Semaphore)
    }

    /// Takes one permit if one is free and nobody is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = goroutine::sync::Semaphore::new(1);
    /// let p = sem.try_acquire();
    /// assert!(p.is_some());
    /// assert!(sem.try_acquire().is_none());
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody is waiting (the line is
    /// respected, as in `x/sync/semaphore`'s `TryAcquire`).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = goroutine::sync::Semaphore::new(3);
    /// assert!(sem.try_acquire_many(4).is_none());
    /// assert_eq!(sem.try_acquire_many(3).unwrap().num_permits(), 3);
    /// ```
    pub fn try_acquire_many(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        // `then`, not `then_some`: a permit built eagerly would be dropped,
        // releasing permits never taken.
        self.try_take(n).then(|| SemaphorePermit { sem: self, n })
    }

    /// Waits for one permit of a semaphore held through an `Arc`; the
    /// permit may move into a spawned goroutine (x/sync's "acquire in the
    /// loop, release in the goroutine"). Tokio's name for the same call.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// # goroutine::block_on(async {
    /// let sem = Arc::new(goroutine::sync::Semaphore::new(2));
    /// let wg = goroutine::sync::WaitGroup::new();
    /// for i in 0..8 {
    ///     let permit = sem.clone().acquire_owned().await;
    ///     wg.go(async move {
    ///         let _permit = permit; // defer sem.Release(1)
    ///         println!("job {i}");
    ///     });
    /// }
    /// wg.wait().await;
    /// assert_eq!(sem.available_permits(), 2);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`acquire`](Semaphore::acquire).
    #[track_caller]
    pub fn acquire_owned(self: Arc<Self>) -> AcquireOwned {
        self.acquire_many_owned(1)
    }

    /// Waits for `n` permits held through an `Arc`, for permits that move
    /// into a spawned goroutine.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// # goroutine::block_on(async {
    /// let sem = Arc::new(goroutine::sync::Semaphore::new(1));
    /// let permit = sem.clone().acquire_many_owned(1).await;
    /// let h = goroutine::spawn(async move {
    ///     let _moved = permit; // released when this goroutine ends
    /// });
    /// h.await.unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`acquire`](Semaphore::acquire).
    #[track_caller]
    pub fn acquire_many_owned(self: Arc<Self>, n: usize) -> AcquireOwned {
        assert!(
            n <= Semaphore::MAX_PERMITS,
            "semaphore: acquire of more than MAX_PERMITS permits"
        );
        AcquireOwned {
            sem: self,
            n,
            queued: None,
        }
    }

    /// [`try_acquire_many`](Semaphore::try_acquire_many) for a semaphore
    /// held through an `Arc`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(goroutine::sync::Semaphore::new(1));
    /// let p = sem.clone().try_acquire_many_owned(1).unwrap();
    /// assert!(sem.clone().try_acquire_many_owned(1).is_none());
    /// drop(p);
    /// ```
    pub fn try_acquire_many_owned(self: Arc<Self>, n: usize) -> Option<OwnedSemaphorePermit> {
        self.try_take(n)
            .then(|| OwnedSemaphorePermit { sem: self, n })
    }

    /// Adds `n` permits, serving waiters in line that they now cover.
    ///
    /// # Panics
    ///
    /// If the total would exceed [`Semaphore::MAX_PERMITS`].
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = goroutine::sync::Semaphore::new(0);
    /// assert!(sem.try_acquire().is_none());
    /// sem.add_permits(1);
    /// assert!(sem.try_acquire().is_some());
    /// ```
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        let mut s = self.state.load(Relaxed);
        loop {
            let permits = s >> SHIFT;
            assert!(
                n <= Semaphore::MAX_PERMITS - permits,
                "semaphore: add_permits overflows MAX_PERMITS"
            );
            // Release: as in `release`.
            match self
                .state
                .compare_exchange_weak(s, s + (n << SHIFT), Release, Relaxed)
            {
                Ok(_) => break,
                Err(actual) => s = actual,
            }
        }
        if s & WAITERS != 0 {
            self.serve_waiters();
        }
    }

    /// Lock-free take when nobody waits (invariant 3).
    #[inline]
    pub(crate) fn try_take(&self, n: usize) -> bool {
        let mut s = self.state.load(Relaxed);
        loop {
            if s & WAITERS != 0 || s >> SHIFT < n {
                return false;
            }
            // Acquire: pairs with the Release of whoever returned them.
            match self
                .state
                .compare_exchange_weak(s, s - (n << SHIFT), Acquire, Relaxed)
            {
                Ok(_) => return true,
                Err(actual) => s = actual,
            }
        }
    }

    /// Gives `n` permits back (a permit dropped).
    #[inline]
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        // Relaxed: a hint; `release_to_line` decides under the list lock.
        if self.state.load(Relaxed) & WAITERS != 0 {
            return self.release_to_line(n);
        }
        // Release: publishes the holder's work to the next taker. These
        // permits were taken from this word, so this cannot overflow.
        let prev = self.state.fetch_add(n << SHIFT, Release);
        if prev & WAITERS != 0 {
            self.serve_waiters();
        }
    }

    /// Gives `n` permits back while waiters wait: under the list lock, they
    /// go straight to the front of the line, as far as they cover it, and
    /// only what is left passes through the word. On a contended semaphore
    /// (the line rarely empties) a release then makes no read-modify-write
    /// on the word at all, where going through it took two (the add, and
    /// the grant's take), both on a cache line the other workers keep
    /// pulling back.
    ///
    /// Out of line (it is the common release of a contended semaphore,
    /// so not `#[cold]`), keeping the inlined `release` small.
    #[inline(never)]
    fn release_to_line(&self, n: usize) {
        let mut line = lock(&self.waiters);
        let list = &mut line.list;
        let mut wakers = WakeList::new();
        let mut in_hand = n;
        while let Some(front) = list.front() {
            let need = list.get(front).state.permits;
            if need > in_hand {
                break;
            }
            in_hand -= need;
            let waiter = list.remove(front);
            // Release: publishes the grant, and the work this holder did
            // before giving the permits back, to the waiter's Acquire load
            // in `poll_acquire`.
            self.served.store(waiter.state.ticket, Release);
            wakers.push(waiter.waker);
        }
        if in_hand > 0 {
            // Release: as in `release`.
            self.state.fetch_add(in_hand << SHIFT, Release);
        }
        // The word (with what was left, or with permits returned lock-free
        // meanwhile) may cover the new front; and if the line is empty now,
        // `WAITERS` must go (invariants 1 and 2).
        self.grant_locked_into(list, &mut wakers);
        drop(line);
        wakers.wake_all();
    }

    #[cold]
    fn serve_waiters(&self) {
        let mut line = lock(&self.waiters);
        let wakers = self.grant_locked(&mut line.list);
        drop(line);
        wakers.wake_all();
    }

    /// Serves the line front to back while the permits cover the first
    /// waiter (restoring invariant 2); clears `WAITERS` if it empties.
    fn grant_locked(&self, list: &mut WaitList) -> WakeList {
        let mut wakers = WakeList::new();
        self.grant_locked_into(list, &mut wakers);
        wakers
    }

    /// [`grant_locked`](Self::grant_locked), adding to `wakers`.
    fn grant_locked_into(&self, list: &mut WaitList, wakers: &mut WakeList) {
        'serve: while let Some(front) = list.front() {
            let need = list.get(front).state.permits;
            let mut s = self.state.load(Relaxed);
            loop {
                if s >> SHIFT < need {
                    break 'serve;
                }
                // AcqRel: acquires the permits' previous holders' work for
                // the waiter (handed on by the Release store of `served`).
                match self
                    .state
                    .compare_exchange_weak(s, s - (need << SHIFT), AcqRel, Relaxed)
                {
                    Ok(_) => break,
                    Err(actual) => s = actual,
                }
            }
            let waiter = list.remove(front);
            // Release: publishes the grant (and, through the AcqRel CAS
            // above, the permits' previous holders' work) to the waiter's
            // Acquire load in `poll_acquire`.
            self.served.store(waiter.state.ticket, Release);
            wakers.push(waiter.waker);
        }
        // Relaxed load: `WAITERS` changes only under the list lock, which
        // we hold, so this read is exact; it spares the RMW when the flag is
        // already clear (a release that found the line emptied meanwhile).
        if list.is_empty() && self.state.load(Relaxed) & WAITERS != 0 {
            self.state.fetch_and(!WAITERS, Relaxed);
        }
    }

    /// One poll of an acquire of `n` permits; `queued` is its place in
    /// line once it has one. The uncontended take is inlined into the
    /// caller; everything else is [`poll_acquire_slow`](Self::poll_acquire_slow).
    #[inline]
    fn poll_acquire(
        &self,
        cx: &mut Context<'_>,
        n: usize,
        queued: &mut Option<Queued>,
        reason: WaitReason,
    ) -> Poll<()> {
        let progress = ready!(coop::poll_proceed(cx));
        if queued.is_none() && self.try_take(n) {
            progress.made_progress();
            return Poll::Ready(());
        }
        self.poll_acquire_slow(cx, n, queued, reason, progress)
    }

    #[cold]
    fn poll_acquire_slow(
        &self,
        cx: &mut Context<'_>,
        n: usize,
        queued: &mut Option<Queued>,
        reason: WaitReason,
        progress: coop::Progress,
    ) -> Poll<()> {
        let done = match *queued {
            None => {
                *queued = self.enqueue(cx, n);
                queued.is_none()
            }
            // Acquire: pairs with the Release store in `grant_locked`.
            Some(q) if self.served.load(Acquire) >= q.ticket => true,
            Some(q) => {
                let line = &mut *lock(&self.waiters);
                // Relaxed: `served` changes only under the lock we hold.
                if self.served.load(Relaxed) >= q.ticket {
                    true
                } else {
                    line.list.get_mut(q.key).register(cx.waker());
                    false
                }
            }
        };
        if done {
            *queued = None;
            progress.made_progress();
            Poll::Ready(())
        } else {
            set_wait_reason(reason);
            Poll::Pending
        }
    }

    /// Slow path of a first poll: take the permits if the line is empty and
    /// they are free, else join the line. `None` means taken.
    fn enqueue(&self, cx: &mut Context<'_>, n: usize) -> Option<Queued> {
        let mut line = lock(&self.waiters);
        let mut s = self.state.load(Relaxed);
        loop {
            if s & WAITERS == 0 && s >> SHIFT >= n {
                match self
                    .state
                    .compare_exchange_weak(s, s - (n << SHIFT), Acquire, Relaxed)
                {
                    Ok(_) => return None,
                    Err(actual) => s = actual,
                }
            } else if s & WAITERS != 0 {
                break;
            } else {
                // From here every `release` comes through the list.
                match self
                    .state
                    .compare_exchange_weak(s, s | WAITERS, Relaxed, Relaxed)
                {
                    Ok(_) => break,
                    Err(actual) => s = actual,
                }
            }
        }
        let ticket = line.next_ticket;
        line.next_ticket += 1;
        let need = Need { permits: n, ticket };
        let key = line.list.push_back(Waiter::new(cx.waker(), need));
        Some(Queued { key, ticket })
    }

    /// An acquire future dropped while queued.
    #[cold]
    fn cancel(&self, n: usize, q: Queued) {
        let mut line = lock(&self.waiters);
        let list = &mut line.list;
        // Relaxed: `served` changes only under the lock we hold.
        let wakers = if self.served.load(Relaxed) >= q.ticket {
            // Served but never returned (its slot is gone): give the
            // permits back.
            self.state.fetch_add(n << SHIFT, Release);
            self.grant_locked(list)
        } else {
            let was_front = list.front() == Some(q.key);
            list.remove(q.key);
            if was_front || list.is_empty() {
                // The next waiter may fit in the free permits now.
                self.grant_locked(list)
            } else {
                WakeList::new()
            }
        };
        drop(line);
        wakers.wake_all();
    }

    /// Acquire with a wait reason other than `Semaphore` (RwLock, OnceCell).
    #[inline]
    pub(crate) fn acquire_for(&self, n: usize, reason: WaitReason) -> Acquire<'_> {
        Acquire {
            sem: self,
            n,
            queued: None,
            reason,
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.load(Relaxed);
        f.debug_struct("Semaphore")
            .field("permits", &(s >> SHIFT))
            .field("waiters", &(s & WAITERS != 0))
            .finish()
    }
}

/// Future returned by [`Semaphore::acquire`] and
/// [`Semaphore::acquire_many`].
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let sem = goroutine::sync::Semaphore::new(2);
/// let acquire: goroutine::sync::futures::Acquire<'_> = sem.acquire_many(2);
/// assert_eq!(acquire.await.num_permits(), 2);
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Acquire<'a> {
    sem: &'a Semaphore,
    n: usize,
    queued: Option<Queued>,
    reason: WaitReason,
}

impl<'a> Future for Acquire<'a> {
    type Output = SemaphorePermit<'a>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit<'a>> {
        let this = self.get_mut();
        ready!(this
            .sem
            .poll_acquire(cx, this.n, &mut this.queued, this.reason));
        Poll::Ready(SemaphorePermit {
            sem: this.sem,
            n: this.n,
        })
    }
}

impl Drop for Acquire<'_> {
    #[inline]
    fn drop(&mut self) {
        if let Some(q) = self.queued.take() {
            self.sem.cancel(self.n, q);
        }
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("n", &self.n)
            .field("queued", &self.queued.is_some())
            .finish()
    }
}

/// Future returned by [`Semaphore::acquire_many_owned`].
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// # goroutine::block_on(async {
/// let sem = Arc::new(goroutine::sync::Semaphore::new(1));
/// let acquire: goroutine::sync::futures::AcquireOwned = sem.clone().acquire_many_owned(1);
/// let permit: goroutine::sync::OwnedSemaphorePermit = acquire.await;
/// assert_eq!(permit.num_permits(), 1);
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct AcquireOwned {
    sem: Arc<Semaphore>,
    n: usize,
    queued: Option<Queued>,
}

impl Future for AcquireOwned {
    type Output = OwnedSemaphorePermit;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<OwnedSemaphorePermit> {
        let this = self.get_mut();
        ready!(this
            .sem
            .poll_acquire(cx, this.n, &mut this.queued, WaitReason::Semaphore));
        Poll::Ready(OwnedSemaphorePermit {
            sem: this.sem.clone(),
            n: this.n,
        })
    }
}

impl Drop for AcquireOwned {
    #[inline]
    fn drop(&mut self) {
        if let Some(q) = self.queued.take() {
            self.sem.cancel(self.n, q);
        }
    }
}

impl fmt::Debug for AcquireOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcquireOwned")
            .field("n", &self.n)
            .field("queued", &self.queued.is_some())
            .finish()
    }
}

/// Permits taken from a [`Semaphore`]; they go back when this drops.
///
/// # Examples
///
/// ```
/// let sem = goroutine::sync::Semaphore::new(2);
/// {
///     let _p = sem.try_acquire_many(2).unwrap();
///     assert_eq!(sem.available_permits(), 0);
/// }
/// assert_eq!(sem.available_permits(), 2);
/// ```
#[must_use = "dropping the permit gives it back at once"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    n: usize,
}

impl SemaphorePermit<'_> {
    /// How many permits this holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = goroutine::sync::Semaphore::new(4);
    /// assert_eq!(sem.try_acquire_many(3).unwrap().num_permits(), 3);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.n
    }

    /// Keeps the permits out of the semaphore for good.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = goroutine::sync::Semaphore::new(2);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.n = 0;
    }
}

impl Drop for SemaphorePermit<'_> {
    #[inline]
    fn drop(&mut self) {
        self.sem.release(self.n);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.n)
            .finish()
    }
}

/// Permits taken from a [`Semaphore`] held through an `Arc`; `'static`, so
/// they can move into a goroutine.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// let sem = Arc::new(goroutine::sync::Semaphore::new(1));
/// let p = sem.clone().try_acquire_many_owned(1).unwrap();
/// std::thread::spawn(move || drop(p)).join().unwrap();
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "dropping the permit gives it back at once"]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    n: usize,
}

impl OwnedSemaphorePermit {
    /// How many permits this holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(goroutine::sync::Semaphore::new(2));
    /// assert_eq!(sem.try_acquire_many_owned(2).unwrap().num_permits(), 2);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.n
    }
}

impl Drop for OwnedSemaphorePermit {
    #[inline]
    fn drop(&mut self) {
        self.sem.release(self.n);
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.n)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    use crate::poll_once as poll;

    #[test]
    fn large_acquire_at_the_front_is_not_starved_by_small_ones() {
        let sem = Semaphore::new(2);
        let held = sem.try_acquire().unwrap();
        let mut big = sem.acquire_many(2);
        assert!(poll(&mut big).is_pending());
        // One permit is free, but a newcomer must queue behind `big`.
        assert!(sem.try_acquire().is_none());
        let mut small = sem.acquire();
        assert!(poll(&mut small).is_pending());
        drop(held);
        let big_permit = match poll(&mut big) {
            Poll::Ready(p) => p,
            Poll::Pending => panic!("the front waiter must be served first"),
        };
        assert!(poll(&mut small).is_pending());
        drop(big_permit);
        assert!(poll(&mut small).is_ready());
    }

    #[test]
    fn dropped_front_waiter_lets_the_next_one_in() {
        let sem = Semaphore::new(1);
        let mut big = sem.acquire_many(5);
        assert!(poll(&mut big).is_pending());
        let mut small = sem.acquire();
        assert!(poll(&mut small).is_pending());
        drop(big);
        assert!(
            poll(&mut small).is_ready(),
            "the free permit covers the new front"
        );
    }

    #[test]
    fn permits_granted_to_a_dropped_future_are_not_leaked() {
        let sem = Semaphore::new(0);
        let mut a = sem.acquire_many(2);
        let mut b = sem.acquire_many(2);
        assert!(poll(&mut a).is_pending());
        assert!(poll(&mut b).is_pending());
        sem.add_permits(2); // granted to `a`
        assert_eq!(sem.available_permits(), 0);
        drop(a); // ... which never returns them to a user
        match poll(&mut b) {
            Poll::Ready(p) => assert_eq!(p.num_permits(), 2),
            Poll::Pending => panic!("permits of the dropped waiter must go on"),
        };
    }

    #[test]
    fn add_permits_serves_waiters_in_order() {
        let sem = Semaphore::new(0);
        let mut futs: Vec<_> = (1..=3).map(|n| sem.acquire_many(n)).collect();
        for f in &mut futs {
            assert!(poll(f).is_pending());
        }
        sem.add_permits(3); // serves 1 and 2, not 3
        let p1 = poll(&mut futs[0]);
        let p2 = poll(&mut futs[1]);
        assert!(p1.is_ready() && p2.is_ready());
        assert!(poll(&mut futs[2]).is_pending());
        drop((p1, p2));
        assert!(poll(&mut futs[2]).is_ready());
    }

    #[test]
    fn failed_try_acquire_changes_nothing() {
        let sem = Semaphore::new(1);
        let _held = sem.try_acquire().unwrap();
        assert!(sem.try_acquire().is_none());
        assert_eq!(sem.available_permits(), 0);
    }

    #[test]
    #[should_panic(expected = "semaphore: add_permits overflows MAX_PERMITS")]
    fn add_permits_beyond_the_maximum_panics() {
        Semaphore::new(Semaphore::MAX_PERMITS).add_permits(1);
    }
}
