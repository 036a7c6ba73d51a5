//! The run queue of the main goroutines' spawns: Go's `runnext` plus the
//! local run queue of main's P.
//!
//! In Go, `go f()` in main puts `f` in `runnext` of main's P, and the
//! goroutine that was there goes to the back of that P's queue; when main
//! blocks, its P runs `runnext` first. So after `go a(); go b()` main's P
//! runs `b`, then `a`, and famous programs print in that order (the Tour of
//! Go's channel example prints "-5 17 12"). A goroutine that main readies
//! (a channel send, an unlock, a `Cond` broadcast) goes to `runnext` the
//! same way, so after a broadcast to three waiters main's P runs the last
//! one first, then the others in order. Our main goroutine runs on its own
//! thread, not on a worker, so what it spawns or wakes waits here, in that
//! order, and the workers take it (see `Shared::take_main`).
//!
//! At most `CAPACITY` wait in the queue behind `next`: beyond that, the
//! older half moves to the global queue, as Go's `runqputslow` does.

use std::collections::VecDeque;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::{Relaxed, Release};
use std::sync::Mutex;

use crate::loom::lock_std as lock;
use crate::task::Runnable;

/// Go's local run queue length.
const CAPACITY: usize = 256;

#[derive(Default)]
pub(crate) struct MainQueue {
    inner: Mutex<Inner>,
    /// Goroutines in `inner`, for lock-free emptiness checks.
    len: AtomicUsize,
}

#[derive(Default)]
struct Inner {
    next: Option<Runnable>,
    queue: VecDeque<Runnable>,
}

impl MainQueue {
    /// Queues a spawn of main: it becomes `next`; the previous `next` goes
    /// to the back of the queue. Returns what overflowed, oldest first, for
    /// the global queue.
    pub(crate) fn push(&self, task: Runnable) -> Vec<Runnable> {
        let mut inner = lock(&self.inner);
        let mut overflow = Vec::new();
        if let Some(prev) = inner.next.replace(task) {
            if inner.queue.len() >= CAPACITY {
                overflow.extend(inner.queue.drain(..CAPACITY / 2));
            }
            inner.queue.push_back(prev);
        }
        self.publish(&inner);
        overflow
    }

    /// Queues `task` behind everything (main's `yield_now` stand-in: Go's
    /// `Gosched` puts main behind its P's goroutines). Returns what
    /// overflowed, as `push` does.
    pub(crate) fn push_back(&self, task: Runnable) -> Vec<Runnable> {
        let mut inner = lock(&self.inner);
        let mut overflow = Vec::new();
        if inner.queue.len() >= CAPACITY {
            overflow.extend(inner.queue.drain(..CAPACITY / 2));
        }
        inner.queue.push_back(task);
        self.publish(&inner);
        overflow
    }

    /// The next goroutine to run: `next`, else the front of the queue.
    pub(crate) fn pop(&self) -> Option<Runnable> {
        if self.is_empty() {
            return None;
        }
        let mut inner = lock(&self.inner);
        let task = inner.next.take().or_else(|| inner.queue.pop_front());
        self.publish(&inner);
        task
    }

    /// Everything, in the order it would have run.
    pub(crate) fn drain(&self) -> Vec<Runnable> {
        let mut inner = lock(&self.inner);
        let mut all: Vec<Runnable> = inner.next.take().into_iter().collect();
        all.extend(inner.queue.drain(..));
        self.publish(&inner);
        all
    }

    fn publish(&self, inner: &Inner) {
        // Release: a reader that sees the count sees the queue's state
        // through the lock anyway; the count itself is a hint.
        self.len.store(
            usize::from(inner.next.is_some()) + inner.queue.len(),
            Release,
        );
    }

    /// Whether nothing waits (a hint, exact under the lock).
    pub(crate) fn is_empty(&self) -> bool {
        // Relaxed: callers that must not miss a goroutine re-check under
        // the idle protocol's SeqCst fences (see `Shared::main_poll_ended`).
        self.len.load(Relaxed) == 0
    }
}
