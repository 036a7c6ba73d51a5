//! Goroutines as tasks: spawning, naming, joining.
//!
//! A goroutine is one heap allocation made by `async-task`: a header (state,
//! reference count, the awaiting `JoinHandle`'s waker, and the runtime's metadata),
//! then the future, later replaced by its output. Nothing else is allocated
//! per goroutine, and its waker is a pointer to that allocation, so waking
//! never allocates either.

mod goroutine;
mod join;
mod meta;

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;

use async_task::{ScheduleInfo, WithInfo};

pub use join::{JoinError, JoinHandle};
pub use meta::{GoroutineId, GoroutineState};

pub(crate) use meta::{reserve_ids, Meta, ID_BATCH};

use goroutine::Goroutine;

use crate::runtime::PanicPolicy;
use crate::scheduler::Shared;

/// A scheduled goroutine: what run queues hold.
pub(crate) type Runnable = async_task::Runnable<Meta>;

/// Futures bigger than this are boxed before spawning, so moving them into
/// the task does not risk a stack overflow (tokio's threshold in release).
const BOX_FUTURE_THRESHOLD: usize = 16 * 1024;

/// How a new task is scheduled when it wakes.
pub(crate) enum Kind {
    /// A goroutine, run by the workers.
    Goroutine,
    /// A `spawn_blocking` closure, run by the blocking pool.
    Blocking,
}

/// Allocates a task for `future`, returning it not yet scheduled.
pub(crate) fn new_task<F>(
    shared: &Shared,
    id: GoroutineId,
    location: &'static Location<'static>,
    kind: Kind,
    future: F,
) -> (Runnable, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let meta = Meta::new(
        id,
        location,
        shared.index,
        matches!(kind, Kind::Blocking),
        shared.config.panic_policy == PanicPolicy::Abort,
    );
    if std::mem::size_of::<F>() > BOX_FUTURE_THRESHOLD {
        let boxed: Pin<Box<dyn Future<Output = F::Output> + Send>> = Box::pin(future);
        return new_task_inner(meta, kind, boxed);
    }
    new_task_inner(meta, kind, future)
}

fn new_task_inner<F>(meta: Meta, kind: Kind, future: F) -> (Runnable, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let builder = async_task::Builder::new()
        .metadata(meta)
        .propagate_panic(true);
    let wrap = wrap(future);
    let (runnable, task) = match kind {
        // SAFETY: `spawn_unchecked` asks that a non-`Send` future stays on
        // its thread (ours is `Send`), that a non-'static future's borrows
        // outlive the task (ours borrows only the task's own metadata, which
        // `async-task` explicitly allows), and that a non-`Send`/'static
        // schedule function stays put (ours are plain `fn`s).
        Kind::Goroutine => unsafe { builder.spawn_unchecked(wrap, WithInfo(schedule_goroutine)) },
        // SAFETY: as above.
        Kind::Blocking => unsafe { builder.spawn_unchecked(wrap, schedule_blocking) },
    };
    (runnable, JoinHandle::new(task))
}

/// The goroutine wrapper borrows the metadata stored in its own task.
fn wrap<'a, F>(future: F) -> impl FnOnce(&'a Meta) -> Goroutine<'a, F> {
    move |meta| Goroutine::new(meta, future)
}

fn schedule_goroutine(runnable: Runnable, info: ScheduleInfo) {
    crate::runtime::schedule(runnable, info.woken_while_running);
}

fn schedule_blocking(runnable: Runnable) {
    crate::runtime::schedule_blocking(runnable);
}

/// Spawns goroutines with a name, which debug dumps and panics show.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let h = goroutine::task::Builder::new()
///     .name("ingest")
///     .spawn(async { 1 + 1 });
/// assert_eq!(h.await.unwrap(), 2);
/// # });
/// ```
#[derive(Debug, Default)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    /// A builder for an unnamed goroutine.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = goroutine::task::Builder::new();
    /// # drop(b);
    /// ```
    pub fn new() -> Builder<'a> {
        Builder { name: None }
    }

    /// Names the goroutine.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// goroutine::task::Builder::new().name("tick").spawn(async {}).await.unwrap();
    /// # });
    /// ```
    pub fn name(self, name: &'a str) -> Builder<'a> {
        Builder { name: Some(name) }
    }

    /// Spawns the goroutine on the current runtime, as
    /// [`spawn`](crate::spawn) does. Spawning cannot fail.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let h = goroutine::task::Builder::new().name("worker-1").spawn(async { "done" });
    /// assert_eq!(h.await.unwrap(), "done");
    /// # });
    /// ```
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        crate::runtime::current().spawn_named(future, Location::caller(), self.name)
    }

    /// Spawns the goroutine on the runtime of `handle`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = goroutine::runtime::Runtime::new().unwrap();
    /// let h = goroutine::task::Builder::new().name("bg").spawn_on(async { 5 }, &rt.handle());
    /// assert_eq!(rt.block_on(h).unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &crate::runtime::Handle) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle.spawn_named(future, Location::caller(), self.name)
    }
}
