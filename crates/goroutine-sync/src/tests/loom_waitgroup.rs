use ::loom::cell::UnsafeCell;
use ::loom::future::block_on;
use ::loom::sync::Arc;
use ::loom::thread;

use super::poll_once;
use crate::WaitGroup;

/// Every `done` happens before the `wait` it releases returns: the writes
/// of both workers are visible (loom reports a data race otherwise), and
/// the waiter is never left parked (loom reports a deadlock otherwise).
#[test]
fn wait_returns_after_every_done_and_sees_their_writes() {
    ::loom::model(|| {
        let wg = WaitGroup::new();
        let cells = Arc::new([UnsafeCell::new(0), UnsafeCell::new(0)]);
        wg.add(2);
        let workers: Vec<_> = (0..2)
            .map(|i| {
                let (wg, cells) = (wg.clone(), cells.clone());
                thread::spawn(move || {
                    cells[i].with_mut(|p| unsafe_free_write(p, i + 1));
                    wg.done();
                })
            })
            .collect();
        block_on(wg.wait());
        let sum: usize = cells.iter().map(|c| c.with(|p| unsafe_free_read(p))).sum();
        assert_eq!(sum, 3);
        for w in workers {
            w.join().unwrap();
        }
    });
}

/// A waiter parked in round 1 is released by round 1's end even when round
/// 2 starts (add) before it runs again; a waiter in round 2 waits for it.
#[test]
fn reused_group_releases_each_round_exactly() {
    ::loom::model(|| {
        let wg = WaitGroup::new();
        wg.add(1);
        let mut first = wg.wait();
        assert!(poll_once(&mut first).is_pending());
        let ender = {
            let wg = wg.clone();
            thread::spawn(move || {
                wg.done(); // round 1 ends
                wg.add(1); // round 2 starts at once
            })
        };
        block_on(&mut first);
        let second = {
            let wg = wg.clone();
            thread::spawn(move || block_on(wg.wait()))
        };
        ender.join().unwrap();
        wg.done(); // round 2 ends
        second.join().unwrap();
    });
}

/// A `wait` dropped after parking (a cancelled select arm) neither loses
/// the release for the others nor leaves the group in a bad state.
#[test]
fn dropped_waiter_loses_no_release() {
    ::loom::model(|| {
        let wg = WaitGroup::new();
        wg.add(1);
        let canceller = {
            let wg = wg.clone();
            thread::spawn(move || {
                let mut w = wg.wait();
                let _ = poll_once(&mut w);
                drop(w);
            })
        };
        let waiter = {
            let wg = wg.clone();
            thread::spawn(move || block_on(wg.wait()))
        };
        wg.done();
        canceller.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(wg.count(), 0);
    });
}

// loom's `UnsafeCell` hands out raw pointers; these keep the models free of
// `unsafe` by going through `std::ptr` helpers that loom tracks anyway.
fn unsafe_free_write(p: *mut usize, v: usize) {
    // The pointer comes from `with_mut` and is valid for this call.
    #[allow(unsafe_code)]
    // SAFETY: `with_mut` gives exclusive access for the closure's duration;
    // loom checks that no other access overlaps it.
    unsafe {
        p.write(v)
    }
}

fn unsafe_free_read(p: *const usize) -> usize {
    #[allow(unsafe_code)]
    // SAFETY: as above, for shared access from `with`.
    unsafe {
        p.read()
    }
}
