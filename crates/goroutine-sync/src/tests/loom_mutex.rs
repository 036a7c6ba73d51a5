use ::loom::cell::UnsafeCell;
use ::loom::future::block_on;
use ::loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use ::loom::sync::Arc;
use ::loom::thread;

use super::poll_once;
use crate::Mutex;

/// Guards exclude each other and publish their writes: each thread does a
/// read-modify-write through a loom cell beside the mutex, which loom
/// flags if two critical sections could overlap or be unordered.
#[test]
fn guards_exclude_and_publish() {
    ::loom::model(|| {
        let shared = Arc::new((Mutex::new(()), UnsafeCell::new(0usize)));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let shared = shared.clone();
                thread::spawn(move || {
                    let _g = block_on(shared.0.lock());
                    shared.1.with_mut(|p| bump(p));
                })
            })
            .collect();
        {
            let _g = block_on(shared.0.lock());
            shared.1.with_mut(|p| bump(p));
        }
        for t in threads {
            t.join().unwrap();
        }
        let _g = shared.0.try_lock().expect("free at the end");
        assert_eq!(shared.1.with(|p| read(p)), 3);
    });
}

/// Under loom a waiter that was woken and lost once counts as starving, so
/// these models also walk the direct hand-off path: whichever way the lock
/// travels, nobody is left parked forever.
#[test]
fn contended_lock_reaches_every_waiter() {
    ::loom::model(|| {
        let m = Arc::new(Mutex::new(0usize));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || {
                    for _ in 0..2 {
                        *block_on(m.lock()) += 1;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*m.try_lock().unwrap(), 4);
    });
}

/// A lock future dropped after parking — possibly after the lock or a
/// wake-up was handed to it — passes it on: the other waiter always gets in.
#[test]
fn cancelled_lock_future_passes_the_lock_on() {
    ::loom::model(|| {
        let m = Arc::new(Mutex::new(()));
        let held = m.try_lock().unwrap();
        let canceller = {
            let m = m.clone();
            thread::spawn(move || {
                let mut f = m.lock();
                let _ = poll_once(&mut f);
                let _ = poll_once(&mut f);
                drop(f);
            })
        };
        let waiter = {
            let m = m.clone();
            thread::spawn(move || drop(block_on(m.lock())))
        };
        drop(held);
        canceller.join().unwrap();
        waiter.join().unwrap();
        assert!(m.try_lock().is_some(), "the lock must end up free");
    });
}

/// The starvation hand-off raced with the cancellation of the waiter it
/// goes to. The steps before the race are pinned with flags: the canceller
/// parks, is woken, loses the lock to a barging owner (which makes it
/// "starving" under loom), and is then dropped while that owner unlocks,
/// which hands the lock straight to it. Whether the drop comes before or
/// after the hand-off, a third waiter must get the lock.
#[test]
fn cancelled_waiter_passes_on_a_starvation_handoff() {
    ::loom::model(|| {
        let m = Arc::new(Mutex::new(()));
        let parked = Arc::new(AtomicBool::new(false));
        let barged = Arc::new(AtomicBool::new(false));
        let lost = Arc::new(AtomicBool::new(false));
        let held = m.try_lock().unwrap();
        let canceller = {
            let (m, parked, barged, lost) =
                (m.clone(), parked.clone(), barged.clone(), lost.clone());
            thread::spawn(move || {
                let mut f = m.lock();
                assert!(poll_once(&mut f).is_pending());
                parked.store(true, SeqCst);
                spin_until(&barged);
                assert!(poll_once(&mut f).is_pending(), "the barging owner holds it");
                lost.store(true, SeqCst);
                drop(f);
            })
        };
        spin_until(&parked);
        drop(held); // wakes the canceller (normal mode)
        let held = m.try_lock().expect("normal mode lets the owner barge");
        barged.store(true, SeqCst);
        let waiter = {
            let m = m.clone();
            thread::spawn(move || drop(block_on(m.lock())))
        };
        spin_until(&lost);
        drop(held); // starvation hand-off to the canceller, racing its drop
        canceller.join().unwrap();
        waiter.join().unwrap();
        assert!(m.try_lock().is_some(), "the lock must end up free");
    });
}

fn spin_until(flag: &AtomicBool) {
    while !flag.load(SeqCst) {
        thread::yield_now();
    }
}

fn bump(p: *mut usize) {
    #[allow(unsafe_code)]
    // SAFETY: `with_mut` gives exclusive access for the closure's duration;
    // loom checks that no other access overlaps it.
    unsafe {
        *p += 1
    }
}

fn read(p: *const usize) -> usize {
    #[allow(unsafe_code)]
    // SAFETY: shared access from `with`, checked by loom.
    unsafe {
        *p
    }
}
