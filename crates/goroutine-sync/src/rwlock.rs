//! `RwLock<T>`: Go's `sync.RWMutex` with the data inside.
//!
//! Built as Go's `RWMutex` is, from two FIFO [`Semaphore`]s: `turn`, one
//! permit that writers take in arrival order (Go's `w` mutex), and
//! `readers`, [`MAX_READERS`] permits, one per reader, of which the writer
//! whose turn it is takes all. Because a semaphore's line is strict (a
//! newcomer does not take permits while anyone waits), that writer,
//! waiting for the readers inside, blocks later readers, so writers are
//! not starved. When it unlocks, it returns the readers' permits first,
//! which lets in every reader waiting then, and only then passes the turn:
//! the next writer queues for the readers' permits behind them. An
//! uncontended `read` is one CAS and its unlock one atomic add; a `write`
//! is two of each.
#![allow(unsafe_code)]

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use goroutine_runtime::coop;
use goroutine_runtime::debug::WaitReason;

use crate::loom::const_fn;
use crate::semaphore::{Acquire, Semaphore};

/// Readers that may hold the lock at once; a writer takes this many permits.
const MAX_READERS: usize = (u32::MAX >> 3) as usize;

/// A reader-writer lock for goroutines, owning its data: Go's
/// `sync.RWMutex`.
///
/// Any number of readers or one writer. A writer that asks while readers
/// hold the lock waits for them, and readers that arrive after it wait for
/// the writer, as in Go, so a steady stream of readers cannot starve a
/// writer. Writers take turns in arrival order; when one unlocks, every
/// reader waiting at that moment enters before the next writer, as in Go.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use goroutine::sync::RwLock;
///
/// # goroutine::block_on(async {
/// let config = Arc::new(RwLock::new(String::from("v1")));
/// {
///     let a = config.read().await;
///     let b = config.read().await; // many readers at once
///     assert_eq!(*a, *b);
/// }
/// config.write().await.push_str("+patch");
/// assert_eq!(*config.read().await, "v1+patch");
/// # });
/// ```
///
/// # Go
///
/// `mu.RLock()`/`RUnlock()` is `let g = lock.read().await` (unlocked when
/// `g` drops); `mu.Lock()`/`Unlock()` is `lock.write().await`. As in Go, a
/// goroutine must not take a read lock it already holds while a writer may
/// be waiting: the second `read` queues behind the writer, which waits for
/// the first — a deadlock.
pub struct RwLock<T: ?Sized> {
    /// One permit: the writers' turn (Go's `w`).
    turn: Semaphore,
    /// [`MAX_READERS`] permits: a reader holds one, a writer all.
    readers: Semaphore,
    data: UnsafeCell<T>,
}

// SAFETY: readers share `&T` across threads (needs `T: Sync`) and a writer
// gets `&mut T` on whichever thread holds the write guard (needs `T: Send`);
// the `readers` semaphore ensures one writer or only readers (see module
// doc).
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    const_fn! {
        /// Creates an unlocked `RwLock` holding `value`.
        ///
        /// # Examples
        ///
        /// ```
        /// static TABLE: goroutine::sync::RwLock<Vec<u8>> = goroutine::sync::RwLock::new(Vec::new());
        /// TABLE.try_write().unwrap().push(1);
        /// assert_eq!(*TABLE.try_read().unwrap(), [1]);
        /// ```
        pub fn new(value: T) -> RwLock<T> {
            RwLock {
                turn: Semaphore::new(1),
                readers: Semaphore::new(MAX_READERS),
                data: UnsafeCell::new(value),
            }
        }
    }

    /// Consumes the lock and returns the data.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(goroutine::sync::RwLock::new(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Locks for reading, waiting while a writer holds or waits for the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let lock = goroutine::sync::RwLock::new(1);
    /// assert_eq!(*lock.read().await, 1);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a dropped `read` leaves the line, and a read lock
    /// already granted to it is released at once (letting a waiting writer
    /// in).
    pub fn read(&self) -> Read<'_, T> {
        Read {
            lock: self,
            acquire: self.readers.acquire_for(1, WaitReason::RwLockRead),
        }
    }

    /// Locks for writing, waiting for current readers and writers to leave.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let lock = goroutine::sync::RwLock::new(1);
    /// *lock.write().await += 1;
    /// assert_eq!(*lock.read().await, 2);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a dropped `write` leaves the line (readers queued behind
    /// it may then enter), and a write lock already granted to it is
    /// released.
    pub fn write(&self) -> Write<'_, T> {
        Write {
            lock: self,
            stage: Stage::Start,
        }
    }

    /// Locks for reading if no writer holds or waits for the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = goroutine::sync::RwLock::new(0);
    /// let w = lock.try_write().unwrap();
    /// assert!(lock.try_read().is_none());
    /// drop(w);
    /// assert!(lock.try_read().is_some());
    /// ```
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
        self.readers.try_take(1).then(|| RwLockReadGuard {
            lock: self,
            _data: PhantomData,
        })
    }

    /// Locks for writing if nobody holds or waits for the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = goroutine::sync::RwLock::new(0);
    /// let r = lock.try_read().unwrap();
    /// assert!(lock.try_write().is_none());
    /// drop(r);
    /// assert!(lock.try_write().is_some());
    /// ```
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, T>> {
        if !self.turn.try_take(1) {
            return None;
        }
        if !self.readers.try_take(MAX_READERS) {
            // Give the turn back; a writer that queued for it meanwhile
            // gets it.
            self.turn.release(1);
            return None;
        }
        Some(RwLockWriteGuard {
            lock: self,
            _data: PhantomData,
        })
    }

    /// [`read`](RwLock::read) from a plain thread, blocking it.
    ///
    /// Inside a goroutine this blocks the worker thread; use `read` there.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = goroutine::sync::RwLock::new(5);
    /// assert_eq!(*lock.read_blocking(), 5);
    /// ```
    pub fn read_blocking(&self) -> RwLockReadGuard<'_, T> {
        crate::blocking::block_on(self.read())
    }

    /// [`write`](RwLock::write) from a plain thread, blocking it.
    ///
    /// Inside a goroutine this blocks the worker thread; use `write` there.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = goroutine::sync::RwLock::new(5);
    /// *lock.write_blocking() = 6;
    /// assert_eq!(*lock.read_blocking(), 6);
    /// ```
    pub fn write_blocking(&self) -> RwLockWriteGuard<'_, T> {
        crate::blocking::block_on(self.write())
    }

    /// Returns a mutable reference to the data; the borrow is exclusive, so
    /// no locking is needed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = goroutine::sync::RwLock::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> RwLock<T> {
        RwLock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Future returned by [`RwLock::read`].
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let lock = goroutine::sync::RwLock::new(1);
/// let read: goroutine::sync::futures::Read<'_, i32> = lock.read();
/// assert_eq!(*read.await, 1);
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Read<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    acquire: Acquire<'a>,
}

impl<'a, T: ?Sized> Future for Read<'a, T> {
    type Output = RwLockReadGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RwLockReadGuard<'a, T>> {
        ready!(Pin::new(&mut self.acquire).poll(cx)).forget();
        Poll::Ready(RwLockReadGuard {
            lock: self.lock,
            _data: PhantomData,
        })
    }
}

impl<T: ?Sized> fmt::Debug for Read<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Read").finish_non_exhaustive()
    }
}

/// Future returned by [`RwLock::write`].
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let lock = goroutine::sync::RwLock::new(1);
/// let write: goroutine::sync::futures::Write<'_, i32> = lock.write();
/// *write.await = 2;
/// assert_eq!(lock.into_inner(), 2);
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Write<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    stage: Stage<'a>,
}

/// Where a [`Write`] is.
enum Stage<'a> {
    /// Not polled yet.
    Start,
    /// Waiting for the writers' turn.
    Turn(Acquire<'a>),
    /// Holding the turn (until the guard, or this, drops), waiting for
    /// every reader's permit.
    Readers(Acquire<'a>),
    /// Returned the guard.
    Done,
}

impl<'a, T: ?Sized> Future for Write<'a, T> {
    type Output = RwLockWriteGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RwLockWriteGuard<'a, T>> {
        let this = &mut *self;
        let lock = this.lock;
        loop {
            match &mut this.stage {
                Stage::Start => {
                    // Uncontended: both takes, for one unit of budget.
                    let progress = ready!(coop::poll_proceed(cx));
                    if !lock.turn.try_take(1) {
                        this.stage = Stage::Turn(lock.turn.acquire_for(1, WaitReason::RwLockWrite));
                    } else if !lock.readers.try_take(MAX_READERS) {
                        this.stage = lock.wait_for_readers();
                    } else {
                        progress.made_progress();
                        break;
                    }
                }
                Stage::Turn(turn) => {
                    ready!(Pin::new(turn).poll(cx)).forget();
                    this.stage = lock.wait_for_readers();
                }
                Stage::Readers(readers) => {
                    ready!(Pin::new(readers).poll(cx)).forget();
                    break;
                }
                Stage::Done => panic!("`Write` polled after it returned its guard"),
            }
        }
        // The guard holds the turn from here on.
        this.stage = Stage::Done;
        Poll::Ready(RwLockWriteGuard {
            lock,
            _data: PhantomData,
        })
    }
}

impl<T: ?Sized> RwLock<T> {
    /// A [`Write`]'s second stage, once the turn is its own.
    fn wait_for_readers(&self) -> Stage<'_> {
        Stage::Readers(
            self.readers
                .acquire_for(MAX_READERS, WaitReason::RwLockWrite),
        )
    }
}

impl<T: ?Sized> Drop for Write<'_, T> {
    fn drop(&mut self) {
        if let Stage::Readers(readers) = std::mem::replace(&mut self.stage, Stage::Done) {
            // Dropped holding the turn, still waiting for the readers:
            // leave their line (readers queued behind may then enter), then
            // pass the turn on.
            drop(readers);
            self.lock.turn.release(1);
        }
    }
}

impl<T: ?Sized> fmt::Debug for Write<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Write").finish_non_exhaustive()
    }
}

/// Shared access to an [`RwLock`]'s data; the read lock is released when
/// this drops. `Send` when `T: Sync`.
///
/// # Examples
///
/// ```
/// let lock = goroutine::sync::RwLock::new(vec![1, 2]);
/// let g = lock.try_read().unwrap();
/// assert_eq!(g.len(), 2);
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    _data: PhantomData<&'a T>,
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds one of the semaphore's permits, so no
        // writer (which needs all of them) holds `&mut T`; readers only
        // share `&T`.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.readers.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Exclusive access to an [`RwLock`]'s data; the write lock is released
/// when this drops. `Send` when `T: Send + Sync`.
///
/// # Examples
///
/// ```
/// let lock = goroutine::sync::RwLock::new(1);
/// *lock.try_write().unwrap() += 1;
/// assert_eq!(lock.into_inner(), 2);
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    _data: PhantomData<&'a mut T>,
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Turns the write lock into a read lock without letting another writer
    /// in between; readers waiting in line may enter at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::sync::{RwLock, RwLockWriteGuard};
    /// let lock = RwLock::new(1);
    /// let mut w = lock.try_write().unwrap();
    /// *w = 2;
    /// let r = RwLockWriteGuard::downgrade(w);
    /// assert_eq!(*r, 2);
    /// assert!(lock.try_read().is_some());
    /// ```
    pub fn downgrade(this: Self) -> RwLockReadGuard<'a, T> {
        let lock = this.lock;
        std::mem::forget(this);
        // Keep one permit as a reader, return the rest, then the turn.
        lock.readers.release(MAX_READERS - 1);
        lock.turn.release(1);
        RwLockReadGuard {
            lock,
            _data: PhantomData,
        }
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds every permit, so no other guard exists.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds every permit, so no other guard exists,
        // and `&mut self` makes this the only borrow through it.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        // Readers first, as Go's `Unlock`: every reader waiting now enters
        // before the next writer, which queues behind them.
        self.lock.readers.release(MAX_READERS);
        self.lock.turn.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    use crate::poll_once as poll;

    #[test]
    fn waiting_writer_blocks_new_readers() {
        // Go: TestRWMutex's writer-preference property, made deterministic.
        let lock = RwLock::new(0);
        let r1 = lock.try_read().unwrap();
        let mut w = lock.write();
        assert!(poll(&mut w).is_pending());
        assert!(
            lock.try_read().is_none(),
            "a reader must not pass a waiting writer"
        );
        let mut r2 = lock.read();
        assert!(poll(&mut r2).is_pending());
        drop(r1);
        let Poll::Ready(mut wg) = poll(&mut w) else {
            panic!("writer must get in")
        };
        *wg = 1;
        assert!(poll(&mut r2).is_pending());
        drop(wg);
        let Poll::Ready(rg) = poll(&mut r2) else {
            panic!("reader must follow the writer")
        };
        assert_eq!(*rg, 1);
    }

    #[test]
    fn readers_queued_behind_a_writer_enter_together() {
        let lock = RwLock::new(());
        let w = lock.try_write().unwrap();
        let mut readers: Vec<_> = (0..3).map(|_| lock.read()).collect();
        for r in &mut readers {
            assert!(poll(r).is_pending());
        }
        drop(w);
        let guards: Vec<_> = readers.iter_mut().map(poll).collect();
        assert!(guards.iter().all(Poll::is_ready));
    }

    #[test]
    fn a_writer_unlock_lets_in_every_waiting_reader_before_the_next_writer() {
        // Go's `Unlock` wakes every reader blocked at that moment, even one
        // that arrived after the next writer.
        let lock = RwLock::new(0);
        let w1 = lock.try_write().unwrap();
        let mut r1 = lock.read();
        assert!(poll(&mut r1).is_pending());
        let mut w2 = lock.write();
        assert!(poll(&mut w2).is_pending());
        let mut r3 = lock.read();
        assert!(poll(&mut r3).is_pending());
        drop(w1);
        assert!(poll(&mut w2).is_pending(), "the readers come first");
        let Poll::Ready(g1) = poll(&mut r1) else {
            panic!("a reader that queued before the next writer must enter")
        };
        let Poll::Ready(g3) = poll(&mut r3) else {
            panic!("a reader that queued after the next writer must enter too")
        };
        drop(g1);
        assert!(poll(&mut w2).is_pending(), "a reader is still inside");
        drop(g3);
        assert!(poll(&mut w2).is_ready());
    }

    #[test]
    fn writers_take_turns_in_arrival_order_and_a_dropped_one_passes_its_turn() {
        let lock = RwLock::new(());
        let r = lock.try_read().unwrap();
        let mut w1 = lock.write();
        assert!(poll(&mut w1).is_pending()); // its turn; waits for `r`
        let mut w2 = lock.write();
        assert!(poll(&mut w2).is_pending()); // waits for the turn
        assert!(lock.try_write().is_none());
        assert!(lock.try_read().is_none(), "a writer waits for the readers");
        drop(w1);
        assert!(poll(&mut w2).is_pending(), "`r` is still inside");
        drop(r);
        let Poll::Ready(g) = poll(&mut w2) else {
            panic!("the turn must pass to the next writer")
        };
        let mut w3 = lock.write();
        assert!(poll(&mut w3).is_pending());
        let r = RwLockWriteGuard::downgrade(g);
        assert!(
            poll(&mut w3).is_pending(),
            "waits for the downgraded reader"
        );
        drop(r);
        assert!(poll(&mut w3).is_ready());
    }

    #[test]
    fn dropped_writer_lets_queued_readers_in() {
        let lock = RwLock::new(());
        let r1 = lock.try_read().unwrap();
        let mut w = lock.write();
        assert!(poll(&mut w).is_pending());
        let mut r2 = lock.read();
        assert!(poll(&mut r2).is_pending());
        drop(w);
        assert!(poll(&mut r2).is_ready());
        drop(r1);
    }
}
