//! `Once`: Go's `sync.Once`.
//!
//! A `done` flag read on the fast path and a small std mutex that
//! serializes the slow path, exactly Go's shape: the first caller runs `f`
//! under the mutex and sets `done` when `f` returns *or panics* (a drop
//! guard), so later callers return at once and concurrent callers, blocked
//! on the mutex, return only after `f` has finished.

use std::fmt;

use crate::loom::atomic::{AtomicBool, Ordering::*};
use crate::loom::{const_fn, lock, Mutex};

/// Runs a function exactly once: Go's `sync.Once`.
///
/// [`call_once`](Once::call_once) is synchronous, like Go's `Once.Do`: the
/// first caller runs `f`; callers that arrive while `f` runs wait for it to
/// finish, and every call after that returns at once. If `f` panics, the
/// `Once` still counts as done and `f` is never called again (Go's rule;
/// `std::sync::Once` would poison instead).
///
/// # Goroutines
///
/// Waiting for a running `f` blocks the *thread*, not just the goroutine:
/// a goroutine that calls `call_once` while another runs `f` holds its
/// worker thread until `f` returns. Keep `f` short and never wait in it for
/// other goroutines; for initialisation that awaits, use
/// [`OnceCell::get_or_init`](crate::OnceCell::get_or_init), whose waiters
/// park as goroutines. Calling `call_once` on the same `Once` from inside
/// `f`, which deadlocks in Go, panics here (see [`Once::call_once`]).
///
/// # Examples
///
/// ```
/// use goroutine::sync::Once;
/// static SETUP: Once = Once::new();
///
/// let mut runs = 0;
/// for _ in 0..3 {
///     SETUP.call_once(|| runs += 1);
/// }
/// assert_eq!(runs, 1);
/// assert!(SETUP.is_completed());
/// ```
///
/// # Go
///
/// `var once sync.Once; once.Do(f)` → `static ONCE: Once = Once::new();
/// ONCE.call_once(f)`.
pub struct Once {
    done: AtomicBool,
    slow: Mutex<()>,
    /// The thread running `f` (its `thread_token`), or 0: lets a call from
    /// inside `f` panic instead of blocking its thread on `slow` forever.
    /// Std's atomic in both builds; the check is off under loom, whose
    /// threads may share one OS thread.
    runner: std::sync::atomic::AtomicUsize,
}

impl Once {
    const_fn! {
        /// Creates a `Once` that has not run.
        ///
        /// # Examples
        ///
        /// ```
        /// let once = goroutine::sync::Once::new();
        /// assert!(!once.is_completed());
        /// ```
        pub fn new() -> Once {
            Once {
                done: AtomicBool::new(false),
                slow: Mutex::new(()),
                runner: std::sync::atomic::AtomicUsize::new(0),
            }
        }
    }

    /// Calls `f` if no call on this `Once` has run yet; otherwise waits for
    /// the call that runs it to finish, or returns at once if it has.
    ///
    /// When this returns, the call that ran `f` has finished, and what it
    /// did is visible to the caller.
    ///
    /// # Panics
    ///
    /// If called from inside `f` on the same `Once`: the call would wait for
    /// itself (in Go, a deadlock), so it panics with "sync: Once.call_once
    /// called from inside its own function (deadlock)". The `Once` then
    /// counts as done, as after any panic of `f`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let once = Arc::new(goroutine::sync::Once::new());
    /// let calls = Arc::new(AtomicUsize::new(0));
    /// let threads: Vec<_> = (0..4)
    ///     .map(|_| {
    ///         let (once, calls) = (once.clone(), calls.clone());
    ///         std::thread::spawn(move || once.call_once(|| { calls.fetch_add(1, Ordering::SeqCst); }))
    ///     })
    ///     .collect();
    /// for t in threads { t.join().unwrap(); }
    /// assert_eq!(calls.load(Ordering::SeqCst), 1);
    /// ```
    #[track_caller]
    pub fn call_once(&self, f: impl FnOnce()) {
        // Acquire: pairs with the Release in `SetDone`, so `f`'s effects are
        // visible once `done` reads true.
        if self.done.load(Acquire) {
            return;
        }
        self.call_slow(f);
    }

    #[cold]
    #[track_caller]
    fn call_slow(&self, f: impl FnOnce()) {
        let me = thread_token();
        // Relaxed: only this thread stores `me` here, and it clears it
        // before `f` returns, so a stale read of `me` is impossible.
        if cfg!(not(loom)) && self.runner.load(std::sync::atomic::Ordering::Relaxed) == me {
            panic!("sync: Once.call_once called from inside its own function (deadlock)");
        }
        let _serial = lock(&self.slow);
        // Relaxed: `done` is only written under `slow`, which we hold.
        if !self.done.load(Relaxed) {
            self.runner.store(me, std::sync::atomic::Ordering::Relaxed);
            let _set = SetDone(self);
            f();
        }
    }

    /// True once a call has run `f` to the end (or to a panic).
    ///
    /// # Examples
    ///
    /// ```
    /// let once = goroutine::sync::Once::new();
    /// once.call_once(|| {});
    /// assert!(once.is_completed());
    /// ```
    pub fn is_completed(&self) -> bool {
        self.done.load(Acquire)
    }
}

impl Default for Once {
    fn default() -> Once {
        Once::new()
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once")
            .field("done", &self.is_completed())
            .finish()
    }
}

/// Marks the `Once` done when `f` returns or unwinds (Go's `defer`).
/// A number unique to the calling thread while it lives (never 0).
fn thread_token() -> usize {
    thread_local! {
        static TOKEN: u8 = const { 0 };
    }
    TOKEN.with(|t| std::ptr::from_ref(t).addr())
}

/// Marks the `Once` done when `f` returns or unwinds.
struct SetDone<'a>(&'a Once);

impl Drop for SetDone<'_> {
    fn drop(&mut self) {
        // Relaxed: read only by this thread (see `call_slow`).
        self.0.runner.store(0, std::sync::atomic::Ordering::Relaxed);
        // Release: publishes `f`'s effects to the fast-path Acquire load.
        self.0.done.store(true, Release);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn panicking_function_still_completes_the_once() {
        // Go: TestOncePanic.
        let once = Once::new();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            once.call_once(|| panic!("boom"))
        }));
        assert!(r.is_err());
        assert!(once.is_completed());
        let mut called = false;
        once.call_once(|| called = true);
        assert!(!called, "a Once whose f panicked must not call again");
    }

    #[test]
    fn a_call_from_inside_its_own_function_panics_instead_of_hanging() {
        let once = Once::new();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            once.call_once(|| once.call_once(|| {}))
        }));
        let msg = *r.unwrap_err().downcast::<&str>().unwrap();
        assert_eq!(
            msg,
            "sync: Once.call_once called from inside its own function (deadlock)"
        );
        assert!(once.is_completed());
        // Another thread may wait for a running call: no false alarm.
        let once = std::sync::Arc::new(Once::new());
        let (started, go) = (std::sync::Barrier::new(2), std::sync::Barrier::new(2));
        std::thread::scope(|s| {
            s.spawn(|| {
                once.call_once(|| {
                    started.wait();
                    go.wait();
                })
            });
            started.wait();
            let waiter = s.spawn(|| once.call_once(|| unreachable!()));
            go.wait();
            waiter.join().unwrap();
        });
    }
}
