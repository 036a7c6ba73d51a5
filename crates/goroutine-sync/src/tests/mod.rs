//! loom models of the lock-free fast paths against the wait lists.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p
//! goroutine-sync --lib --release`.

mod loom_mutex;
mod loom_semaphore;
mod loom_waitgroup;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Polls `fut` once with a waker that does nothing, the way a losing
/// `select!` arm is polled before being dropped.
fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(Waker::noop()))
}
