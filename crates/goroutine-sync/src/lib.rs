//! Go's `sync` package, `x/sync` and `context` for goroutines:
//! [`WaitGroup`], [`Mutex`], [`RwLock`], [`Once`], [`OnceCell`],
//! [`Semaphore`], [`Cond`], [`Barrier`], [`ErrGroup`] and [`context`].
//!
//! ```
//! use std::sync::Arc;
//! use goroutine::sync::{Mutex, WaitGroup};
//!
//! # goroutine::block_on(async {
//! let wg = WaitGroup::new();
//! let total = Arc::new(Mutex::new(0u64));
//! for i in 1..=100 {
//!     let total = total.clone();
//!     wg.go(async move { *total.lock().await += i });
//! }
//! wg.wait().await;
//! assert_eq!(*total.lock().await, 5050);
//! # });
//! ```
//!
//! Every waiting operation here is a future: it parks the goroutine, never
//! the thread (the `*_blocking` methods, for plain threads, are the
//! exception, and so is [`Once::call_once`], which is synchronous like Go's
//! `Once.Do`). They are plain futures that also work under other executors.
//! Inside a goroutine each operation that completes spends one unit of the
//! goroutine's [coop budget](goroutine_runtime::coop), so a goroutine that
//! always finds its lock free still yields now and then, and each one that
//! waits records why for goroutine dumps, in Go 1.19's words (`semacquire`
//! for a lock or a `WaitGroup`, as Go's dump shows them).
//!
//! # Cancellation
//!
//! Dropping a waiting future (a losing `select!` arm, a timeout) never loses
//! anything: a lock or permits already handed to it are passed on, a
//! wake-up meant for it goes to the next waiter. Each awaitable method says
//! what dropping it means under `# Cancel safety`.
//!
//! # Go and this crate
//!
//! | Go | here |
//! |---|---|
//! | `var wg sync.WaitGroup; wg.Add(1); go f(); wg.Wait()` | `let wg = WaitGroup::new(); wg.go(f()); wg.wait().await` |
//! | `mu.Lock(); defer mu.Unlock()` | `let g = mu.lock().await;` (the data lives inside: `Mutex<T>`) |
//! | `rw.RLock()` / `rw.Lock()` | `rw.read().await` / `rw.write().await` |
//! | `once.Do(f)` | `once.call_once(f)`; async init: `cell.get_or_init(f).await` |
//! | `semaphore.NewWeighted(n)`; `Acquire(ctx, k)` | `Semaphore::new(n)`; `acquire_many(k).await` |
//! | `c.Wait()`, `c.Signal()`, `c.Broadcast()` | `g = c.wait(g).await`, `signal()`, `broadcast()` |
//! | `g, ctx := errgroup.WithContext(ctx)` | `let (g, ctx) = ErrGroup::with_parent(&ctx)` |
//! | `ctx, cancel := context.WithCancel(ctx)` | `let (ctx, cancel) = context::with_cancel(&ctx)` |
//! | `<-ctx.Done()`, `ctx.Err()` | `ctx.done().await`, `ctx.err()` |
//! | `context.WithValue(ctx, k, v)`; `v, ok := ctx.Value(k).(T)` | `context::with_value(&ctx, k, v)`; `ctx.value::<_, T>(&k)` (`None` for `!ok`) |
//!
//! # Unsafe code
//!
//! Only `Mutex` and `RwLock` use `unsafe`: their guards reach the data
//! through an `UnsafeCell`, which is what lets an uncontended lock cost one
//! atomic operation and a guard be `Send`. Everything else, the wait lists
//! included, is safe code; the modules that use `unsafe` say why each use is
//! sound, and the unit tests run under Miri.
#![deny(unsafe_code)]

mod barrier;
mod blocking;
mod cond;
pub mod context;
mod errgroup;
mod list;
mod loom;
mod mutex;
mod once;
mod once_cell;
mod rwlock;
mod semaphore;
mod waitgroup;

#[cfg(all(test, loom))]
mod tests;

/// Polls `fut` once with a waker that does nothing: how the unit tests and
/// loom models step a future by hand (and how a losing `select!` arm is
/// polled before being dropped).
#[cfg(test)]
pub(crate) fn poll_once<F: std::future::Future + Unpin>(fut: &mut F) -> std::task::Poll<F::Output> {
    std::pin::Pin::new(fut).poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
}

pub use barrier::{Barrier, BarrierWaitResult};
pub use cond::Cond;
pub use errgroup::ErrGroup;
pub use mutex::{Mutex, MutexGuard};
pub use once::Once;
pub use once_cell::{Initializer, OnceCell};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use semaphore::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};
pub use waitgroup::WaitGroup;

/// The futures returned by this crate's waiting operations, for code that
/// names them (to store one in a struct, say). Most code just `.await`s.
///
/// ```
/// use goroutine::sync::{futures::Lock, Mutex};
///
/// struct Pending<'a> {
///     lock: Lock<'a, u32>,
/// }
///
/// # goroutine::block_on(async {
/// let m = Mutex::new(3);
/// let p = Pending { lock: m.lock() };
/// assert_eq!(*p.lock.await, 3);
/// # });
/// ```
pub mod futures {
    pub use crate::barrier::BarrierWait;
    pub use crate::cond::CondWait;
    pub use crate::context::Done;
    pub use crate::mutex::Lock;
    pub use crate::rwlock::{Read, Write};
    pub use crate::semaphore::{Acquire, AcquireOwned};
    pub use crate::waitgroup::Wait;
}
