//! The LIFO slot: one goroutine, woken by the running one, that runs next
//! on the same worker (Go's `runnext`).
//!
//! It is an atomic pointer rather than a plain field so that a worker stuck
//! in one long poll does not strand the goroutine in its slot: the runtime
//! (monitor, shutdown) can take it from another thread. In normal operation
//! only the owning worker touches it.

use std::ptr::{self, NonNull};

use crate::loom::atomic::AtomicPtr;
use crate::loom::atomic::Ordering::{AcqRel, Acquire, Relaxed};
use crate::task::Runnable;

pub(crate) struct LifoSlot(AtomicPtr<()>);

impl LifoSlot {
    pub(crate) fn new() -> LifoSlot {
        LifoSlot(AtomicPtr::new(ptr::null_mut()))
    }

    fn from_ptr(p: *mut ()) -> Option<Runnable> {
        // SAFETY: every non-null pointer stored in the slot came from
        // `Runnable::into_raw` in `put`, and the swap that returned it to us
        // transferred its ownership: nobody else can turn it back.
        NonNull::new(p).map(|p| unsafe { Runnable::from_raw(p) })
    }

    /// Puts `task` in the slot and returns the goroutine it displaced.
    pub(crate) fn put(&self, task: Runnable) -> Option<Runnable> {
        // AcqRel: Release hands `task` to whoever takes it next; Acquire
        // takes ownership of the previous occupant.
        Self::from_ptr(self.0.swap(task.into_raw().as_ptr(), AcqRel))
    }

    /// Takes the goroutine in the slot, if any.
    pub(crate) fn take(&self) -> Option<Runnable> {
        // Relaxed peek: avoids a read-modify-write when empty, the common
        // case. A stale non-null only costs a swap that returns null.
        if self.0.load(Relaxed).is_null() {
            return None;
        }
        // Acquire: pairs with the Release in `put`.
        Self::from_ptr(self.0.swap(ptr::null_mut(), Acquire))
    }
}

impl LifoSlot {
    pub(crate) fn is_empty(&self) -> bool {
        // Relaxed: a hint; the task is only ever taken by the swap in
        // `take`, whose AcqRel orders access to it.
        self.0.load(Relaxed).is_null()
    }
}

impl Drop for LifoSlot {
    fn drop(&mut self) {
        drop(self.take());
    }
}
