//! The LIFO slot: one goroutine, woken or spawned by the running one, that
//! runs next on the same worker (Go's `runnext`).
//!
//! It is an atomic pointer rather than a plain field so that a worker stuck
//! in one long poll does not strand the goroutine in its slot: the runtime
//! (monitor, shutdown) can take it from another thread. A goroutine put
//! there by its spawn (Go's `go` into `runnext`) is marked in the
//! pointer's low bit, and an idle worker may steal it while the owner is
//! still in a poll, as Go's idle Ps steal `runnext`: a goroutine woken by
//! the running one stays for the owner (it is the other half of a
//! hand-off), but a freshly spawned one is work to share, or a main that
//! spawns and then computes would run its goroutines one after the other.

use std::ptr::{self, NonNull};

use crate::loom::atomic::AtomicPtr;
use crate::loom::atomic::Ordering::{self, AcqRel, Acquire, Relaxed, SeqCst};
use crate::task::Runnable;

pub(crate) struct LifoSlot(AtomicPtr<()>);

/// Low bit of the stored pointer: the goroutine was spawned into the slot,
/// and idle workers may steal it. (Task headers are word-aligned, so the
/// bit is free.)
const SPAWNED: usize = 1;

impl LifoSlot {
    pub(crate) fn new() -> LifoSlot {
        LifoSlot(AtomicPtr::new(ptr::null_mut()))
    }

    fn from_ptr(p: *mut ()) -> Option<Runnable> {
        let p = p.map_addr(|a| a & !SPAWNED);
        // SAFETY: every non-null pointer stored in the slot came from
        // `Runnable::into_raw` in `store` (with at most the `SPAWNED` bit
        // added, removed above), and the swap or exchange that returned it
        // to us transferred its ownership: nobody else can turn it back.
        NonNull::new(p).map(|p| unsafe { Runnable::from_raw(p) })
    }

    /// Puts `task` in the slot and returns the goroutine it displaced.
    pub(crate) fn put(&self, task: Runnable) -> Option<Runnable> {
        // AcqRel: Release hands `task` to whoever takes it next; Acquire
        // takes ownership of the previous occupant.
        self.store(task, 0, AcqRel)
    }

    /// [`put`](Self::put) for a goroutine being spawned: idle workers may
    /// steal it ([`steal_spawned`](Self::steal_spawned)).
    pub(crate) fn put_spawned(&self, task: Runnable) -> Option<Runnable> {
        // SeqCst: the spawner's half of the park protocol (idle.rs): this
        // store, then its SeqCst look for a searching or parked worker to
        // wake, against a parking searcher's SeqCst fence, then its look
        // at the slot. Either the spawner wakes a worker or the worker sees
        // the goroutine; with AcqRel both could miss, and the goroutine
        // would wait for a spawner that may compute for a long time.
        self.store(task, SPAWNED, SeqCst)
    }

    fn store(&self, task: Runnable, tag: usize, order: Ordering) -> Option<Runnable> {
        let p = task.into_raw().as_ptr();
        debug_assert_eq!(p.addr() & SPAWNED, 0, "task pointers are aligned");
        Self::from_ptr(self.0.swap(p.map_addr(|a| a | tag), order))
    }

    /// Takes the goroutine in the slot if it was put there by its spawn
    /// and `owner_polling()`, asked once the slot is seen to hold one
    /// (from another worker).
    pub(crate) fn steal_spawned(&self, owner_polling: impl FnOnce() -> bool) -> Option<Runnable> {
        // Acquire: see `has_spawned`.
        let p = self.0.load(Acquire);
        if p.addr() & SPAWNED == 0 || !owner_polling() {
            return None;
        }
        // Acquire on success: pairs with the swap in `store`. If the
        // slot changed meanwhile (the owner took it, or put another), the
        // exchange fails and nothing is taken; should the same pointer be
        // back, spawned again, taking it is as right as it was before.
        match self
            .0
            .compare_exchange(p, ptr::null_mut(), Acquire, Relaxed)
        {
            Ok(p) => Self::from_ptr(p),
            Err(_) => None,
        }
    }

    /// Takes the goroutine in the slot, if any.
    pub(crate) fn take(&self) -> Option<Runnable> {
        // Relaxed peek: avoids a read-modify-write when empty, the common
        // case. A stale non-null only costs a swap that returns null.
        if self.0.load(Relaxed).is_null() {
            return None;
        }
        // Acquire: pairs with the swap in `store`.
        Self::from_ptr(self.0.swap(ptr::null_mut(), Acquire))
    }
}

impl LifoSlot {
    /// True if the slot holds a goroutine put there by its spawn.
    pub(crate) fn has_spawned(&self) -> bool {
        // Acquire: a hint for the steal, but one that must see the owner's
        // `poll_seq` store made before the spawn (the caller reads it next
        // to know the owner is still polling).
        self.0.load(Acquire).addr() & SPAWNED != 0
    }

    pub(crate) fn is_empty(&self) -> bool {
        // Relaxed: a hint; the task is only ever taken by a swap or an
        // exchange (`take`, `store`, `steal_spawned`), which orders access
        // to it.
        self.0.load(Relaxed).is_null()
    }
}

impl Drop for LifoSlot {
    fn drop(&mut self) {
        drop(self.take());
    }
}
