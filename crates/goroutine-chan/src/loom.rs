//! The only place that names `std::sync` or `loom`: everything else imports
//! its synchronisation primitives from here, so `RUSTFLAGS="--cfg loom"`
//! swaps them all for loom's checked versions.

#[cfg(not(loom))]
pub(crate) use std::sync::{atomic, Arc, Mutex, MutexGuard};

#[cfg(loom)]
pub(crate) use loom::sync::{atomic, Arc, Mutex, MutexGuard};

/// Locks a channel's or select cell's mutex, ignoring poisoning (no code of
/// ours panics while holding one, and a waker's clone that did would leave
/// the state consistent). Contended tries back off first (see
/// `goroutine_runtime::__private::lock`).
#[cfg(not(loom))]
pub(crate) use goroutine_runtime::__private::lock;

/// Locks `m`, ignoring poisoning (loom's mutex has no `try_lock` backoff to
/// model).
#[cfg(loom)]
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Declares a thread-local: std's under normal builds, loom's under loom
/// (loom runs its threads on one OS thread, so std thread-locals would be
/// shared between them).
macro_rules! thread_local_cell {
    ($(#[$m:meta])* static $name:ident: $t:ty = $init:expr;) => {
        #[cfg(not(loom))]
        std::thread_local! { $(#[$m])* static $name: $t = const { $init }; }
        #[cfg(loom)]
        loom::thread_local! { $(#[$m])* static $name: $t = $init; }
    };
}
pub(crate) use thread_local_cell;
