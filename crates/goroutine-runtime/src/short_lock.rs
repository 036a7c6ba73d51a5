//! [`ShortLock`]: the lock of a channel (and of a select's cell), whose
//! critical sections are a few dozen instructions that never block, never
//! run user code and never allocate beyond a ring's growth.
//!
//! What it does differently from `std::sync::Mutex` (which the channels
//! used before, through `__private::lock`):
//!
//! - **No poisoning**: nothing to check on lock and unlock. A channel's
//!   state is consistent at every point where a panic could unwind.
//! - **A waiter reads before it tries** (test-and-test-and-set) and backs
//!   off between reads (2 to 128 spin hints), so it does not keep taking
//!   the line from the holder with failing compare-and-swaps (std's
//!   `try_lock` has no read-only peek).
//! - **Nobody sleeps in the kernel on it**: after spinning, a waiter yields
//!   its thread, and if the holder is still not done (it lost its CPU while
//!   holding the lock) sleeps 50 µs between tries. With critical sections
//!   this short those stages are reached only when the holder was
//!   descheduled.
//!
//! Measured on probes of the channel benchmarks (2 workers, medians of
//! interleaved runs, against the std mutex with the same back-off):
//! 4 x 4 producers/consumers 28.2 -> 25.6 and 26.2 -> 25.1 ns per message,
//! unbuffered ping-pong 157 -> 149 ns per round trip, select over 4
//! channels 90 -> 85 ns. An unlock by plain `Release` store instead of a
//! swap was faster still where one thread takes the lock at a time
//! (ping-pong 145, `try_send` + `try_recv` 7.9 against 9.4 ns) but slower
//! under contention (producers/consumers 29.3-31.5), and marking contention
//! so that only contended unlocks swap cost the waiters a compare-and-swap
//! (30.8); the swap is kept.

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use crate::loom::atomic::AtomicU32;
use crate::loom::atomic::Ordering::{Acquire, Relaxed, Release};

const UNLOCKED: u32 = 0;
const LOCKED: u32 = 1;

/// Rounds of spinning (2, 4, ..., 128 pauses between reads) before
/// yielding the thread.
const SPIN_ROUNDS: u32 = 7;
/// Yields before sleeping between tries.
const YIELD_ROUNDS: u32 = 64;

/// A spin-then-yield lock for short critical sections; see the module docs.
///
/// ```
/// use goroutine_runtime::__private::{lock_short, ShortLock};
/// let m = ShortLock::new(1);
/// *lock_short(&m) += 1;
/// assert_eq!(*lock_short(&m), 2);
/// ```
pub struct ShortLock<T: ?Sized> {
    state: AtomicU32,
    data: UnsafeCell<T>,
}

// SAFETY: the lock hands out access to `data` to one thread at a time (an
// `Acquire` CAS takes it, a `Release` store gives it back), so sharing the
// lock only ever moves a `T` between threads, which `T: Send` allows; as
// for `std::sync::Mutex`.
unsafe impl<T: ?Sized + Send> Send for ShortLock<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send> Sync for ShortLock<T> {}

/// Access to the data of a locked [`ShortLock`]; unlocks when dropped.
#[must_use = "the lock is released at once if the guard is not kept"]
pub struct ShortLockGuard<'a, T: ?Sized> {
    lock: &'a ShortLock<T>,
    /// Send and Sync exactly when `&mut T` is: a shared guard hands out
    /// `&T` to every thread that holds it.
    _data: PhantomData<&'a mut T>,
}

impl<T> ShortLock<T> {
    /// An unlocked lock holding `value`.
    #[cfg(not(loom))]
    pub const fn new(value: T) -> ShortLock<T> {
        ShortLock {
            state: AtomicU32::new(UNLOCKED),
            data: UnsafeCell::new(value),
        }
    }

    /// An unlocked lock holding `value` (loom's atomics are not `const`).
    #[cfg(loom)]
    pub fn new(value: T) -> ShortLock<T> {
        ShortLock {
            state: AtomicU32::new(UNLOCKED),
            data: UnsafeCell::new(value),
        }
    }
}

/// Locks `lock`, waiting for its holder if need be (see the module docs).
#[inline]
pub fn lock_short<T: ?Sized>(lock: &ShortLock<T>) -> ShortLockGuard<'_, T> {
    // Acquire: pairs with the Release store of the previous unlock, so its
    // holder's writes to the data are visible to us.
    if lock
        .state
        .compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed)
        .is_err()
    {
        lock_contended(lock);
    }
    ShortLockGuard {
        lock,
        _data: PhantomData,
    }
}

#[cold]
#[inline(never)]
fn lock_contended<T: ?Sized>(lock: &ShortLock<T>) {
    let mut round = 0u32;
    loop {
        wait_a_little(round);
        round = round.saturating_add(1);
        // Relaxed read first: only a lock that looks free is worth the
        // compare-and-swap (which takes the cache line from the holder).
        // Acquire on success: as in `lock_short`.
        if lock.state.load(Relaxed) == UNLOCKED
            && lock
                .state
                .compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed)
                .is_ok()
        {
            return;
        }
    }
}

/// The back-off between two looks at a held lock.
#[cfg(not(loom))]
fn wait_a_little(round: u32) {
    if round < SPIN_ROUNDS {
        for _ in 0..2u32 << round {
            std::hint::spin_loop();
        }
    } else if round < SPIN_ROUNDS + YIELD_ROUNDS {
        std::thread::yield_now();
    } else {
        std::thread::sleep(std::time::Duration::from_micros(50));
    }
}

/// Under loom every wait is a yield to the model's other threads.
#[cfg(loom)]
fn wait_a_little(_round: u32) {
    loom::thread::yield_now();
}

impl<T: ?Sized> Deref for ShortLockGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the lock, so no other guard exists and
        // nothing else touches the data until it is dropped.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for ShortLockGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only borrow
        // through this guard.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for ShortLockGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // Release: publishes this critical section's writes to the next
        // holder's Acquire. A swap rather than a store, although nobody
        // sleeps on the lock and the old value is not needed: measured
        // faster under contention (see the module docs).
        self.lock.state.swap(UNLOCKED, Release);
    }
}

impl<T: ?Sized> fmt::Debug for ShortLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShortLock")
            .field("locked", &(self.state.load(Relaxed) == LOCKED))
            .finish_non_exhaustive()
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for ShortLockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::{lock_short, ShortLock};
    use std::sync::Arc;

    #[test]
    fn contended_lock_gives_every_thread_exclusive_access() {
        let counter = Arc::new(ShortLock::new(0u64));
        let per_thread = if cfg!(miri) { 50 } else { 100_000 };
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let counter = counter.clone();
                std::thread::spawn(move || {
                    for _ in 0..per_thread {
                        // A read and a write apart: lost updates show
                        // if two threads were ever inside at once.
                        let mut g = lock_short(&counter);
                        let v = *g;
                        std::hint::black_box(&v);
                        *g = v + 1;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*lock_short(&counter), 4 * per_thread);
    }

    #[test]
    fn a_waiter_gets_the_lock_after_a_long_hold() {
        // The holder keeps the lock past the spinning and yielding stages,
        // so the waiter reaches the sleeping one and still gets in.
        let m = Arc::new(ShortLock::new(Vec::new()));
        let g = lock_short(&m);
        let waiter = {
            let m = m.clone();
            std::thread::spawn(move || lock_short(&m).push(2))
        };
        std::thread::sleep(std::time::Duration::from_millis(if cfg!(miri) {
            1
        } else {
            20
        }));
        let mut g = g;
        g.push(1);
        drop(g);
        waiter.join().unwrap();
        assert_eq!(*lock_short(&m), [1, 2]);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::{lock_short, ShortLock};
    use loom::cell::UnsafeCell;
    use loom::sync::Arc;
    use loom::thread;

    /// Two threads increment a loom-tracked cell under the lock: loom
    /// reports a data race if both are ever inside at once, or if the
    /// unlock's store did not publish the first one's write to the second.
    #[test]
    fn loom_holders_are_exclusive_and_see_each_others_writes() {
        loom::model(|| {
            let m = Arc::new(ShortLock::new(UnsafeCell::new(0u32)));
            let other = {
                let m = m.clone();
                thread::spawn(move || {
                    let g = lock_short(&m);
                    // SAFETY: we hold the lock.
                    g.with_mut(|p| unsafe { *p += 1 });
                })
            };
            {
                let g = lock_short(&m);
                // SAFETY: we hold the lock.
                g.with_mut(|p| unsafe { *p += 1 });
            }
            other.join().unwrap();
            let g = lock_short(&m);
            // SAFETY: we hold the lock.
            assert_eq!(g.with(|p| unsafe { *p }), 2);
        });
    }
}
