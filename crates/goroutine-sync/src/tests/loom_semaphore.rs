use ::loom::future::block_on;
use ::loom::sync::Arc;
use ::loom::thread;

use super::poll_once;
use crate::Semaphore;

/// The cancellation model: all `permits` are held; one goroutine polls an
/// acquire of `cancelled` permits once and drops it (it may have been
/// served by then), another waits for one permit; then the holder releases.
/// Whatever the interleaving, the waiter gets its permit and every permit
/// comes back: none lost, nobody stuck.
fn cancelled_waiter_model(permits: usize, cancelled: usize) {
    ::loom::model(move || {
        let sem = Arc::new(Semaphore::new(permits));
        let held = sem.try_acquire_many(permits).unwrap();
        let canceller = {
            let sem = sem.clone();
            thread::spawn(move || {
                let mut f = sem.acquire_many(cancelled);
                let _ = poll_once(&mut f);
                drop(f);
            })
        };
        let waiter = {
            let sem = sem.clone();
            thread::spawn(move || {
                let p = block_on(sem.acquire());
                assert_eq!(p.num_permits(), 1);
            })
        };
        drop(held);
        canceller.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(sem.available_permits(), permits);
    });
}

/// Permits are conserved whatever the interleaving of lock-free releases,
/// parked acquires and a cancelled acquire that may have been granted.
#[test]
fn permits_are_conserved_under_cancellation() {
    cancelled_waiter_model(1, 1);
}

/// The hand-off model: the only permit is held; a waiter acquires it with
/// `acquire` (which returns once it holds it) and checks, with a Relaxed
/// load on purpose, that it sees what the holder wrote before releasing:
/// only the semaphore orders the two.
fn holders_writes_model(acquire: fn(&Semaphore)) {
    use ::loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    ::loom::model(move || {
        let sem = Arc::new(Semaphore::new(1));
        let data = Arc::new(AtomicUsize::new(0));
        let held = sem.try_acquire_many(1).unwrap();
        let waiter = {
            let (sem, data) = (sem.clone(), data.clone());
            thread::spawn(move || {
                acquire(&sem);
                assert_eq!(data.load(Relaxed), 1);
            })
        };
        data.store(1, Relaxed);
        drop(held);
        waiter.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

/// A waiter served in line sees what the releasing holder wrote: the grant
/// is published by the `served` ticket, not by the list lock.
#[test]
fn served_waiter_sees_the_holders_writes() {
    // The permit is dropped at once; the model's load comes after the
    // acquire, which is what the ordering must cover.
    holders_writes_model(|sem| drop(block_on(sem.acquire())));
}

/// A waiter handed its permit straight by a release (`release_to_line`)
/// and polled without being woken (a `select!` or `join` sibling woke its
/// goroutine) gets the permit, and sees what the holder wrote. (Only the
/// `served` ticket orders the two on that path; note that loom explores
/// too few stale reads here to fail when that store is made `Relaxed`.)
#[test]
fn waiter_polled_without_a_wake_sees_the_holders_writes() {
    holders_writes_model(|sem| {
        let mut f = sem.acquire();
        while poll_once(&mut f).is_pending() {
            thread::yield_now();
        }
    });
}

/// A release of 3 ends up serving both a single acquire and an
/// `acquire_many(3)`, whatever order they queued in and whichever path
/// (direct hand-off or the word) the permits take: none lost, nobody stuck.
#[test]
fn a_release_of_three_serves_a_single_and_a_many_waiter() {
    ::loom::model(|| {
        let sem = Arc::new(Semaphore::new(3));
        let held = sem.try_acquire_many(3).unwrap();
        let single = {
            let sem = sem.clone();
            thread::spawn(move || drop(block_on(sem.acquire())))
        };
        let many = {
            let sem = sem.clone();
            thread::spawn(move || {
                let p = block_on(sem.acquire_many(3));
                assert_eq!(p.num_permits(), 3);
            })
        };
        drop(held);
        single.join().unwrap();
        many.join().unwrap();
        assert_eq!(sem.available_permits(), 3);
    });
}

/// An `acquire_many(2)` cancelled after a release may have handed it its
/// permits gives them back, and the single acquire queued behind it gets
/// one: nothing lost, nobody stuck.
#[test]
fn a_cancelled_many_waiter_handed_its_permits_gives_them_back() {
    cancelled_waiter_model(2, 2);
}
