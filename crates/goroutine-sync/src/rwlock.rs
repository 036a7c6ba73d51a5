//! `RwLock<T>`: Go's `sync.RWMutex` with the data inside.
//!
//! Built on the FIFO [`Semaphore`] with [`MAX_READERS`] permits: a reader
//! takes one, a writer takes all of them. Because the semaphore's line is
//! strict (a newcomer does not take permits while anyone waits), a writer
//! waiting behind active readers blocks later readers, so writers are not
//! starved; when the writer unlocks, the readers queued behind it are all
//! served together. An uncontended `read` or `write` is one CAS and its
//! unlock one atomic add.
#![allow(unsafe_code)]

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

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
/// writer. Waiters are served in arrival order.
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
///
/// One difference in order: when a writer unlocks, Go's `RWMutex` lets in
/// every reader waiting at that moment, even readers that arrived after the
/// next writer began to wait; here waiters are served strictly in arrival
/// order (a reader that queued behind a waiting writer comes after it).
/// Both keep writers from starving; only the order of such a reader and
/// writer differs.
pub struct RwLock<T: ?Sized> {
    sem: Semaphore,
    data: UnsafeCell<T>,
}

// SAFETY: readers share `&T` across threads (needs `T: Sync`) and a writer
// gets `&mut T` on whichever thread holds the write guard (needs `T: Send`);
// the semaphore ensures one writer or only readers (see module doc).
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
            RwLock { sem: Semaphore::new(MAX_READERS), data: UnsafeCell::new(value) }
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
            acquire: self.sem.acquire_for(1, WaitReason::RwLockRead),
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
            acquire: self.sem.acquire_for(MAX_READERS, WaitReason::RwLockWrite),
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
        self.sem.try_take(1).then(|| RwLockReadGuard {
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
        self.sem.try_take(MAX_READERS).then(|| RwLockWriteGuard {
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
    acquire: Acquire<'a>,
}

impl<'a, T: ?Sized> Future for Write<'a, T> {
    type Output = RwLockWriteGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RwLockWriteGuard<'a, T>> {
        ready!(Pin::new(&mut self.acquire).poll(cx)).forget();
        Poll::Ready(RwLockWriteGuard {
            lock: self.lock,
            _data: PhantomData,
        })
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
        self.lock.sem.release(1);
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
        // Keep one permit as a reader, return the rest.
        lock.sem.release(MAX_READERS - 1);
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
        self.lock.sem.release(MAX_READERS);
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
