//! What the current thread is: a worker of some runtime, a thread inside a
//! runtime's `block_on` (or `Handle::enter`), or neither.

use std::cell::{Cell, RefCell};
use std::ptr;

use crate::runtime::Handle;
use crate::scheduler::Worker;

thread_local! {
    /// The worker this thread runs, while it runs it.
    static WORKER: Cell<*const Worker> = const { Cell::new(ptr::null()) };
    /// The runtime entered by `block_on` / `Handle::enter` on this thread.
    static ENTERED: RefCell<Vec<Handle>> = const { RefCell::new(Vec::new()) };
}

/// Calls `f` with the worker this thread runs, if any.
#[inline]
pub(crate) fn with_worker<R>(f: impl FnOnce(Option<&Worker>) -> R) -> R {
    let p = WORKER.try_with(Cell::get).unwrap_or(ptr::null());
    // SAFETY: `WORKER` is non-null only between `set_worker` and the drop of
    // the guard it returns; `Worker::run` keeps the `Worker` alive (it is
    // borrowed by the guard) for that whole span, on this thread.
    f(unsafe { p.as_ref() })
}

/// Marks this thread as running `worker` until the guard drops.
pub(crate) fn set_worker(worker: &Worker) -> WorkerGuard<'_> {
    let prev = WORKER.with(|w| w.replace(worker));
    assert!(prev.is_null(), "a worker thread cannot run a second worker");
    WorkerGuard { _worker: worker }
}

pub(crate) struct WorkerGuard<'a> {
    _worker: &'a Worker,
}

impl Drop for WorkerGuard<'_> {
    fn drop(&mut self) {
        let _ = WORKER.try_with(|w| w.set(ptr::null()));
    }
}

/// The runtime this thread has entered, if any.
pub(crate) fn entered() -> Option<Handle> {
    ENTERED
        .try_with(|e| e.borrow().last().cloned())
        .ok()
        .flatten()
}

/// Enters `handle` on this thread until the guard drops.
pub(crate) fn enter(handle: Handle) -> EnterGuard {
    ENTERED.with(|e| e.borrow_mut().push(handle));
    EnterGuard {
        _not_send: std::marker::PhantomData,
    }
}

/// Leaves the runtime entered by [`enter`] when dropped.
#[must_use = "the runtime is entered only while the guard lives"]
pub(crate) struct EnterGuard {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let _ = ENTERED.try_with(|e| e.borrow_mut().pop());
    }
}
