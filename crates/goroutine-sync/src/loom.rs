//! The only place that names `std::sync` or `loom` (STYLE §6).
//!
//! Under `--cfg loom` the atomics and the small mutex that guards each wait
//! list come from loom, so the models in `src/tests/loom_*.rs` explore every
//! interleaving of the lock-free fast paths against the slow paths.
//! `context` and `OnceCell`'s value keep std's types in both builds
//! ([`std_sync`]); they are not modelled.

#[cfg(not(loom))]
pub(crate) use std::sync::{atomic, Arc, Mutex};

#[cfg(loom)]
pub(crate) use ::loom::sync::{atomic, Arc, Mutex, MutexGuard};

/// std's types, also under loom: the context tree (loom has no `Weak`)
/// and `OnceCell`'s storage are not modelled.
pub(crate) mod std_sync {
    pub(crate) use std::sync::{Arc, Mutex, OnceLock, Weak};
}

/// Locks a std mutex, ignoring poisoning (see [`lock`]), in both builds.
pub(crate) use goroutine_runtime::__private::lock as lock_std;

/// Locks `m`, ignoring poisoning; a contended try backs off first (see
/// `goroutine_runtime::__private::lock`).
///
/// The mutexes of this crate guard wait lists only, and no code panics while
/// holding one with a list half updated, so a poisoned list is still
/// consistent; Go has no poisoning either.
#[cfg(not(loom))]
pub(crate) use goroutine_runtime::__private::lock;

/// Locks `m`, ignoring poisoning (see the non-loom `lock`).
#[cfg(loom)]
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Declares a constructor that is a `const fn`, except under loom, whose
/// atomics and mutexes cannot be built in a constant.
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        #[cfg(not(loom))]
        $(#[$attr])*
        $vis const fn $name($($arg: $ty),*) -> $ret $body

        #[cfg(loom)]
        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) -> $ret $body
    };
}
pub(crate) use const_fn;
