//! Per-worker run queue: a fixed ring that only its owner pushes to and pops
//! from, and that other workers steal half of.
//!
//! ```text
//!            steal     real                      tail
//!   ... free |  being  |   runnable goroutines   | free ...
//!            | stolen  |                         |
//! ```
//!
//! `head` packs two 32-bit indices: `real`, the next slot the owner pops,
//! and `steal`, the first slot a stealer is still copying out. Outside a
//! steal they are equal. A stealer first advances `real` past the half it
//! claims (so the owner stops popping those slots) and, once it has copied
//! them, advances `steal` to meet `real` (so the owner may reuse the slots).
//! At most one steal runs at a time: a stealer that finds `steal != real`
//! gives up on this victim.
//!
//! Invariants:
//! 1. Only the owner writes `tail` and writes slots; slots in
//!    `[steal, tail)` hold initialised values, all others are free.
//! 2. `tail - steal <= CAPACITY` (wrapping arithmetic), so the owner never
//!    overwrites a slot a stealer still reads.
//! 3. A slot is read by exactly one party: the owner after its pop CAS, or
//!    the stealer whose claim CAS covered it.
//!
//! When the ring is full the owner moves half of it, plus the new task, to
//! an overflow sink (the runtime's global injector), as Go's `runqputslow`
//! and tokio's `push_overflow` do.

use std::mem::MaybeUninit;

use crate::loom::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use crate::loom::atomic::{AtomicU32, AtomicU64};
use crate::loom::{Arc, UnsafeCell};

/// Slots per worker: as Go's `runq` and tokio's local queue. Small under
/// loom so models reach wrap-around.
#[cfg(not(loom))]
pub(crate) const CAPACITY: usize = 256;
#[cfg(loom)]
pub(crate) const CAPACITY: usize = 4;

const MASK: usize = CAPACITY - 1;
const HALF: u32 = (CAPACITY / 2) as u32;

struct Inner<T> {
    /// `(steal << 32) | real`, see the module docs.
    head: AtomicU64,
    /// One past the last initialised slot; written by the owner only.
    tail: AtomicU32,
    buffer: Box<[UnsafeCell<MaybeUninit<T>>]>,
}

// SAFETY: the ring hands each `T` from the owner thread to exactly one reader
// (invariant 3), so sharing it needs `T: Send` and nothing more; all index
// updates are atomics.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above; `&Inner` only allows the steal protocol, whose slot
// accesses are claimed by CAS first.
unsafe impl<T: Send> Sync for Inner<T> {}

fn pack(steal: u32, real: u32) -> u64 {
    (u64::from(steal) << 32) | u64::from(real)
}

fn unpack(head: u64) -> (u32, u32) {
    ((head >> 32) as u32, head as u32)
}

/// The owner's end: push and pop. Exactly one thread uses it at a time.
pub(crate) struct Local<T> {
    inner: Arc<Inner<T>>,
}

/// Another worker's end: steal half.
pub(crate) struct Steal<T>(Arc<Inner<T>>);

impl<T> Clone for Steal<T> {
    fn clone(&self) -> Self {
        Steal(self.0.clone())
    }
}

/// Creates a queue: the owner's end and a handle for stealers.
pub(crate) fn local<T>() -> (Steal<T>, Local<T>) {
    let buffer = (0..CAPACITY)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect();
    let inner = Arc::new(Inner {
        head: AtomicU64::new(0),
        tail: AtomicU32::new(0),
        buffer,
    });
    (Steal(inner.clone()), Local { inner })
}

impl<T> Inner<T> {
    /// Moves the value out of slot `pos`.
    ///
    /// # Safety
    ///
    /// The caller has claimed `pos` (invariant 3) and the slot is
    /// initialised (invariant 1).
    unsafe fn take(&self, pos: u32) -> T {
        // SAFETY: guaranteed by the caller.
        self.buffer[pos as usize & MASK].with_mut(|p| unsafe { (*p).assume_init_read() })
    }

    /// Writes `value` into slot `pos`.
    ///
    /// # Safety
    ///
    /// The caller owns the ring's writing end and `pos` is a free slot
    /// (`pos - steal < CAPACITY`).
    unsafe fn put(&self, pos: u32, value: T) {
        // SAFETY: guaranteed by the caller; the slot is free, so nothing else
        // reads it.
        self.buffer[pos as usize & MASK].with_mut(|p| unsafe { p.write(MaybeUninit::new(value)) });
    }
}

impl<T> Local<T> {
    /// Number of goroutines in the queue (not counting any being stolen).
    pub(crate) fn len(&self) -> usize {
        // Acquire: sees stealers' claims (a count, not a slot access; a
        // stale value only over-counts).
        let (_, real) = unpack(self.inner.head.load(Acquire));
        // Relaxed: `tail` is only written by this thread.
        let tail = self.inner.tail.load(Relaxed);
        tail.wrapping_sub(real) as usize
    }

    /// True when there is free room for at least `n` more goroutines.
    fn has_room_for(&self, n: u32) -> bool {
        // Acquire: pairs with the stealer's Release of `steal`, so the
        // slots it has finished copying out may be overwritten.
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        // Relaxed: only this thread writes `tail`.
        let tail = self.inner.tail.load(Relaxed);
        CAPACITY as u32 - tail.wrapping_sub(steal) >= n
    }

    /// Pushes to the back; on a full ring moves half of it and `task` to
    /// `overflow`.
    pub(crate) fn push_back(&mut self, mut task: T, mut overflow: impl FnMut(T)) {
        loop {
            // Acquire: pairs with the stealer's release of `steal`, so its
            // reads of the slots it frees happen before we overwrite them.
            let (steal, real) = unpack(self.inner.head.load(Acquire));
            // Relaxed: only this thread writes `tail`.
            let tail = self.inner.tail.load(Relaxed);
            if tail.wrapping_sub(steal) < CAPACITY as u32 {
                // SAFETY: we are the owner and the slot is free (checked above).
                unsafe { self.inner.put(tail, task) };
                // Release: publishes the slot to stealers, which load `tail`
                // with Acquire before reading slots.
                self.inner.tail.store(tail.wrapping_add(1), Release);
                return;
            }
            if steal != real {
                // A stealer is still copying slots out: they are not free
                // yet, and it will leave room behind. Do not wait for it.
                overflow(task);
                return;
            }
            match self.push_overflow(task, real, &mut overflow) {
                Ok(()) => return,
                Err(t) => task = t,
            }
        }
    }

    /// Moves the oldest half of a full ring plus `task` to `overflow`. Fails
    /// (handing `task` back) if a stealer moved `head` meanwhile, in which
    /// case there is room again.
    fn push_overflow(&mut self, task: T, real: u32, overflow: &mut impl FnMut(T)) -> Result<(), T> {
        let prev = pack(real, real);
        let next = pack(real.wrapping_add(HALF), real.wrapping_add(HALF));
        // Relaxed: the claimed slots were written by this thread, and no
        // stealer reads them after this CAS succeeds (their claim CAS would
        // fail on the changed `head`).
        if self
            .inner
            .head
            .compare_exchange(prev, next, Relaxed, Relaxed)
            .is_err()
        {
            return Err(task);
        }
        for i in 0..HALF {
            // SAFETY: the CAS above claimed `[real, real + HALF)` for us.
            overflow(unsafe { self.inner.take(real.wrapping_add(i)) });
        }
        overflow(task);
        Ok(())
    }

    /// Pops from the front.
    pub(crate) fn pop(&mut self) -> Option<T> {
        // Acquire: sees stealers' claims before the CAS below re-checks.
        let mut head = self.inner.head.load(Acquire);
        let pos = loop {
            let (steal, real) = unpack(head);
            // Relaxed: only this thread writes `tail`.
            let tail = self.inner.tail.load(Relaxed);
            if real == tail {
                return None;
            }
            let next_real = real.wrapping_add(1);
            let next = if steal == real {
                pack(next_real, next_real)
            } else {
                pack(steal, next_real)
            };
            // AcqRel: orders this claim against concurrent stealer claims on
            // the same word; the slot itself was written by this thread.
            match self
                .inner
                .head
                .compare_exchange(head, next, AcqRel, Acquire)
            {
                Ok(_) => break real,
                Err(actual) => head = actual,
            }
        };
        // SAFETY: the CAS claimed `pos`, which lies in `[real, tail)`.
        Some(unsafe { self.inner.take(pos) })
    }
}

impl<T> Steal<T> {
    /// True when the victim has nothing to steal right now.
    pub(crate) fn is_empty(&self) -> bool {
        // Acquire both: a hint for the monitor and stealers, which read no
        // slot on its strength; Acquire keeps it no staler than a steal's.
        let (_, real) = unpack(self.0.head.load(Acquire));
        let tail = self.0.tail.load(Acquire);
        tail == real
    }

    /// Steals half of this queue (rounded up) into `dst`, the caller's own
    /// queue, and returns one of the stolen goroutines to run now.
    pub(crate) fn steal_into(&self, dst: &mut Local<T>) -> Option<T> {
        if Arc::ptr_eq(&self.0, &dst.inner) || !dst.has_room_for(HALF) {
            return None;
        }
        // Relaxed: `dst` is ours; only this thread writes its `tail`.
        let dst_tail = dst.inner.tail.load(Relaxed);
        let n = self.steal_into_inner(dst, dst_tail);
        if n == 0 {
            return None;
        }
        let last = n - 1;
        // SAFETY: `steal_into_inner` wrote `n` values at `dst_tail..`, not
        // yet published, so we are the only one who can read them.
        let task = unsafe { dst.inner.take(dst_tail.wrapping_add(last)) };
        if last > 0 {
            // Release: publishes the copied slots to `dst`'s own stealers.
            dst.inner.tail.store(dst_tail.wrapping_add(last), Release);
        }
        Some(task)
    }

    fn steal_into_inner(&self, dst: &mut Local<T>, dst_tail: u32) -> u32 {
        let mut prev = self.0.head.load(Acquire);
        let (n, claimed) = loop {
            let (steal, real) = unpack(prev);
            if steal != real {
                // Another stealer is at work on this victim.
                return 0;
            }
            // Acquire: pairs with the owner's Release store of `tail`, so the
            // slots below it are initialised when we read them.
            let tail = self.0.tail.load(Acquire);
            let available = tail.wrapping_sub(real);
            if available == 0 || available > CAPACITY as u32 {
                // Empty, or `prev` is so stale that the owner popped past it
                // (the CAS would fail anyway): try another victim.
                return 0;
            }
            let n = available - available / 2;
            let next = pack(steal, real.wrapping_add(n));
            // AcqRel: claims `[real, real + n)` against the owner's pops and
            // other stealers.
            match self.0.head.compare_exchange(prev, next, AcqRel, Acquire) {
                Ok(_) => break (n, real),
                Err(actual) => prev = actual,
            }
        };
        for i in 0..n {
            // SAFETY: the claim CAS gave us `[claimed, claimed + n)`; the
            // destination slots are free because `dst` had room for `HALF`
            // and `n <= HALF`.
            unsafe {
                let task = self.0.take(claimed.wrapping_add(i));
                dst.inner.put(dst_tail.wrapping_add(i), task);
            }
        }
        // Release `steal`: the slots are copied out, the owner may reuse them.
        let mut prev = pack(claimed, claimed.wrapping_add(n));
        loop {
            let (_, real) = unpack(prev);
            let next = pack(real, real);
            // AcqRel: Release makes our slot reads happen before the owner's
            // later writes to them (it loads `head` with Acquire).
            match self.0.head.compare_exchange(prev, next, AcqRel, Acquire) {
                Ok(_) => return n,
                // The owner popped meanwhile: `real` moved, `steal` did not.
                Err(actual) => prev = actual,
            }
        }
    }
}

impl<T> Drop for Inner<T> {
    fn drop(&mut self) {
        // No other handle exists any more, so no steal is in progress and
        // `[real, tail)` are exactly the initialised slots. Relaxed: `&mut
        // self` proves exclusive access, ordered by whatever handed it over.
        let (_, mut real) = unpack(self.head.load(Relaxed));
        let tail = self.tail.load(Relaxed);
        while real != tail {
            // SAFETY: `real` is in `[real, tail)`, initialised, and nothing
            // else can read it.
            drop(unsafe { self.take(real) });
            real = real.wrapping_add(1);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::sync::Mutex;

    #[test]
    fn pop_returns_pushed_tasks_in_fifo_order() {
        let (_steal, mut local) = local();
        for i in 0..10 {
            local.push_back(i, |_| panic!("no overflow expected"));
        }
        assert_eq!(local.len(), 10);
        let popped: Vec<_> = std::iter::from_fn(|| local.pop()).collect();
        assert_eq!(popped, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn full_ring_moves_oldest_half_and_new_task_to_overflow() {
        let (_steal, mut local) = local();
        let mut overflow = Vec::new();
        for i in 0..=CAPACITY {
            local.push_back(i, |t| overflow.push(t));
        }
        let mut expected: Vec<_> = (0..CAPACITY / 2).collect();
        expected.push(CAPACITY);
        assert_eq!(overflow, expected);
        assert_eq!(local.len(), CAPACITY / 2);
        assert_eq!(local.pop(), Some(CAPACITY / 2));
    }

    #[test]
    fn steal_takes_half_rounded_up_and_returns_one() {
        let (steal, mut victim) = local();
        let (_s2, mut thief) = local::<usize>();
        for i in 0..7 {
            victim.push_back(i, |_| unreachable!());
        }
        let got = steal.steal_into(&mut thief).unwrap();
        // 4 stolen: one returned, three left in the thief's queue.
        assert_eq!(got, 3);
        assert_eq!(thief.len(), 3);
        assert_eq!(victim.len(), 3);
        assert_eq!(
            std::iter::from_fn(|| thief.pop()).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        assert_eq!(
            std::iter::from_fn(|| victim.pop()).collect::<Vec<_>>(),
            vec![4, 5, 6]
        );
        assert!(steal.is_empty());
        assert!(steal.steal_into(&mut thief).is_none());
    }

    #[test]
    fn dropping_the_queue_drops_remaining_tasks() {
        let dropped = std::sync::Arc::new(AtomicUsize::new(0));
        struct D(std::sync::Arc<AtomicUsize>);
        impl Drop for D {
            fn drop(&mut self) {
                self.0.fetch_add(1, SeqCst);
            }
        }
        let (steal, mut local) = local();
        for _ in 0..5 {
            local.push_back(D(dropped.clone()), |_| unreachable!());
        }
        drop(local.pop());
        drop(local);
        assert_eq!(dropped.load(SeqCst), 1);
        drop(steal);
        assert_eq!(dropped.load(SeqCst), 5);
    }

    /// Every task pushed is taken exactly once, by the owner, a stealer or
    /// the overflow, while two stealers race the owner.
    #[test]
    fn concurrent_steals_lose_and_duplicate_nothing() {
        const N: usize = if cfg!(miri) { 300 } else { 100_000 };
        let (steal, mut owner) = local::<usize>();
        let seen = std::sync::Arc::new(Mutex::new(vec![0u8; N]));
        let done = std::sync::Arc::new(AtomicBool::new(false));
        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let steal = steal.clone();
                let seen = seen.clone();
                let done = done.clone();
                std::thread::spawn(move || {
                    let (_s, mut mine) = local::<usize>();
                    loop {
                        let finished = done.load(SeqCst);
                        while let Some(t) = steal.steal_into(&mut mine) {
                            seen.lock().unwrap()[t] += 1;
                            while let Some(t) = mine.pop() {
                                seen.lock().unwrap()[t] += 1;
                            }
                        }
                        if finished {
                            break;
                        }
                        std::thread::yield_now();
                    }
                })
            })
            .collect();
        let mut overflowed = Vec::new();
        for i in 0..N {
            owner.push_back(i, |t| overflowed.push(t));
            if i % 3 == 0 {
                if let Some(t) = owner.pop() {
                    seen.lock().unwrap()[t] += 1;
                }
            }
        }
        while let Some(t) = owner.pop() {
            seen.lock().unwrap()[t] += 1;
        }
        done.store(true, SeqCst);
        for t in thieves {
            t.join().unwrap();
        }
        let mut seen = seen.lock().unwrap();
        for t in overflowed {
            seen[t] += 1;
        }
        assert!(
            seen.iter().all(|&c| c == 1),
            "a task was lost or duplicated"
        );
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::thread;

    /// Owner pushes and pops while a thief steals: each task is taken
    /// exactly once, including across wrap-around and overflow.
    #[test]
    fn loom_push_pop_steal_take_each_task_once() {
        loom::model(|| {
            let (steal, mut owner) = local::<usize>();
            let thief = thread::spawn(move || {
                let (_s, mut mine) = local::<usize>();
                let mut got = Vec::new();
                if let Some(t) = steal.steal_into(&mut mine) {
                    got.push(t);
                    while let Some(t) = mine.pop() {
                        got.push(t);
                    }
                }
                got
            });
            let mut got = Vec::new();
            let mut overflow = Vec::new();
            for i in 0..6 {
                owner.push_back(i, |t| overflow.push(t));
            }
            if let Some(t) = owner.pop() {
                got.push(t);
            }
            owner.push_back(6, |t| overflow.push(t));
            while let Some(t) = owner.pop() {
                got.push(t);
            }
            got.extend(thief.join().unwrap());
            got.extend(overflow);
            got.sort_unstable();
            assert_eq!(got, (0..7).collect::<Vec<_>>());
        });
    }

    /// Two thieves race for one victim: at most one steal runs at a time and
    /// nothing is lost.
    #[test]
    fn loom_two_stealers_take_each_task_once() {
        loom::model(|| {
            let (steal, mut owner) = local::<usize>();
            for i in 0..4 {
                owner.push_back(i, |_| unreachable!());
            }
            let thieves: Vec<_> = (0..2)
                .map(|_| {
                    let steal = steal.clone();
                    thread::spawn(move || {
                        let (_s, mut mine) = local::<usize>();
                        let mut got = Vec::new();
                        if let Some(t) = steal.steal_into(&mut mine) {
                            got.push(t);
                            while let Some(t) = mine.pop() {
                                got.push(t);
                            }
                        }
                        got
                    })
                })
                .collect();
            let mut got: Vec<_> = std::iter::from_fn(|| owner.pop()).collect();
            for t in thieves {
                got.extend(t.join().unwrap());
            }
            got.sort_unstable();
            assert_eq!(got, vec![0, 1, 2, 3]);
        });
    }
}
