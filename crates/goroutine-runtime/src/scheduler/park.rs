//! Parking a worker thread: sleep until unparked or until a deadline.
//!
//! ```text
//! EMPTY --park--> PARKED ---------unpark--> NOTIFIED --park returns--> EMPTY
//! EMPTY --park_driver--> PARKED_DRIVER --unpark--> NOTIFIED (+ poller notify)
//! EMPTY --unpark--> NOTIFIED        (the next park returns at once)
//! ```
//!
//! An unpark is never lost: it either finds the worker `PARKED` (and
//! signals the condition variable under the lock the parker holds while
//! deciding to sleep), finds it `PARKED_DRIVER` (and tells the caller to
//! interrupt the poller, whose notification is sticky), or leaves
//! `NOTIFIED` behind for the next park.

use std::time::Instant;

use crate::loom::atomic::AtomicUsize;
use crate::loom::atomic::Ordering::SeqCst;
use crate::loom::{lock, Condvar, Mutex};

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;
const PARKED_DRIVER: usize = 3;

#[derive(Default)]
pub(crate) struct Parker {
    state: AtomicUsize,
    lock: Mutex<()>,
    cvar: Condvar,
}

impl Parker {
    pub(crate) fn new() -> Parker {
        Parker::default()
    }

    /// Sleeps until [`unpark`](Parker::unpark) or `deadline`. Returns true
    /// if it was unparked (a pending notification counts).
    pub(crate) fn park(&self, deadline: Option<Instant>) -> bool {
        // SeqCst throughout: these are rare, and pair with `unpark`'s swap.
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return true;
        }
        let mut guard = lock(&self.lock);
        if let Err(actual) = self.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
            debug_assert_eq!(actual, NOTIFIED);
            self.state.store(EMPTY, SeqCst);
            return true;
        }
        loop {
            guard = match deadline {
                None => self.cvar.wait(guard).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        // Timed out: leave PARKED; a racing unpark may have
                        // set NOTIFIED, which we consume as a wake-up.
                        return self.state.swap(EMPTY, SeqCst) == NOTIFIED;
                    }
                    self.wait_timeout(guard, deadline - now)
                }
            };
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return true;
            }
            // Spurious wake-up, or the deadline passed: loop re-checks.
        }
    }

    #[cfg(not(loom))]
    fn wait_timeout<'a>(
        &self,
        guard: std::sync::MutexGuard<'a, ()>,
        d: std::time::Duration,
    ) -> std::sync::MutexGuard<'a, ()> {
        self.cvar
            .wait_timeout(guard, d)
            .unwrap_or_else(|e| e.into_inner())
            .0
    }

    #[cfg(loom)]
    fn wait_timeout<'a>(
        &self,
        guard: loom::sync::MutexGuard<'a, ()>,
        _d: std::time::Duration,
    ) -> loom::sync::MutexGuard<'a, ()> {
        // loom has no clock: a timed wait is an untimed one there.
        self.cvar.wait(guard).unwrap()
    }

    /// Sleeps inside `wait` (the I/O poller, for the worker that owns the
    /// driver) instead of the condition variable. Returns true if it was
    /// unparked.
    pub(crate) fn park_driver(&self, wait: impl FnOnce()) -> bool {
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return true;
        }
        if self
            .state
            .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
            .is_err()
        {
            self.state.store(EMPTY, SeqCst);
            return true;
        }
        wait();
        self.state.swap(EMPTY, SeqCst) == NOTIFIED
    }

    /// Wakes the parked thread, or makes its next `park` return at once.
    /// Returns true if the thread sleeps in the driver: the caller must then
    /// interrupt the poller.
    #[must_use = "a worker parked in the driver needs the poller notified"]
    pub(crate) fn unpark(&self) -> bool {
        match self.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => false,
            PARKED => {
                // Take the lock so the parker is either before its state
                // check (and will see NOTIFIED) or inside `wait` (and will
                // get the signal).
                drop(lock(&self.lock));
                self.cvar.notify_one();
                false
            }
            PARKED_DRIVER => true,
            other => unreachable!("invalid park state {other}"),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn unpark_before_park_makes_park_return_at_once() {
        let p = Parker::new();
        assert!(!p.unpark());
        assert!(p.park(None));
    }

    #[test]
    fn unpark_of_a_thread_in_the_driver_asks_for_a_poller_notify() {
        let p = Parker::new();
        let mut asked = false;
        let notified = p.park_driver(|| asked = p.unpark());
        assert!(asked && notified);
    }

    #[test]
    fn park_with_past_deadline_times_out() {
        let p = Parker::new();
        assert!(!p.park(Some(Instant::now())));
    }

    #[test]
    fn unpark_from_another_thread_wakes_a_parked_thread() {
        let p = Arc::new(Parker::new());
        let p2 = p.clone();
        let t = std::thread::spawn(move || p2.park(Some(Instant::now() + Duration::from_secs(30))));
        std::thread::sleep(Duration::from_millis(20));
        assert!(!p.unpark());
        assert!(t.join().unwrap());
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::atomic::AtomicBool;
    use crate::loom::Arc;
    use loom::thread;

    /// The waker publishes a flag then unparks; the parker checks the flag
    /// then parks. The parker always ends up seeing the flag.
    #[test]
    fn loom_unpark_is_never_lost() {
        loom::model(|| {
            let p = Arc::new(Parker::new());
            let flag = Arc::new(AtomicBool::new(false));
            let (p2, flag2) = (p.clone(), flag.clone());
            let waker = thread::spawn(move || {
                flag2.store(true, SeqCst);
                let _ = p2.unpark();
            });
            while !flag.load(SeqCst) {
                p.park(None);
            }
            waker.join().unwrap();
        });
    }
}
