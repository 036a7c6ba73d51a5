//! loom models of the lock-free fast paths against the wait lists.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p
//! goroutine-sync --lib --release`.

mod loom_mutex;
mod loom_rwlock;
mod loom_semaphore;
mod loom_waitgroup;

use crate::poll_once;
