//! `block_on`: the calling thread runs a future as a main goroutine.
//!
//! The thread parks between polls; its waker is an `Arc` cached per thread,
//! so neither creating the waker for a call nor waking it allocates.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use crate::context;
use crate::runtime::Handle;
use crate::wait;

struct ThreadNotify {
    thread: Thread,
    notified: AtomicBool,
}

impl Wake for ThreadNotify {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Release: what the waker did before waking is visible to the
        // thread once it sees the flag. Only the first wake unparks.
        if !self.notified.swap(true, Release) {
            self.thread.unpark();
        }
    }
}

impl ThreadNotify {
    fn wait(&self) {
        // Acquire: pairs with the Release in `wake_by_ref`.
        while !self.notified.swap(false, Acquire) {
            thread::park();
        }
    }
}

thread_local! {
    /// This thread's notifier, lent to the outermost `block_on`. A nested
    /// call (from inside a future being blocked on) gets a fresh one so
    /// the two loops cannot consume each other's wake-ups.
    static CACHED: Cell<Option<Arc<ThreadNotify>>> = const { Cell::new(None) };
}

/// Gives the notifier back to the thread cache when dropped.
struct Lent(Option<Arc<ThreadNotify>>);

impl Drop for Lent {
    fn drop(&mut self) {
        let _ = CACHED.try_with(|c| c.set(self.0.take()));
    }
}

/// Counts a main goroutine for `num_goroutines` while it runs.
struct MainGuard<'a>(&'a Handle);

impl Drop for MainGuard<'_> {
    fn drop(&mut self) {
        self.0.shared.mains.fetch_sub(1, Relaxed);
    }
}

#[track_caller]
pub(crate) fn run<F: Future>(handle: &Handle, future: F) -> F::Output {
    if context::on_worker() {
        panic!(
            "goroutine: block_on called from inside a goroutine. It would block a worker \
             thread, and can deadlock the runtime. Use `.await` instead, or call block_on from \
             spawn_blocking or a plain thread."
        );
    }
    let _enter = context::enter(handle.clone());
    handle.shared.mains.fetch_add(1, Relaxed);
    let _main = MainGuard(handle);
    let notify = CACHED
        .try_with(Cell::take)
        .ok()
        .flatten()
        .unwrap_or_else(|| {
            Arc::new(ThreadNotify {
                thread: thread::current(),
                notified: AtomicBool::new(false),
            })
        });
    let lent = Lent(Some(notify.clone()));
    let waker = Waker::from(notify);
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    let notify = lent.0.as_ref().expect("lent notifier");
    loop {
        let poll = future.as_mut().poll(&mut cx);
        // The reason only matters for goroutines; do not leak it into the
        // next goroutine polled on this thread.
        let _ = wait::take_wait_reason();
        if let Poll::Ready(v) = poll {
            return v;
        }
        notify.wait();
    }
}
