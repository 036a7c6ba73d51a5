//! `ErrGroup<E>`: `golang.org/x/sync/errgroup`.
//!
//! A [`WaitGroup`] counts the group's goroutines; the first error (and the
//! first panic) is kept under a small mutex; an optional limit bounds how
//! many run at once, holding back (in `go` order) the work that finds it
//! full; an optional [`CancelFunc`] cancels the group's context on the
//! first failure and when `wait` returns.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use crate::context::{self, CancelFunc, Context};
use crate::loom::lock_std as lock;
use crate::loom::std_sync::{Arc, Mutex};
use crate::waitgroup::WaitGroup;

/// A group of goroutines working on parts of one task; waiting on it
/// returns the first error: Go's `errgroup.Group`.
///
/// [`go`](ErrGroup::go) spawns a goroutine running a future that returns
/// `Result<(), E>`; [`wait`](ErrGroup::wait) waits for all of them and
/// returns the first `Err`. A group made by
/// [`with_context`](ErrGroup::with_context) also cancels its [`Context`] at
/// the first error, so the others can stop early. The group is a cheap
/// handle (`Clone`): goroutines in it may add more work to it.
///
/// # Examples
///
/// ```
/// use goroutine::sync::ErrGroup;
///
/// # goroutine::block_on(async {
/// let (group, ctx) = ErrGroup::<String>::with_context();
/// for i in 0..4 {
///     let ctx = ctx.clone();
///     group.go(async move {
///         if i == 2 {
///             return Err(format!("part {i} failed"));
///         }
///         ctx.done().await; // the others stop when one fails
///         Ok(())
///     });
/// }
/// assert_eq!(group.wait().await, Err(String::from("part 2 failed")));
/// assert!(ctx.err().is_some());
/// # });
/// ```
///
/// # Panics in the group
///
/// A goroutine of the group that panics counts as failed: the context is
/// cancelled, and `wait` re-raises the first panic (with its original
/// payload) after every goroutine has finished. Go's errgroup lets the
/// panic crash the program instead.
///
/// # Go
///
/// `g, ctx := errgroup.WithContext(ctx)`; `g.Go(func() error {..})`;
/// `err := g.Wait()` → `let (g, ctx) = ErrGroup::with_parent(&ctx)`;
/// `g.go(async move {..})`; `let r = g.wait().await`. `SetLimit` and
/// `TryGo` are [`set_limit`](ErrGroup::set_limit) and
/// [`try_go`](ErrGroup::try_go); with a limit, `go` does not block its
/// caller as Go's does (see `set_limit`).
pub struct ErrGroup<E> {
    inner: Arc<Inner<E>>,
}

struct Inner<E> {
    wg: WaitGroup,
    failure: Mutex<Failure<E>>,
    cancel: Option<CancelFunc>,
    limit: Mutex<Limit<E>>,
}

/// Go's `SetLimit` and the token channel behind it.
struct Limit<E> {
    /// At most this many members run at once; `None`: no limit.
    max: Option<usize>,
    /// Members started under a limit and not finished: Go's `len(g.sem)`.
    active: usize,
    /// Work that found the group full, in `go` order: what Go's callers
    /// blocked in `Go` would start. A member that ends starts the first in
    /// its place.
    queued: VecDeque<Member<E>>,
    /// Slots given back and not yet handed on (see `hand_on_slot`).
    freed: usize,
    /// A thread is handing freed slots on.
    handing_on: bool,
}

impl<E> Limit<E> {
    /// Whether a new member may start now: `Some(true)` holding a slot it
    /// must hand on, `Some(false)` with no limit set, `None` when full.
    fn take_slot(&mut self) -> Option<bool> {
        match self.max {
            None => Some(false),
            Some(max) if self.active < max => {
                self.active += 1;
                Some(true)
            }
            Some(_) => None,
        }
    }
}

/// The future of a member that waits for a slot.
type Member<E> = Pin<Box<dyn Future<Output = Result<(), E>> + Send>>;

struct Failure<E> {
    /// The first error, until a `wait` takes it; the next error after
    /// that is recorded anew.
    err: Option<E>,
    panic: Option<Box<dyn Any + Send>>,
}

impl<E> Clone for ErrGroup<E> {
    fn clone(&self) -> ErrGroup<E> {
        ErrGroup {
            inner: self.inner.clone(),
        }
    }
}

impl<E: Send + 'static> ErrGroup<E> {
    /// A group with no context and no limit (Go's zero `errgroup.Group`).
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let group = goroutine::sync::ErrGroup::<std::io::Error>::new();
    /// group.go(async { Ok(()) });
    /// assert!(group.wait().await.is_ok());
    /// # });
    /// ```
    pub fn new() -> ErrGroup<E> {
        ErrGroup::build(None)
    }

    /// A group and a context derived from [`background`](context::background)
    /// that is cancelled at the group's first error (or panic) and when
    /// [`wait`](ErrGroup::wait) returns, whichever comes first: Go's
    /// `errgroup.WithContext(context.Background())`.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let (group, ctx) = goroutine::sync::ErrGroup::<()>::with_context();
    /// group.go(async { Err(()) });
    /// assert_eq!(group.wait().await, Err(()));
    /// assert_eq!(ctx.err(), Some(goroutine::context::ContextError::Canceled));
    /// # });
    /// ```
    pub fn with_context() -> (ErrGroup<E>, Context) {
        ErrGroup::with_parent(&context::background())
    }

    /// As [`with_context`](ErrGroup::with_context), with the context derived
    /// from `parent`: Go's `errgroup.WithContext(parent)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::context;
    /// let (parent, cancel) = context::with_cancel(&context::background());
    /// let (_group, ctx) = goroutine::sync::ErrGroup::<()>::with_parent(&parent);
    /// cancel.cancel();
    /// assert!(ctx.err().is_some());
    /// ```
    pub fn with_parent(parent: &Context) -> (ErrGroup<E>, Context) {
        let (ctx, cancel) = context::with_cancel(parent);
        (ErrGroup::build(Some(cancel)), ctx)
    }

    fn build(cancel: Option<CancelFunc>) -> ErrGroup<E> {
        ErrGroup {
            inner: Arc::new(Inner {
                wg: WaitGroup::new(),
                failure: Mutex::new(Failure {
                    err: None,
                    panic: None,
                }),
                cancel,
                limit: Mutex::new(Limit {
                    max: None,
                    active: 0,
                    queued: VecDeque::new(),
                    freed: 0,
                    handing_on: false,
                }),
            }),
        }
    }

    /// Runs `future` in a new goroutine of the group. Its `Err` becomes the
    /// group's error if it is the first; with a context, the first error
    /// cancels it.
    ///
    /// Never blocks. With a limit set and every slot taken, `future` waits
    /// in the group, in `go` order, and its goroutine starts when a member
    /// finishes (see [`set_limit`](ErrGroup::set_limit)).
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let group = goroutine::sync::ErrGroup::new();
    /// let inner = group.clone();
    /// group.go(async move {
    ///     inner.go(async { Err("nested") }); // work may add work
    ///     Ok(())
    /// });
    /// assert_eq!(group.wait().await, Err("nested"));
    /// # });
    /// ```
    #[track_caller]
    pub fn go<F>(&self, future: F)
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
    {
        let mut limit = lock(&self.inner.limit);
        match limit.take_slot() {
            Some(limited) => {
                drop(limit);
                Inner::spawn_member(&self.inner, future, limited);
            }
            // Full: a member is active (max >= 1) and will start it.
            None => limit.queued.push_back(Box::pin(future)),
        }
    }

    /// Runs `future` in a new goroutine of the group only if that stays
    /// within the limit right now; returns whether it started (Go's
    /// `TryGo`). Without a limit it always starts.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// use std::sync::Arc;
    /// let group = goroutine::sync::ErrGroup::<()>::new();
    /// group.set_limit(1);
    /// let gate = Arc::new(goroutine::sync::Semaphore::new(0));
    /// let g = gate.clone();
    /// assert!(group.try_go(async move { g.acquire().await.forget(); Ok(()) }));
    /// assert!(!group.try_go(async { Ok(()) }), "the only slot is taken");
    /// gate.add_permits(1);
    /// group.wait().await.unwrap();
    /// # });
    /// ```
    #[track_caller]
    pub fn try_go<F>(&self, future: F) -> bool
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
    {
        let mut limit = lock(&self.inner.limit);
        let Some(limited) = limit.take_slot() else {
            return false;
        };
        drop(limit);
        Inner::spawn_member(&self.inner, future, limited);
        true
    }

    /// Limits the group to `n` goroutines running their future at once
    /// (Go's `SetLimit`).
    ///
    /// Go's `Go` blocks its caller while the group is full, and starts the
    /// goroutine once a member finishes. `go` here cannot block (it is not
    /// async), so it returns at once and leaves the future waiting in the
    /// group instead; when a member finishes, the oldest waiting future
    /// starts in its goroutine's place. So the goroutines start in `go`
    /// order and no more of them exist at once than Go would have (what
    /// differs: the caller goes on before they start). Each waiting future
    /// costs its memory, boxed; to hold back the producer as Go does, use
    /// [`try_go`](ErrGroup::try_go) or a [`Semaphore`](crate::Semaphore) of your own.
    ///
    /// # Panics
    ///
    /// - If `n` is 0: nothing could ever run ("errgroup: limit must be at
    ///   least 1"; Go would block forever).
    /// - If goroutines started under the current limit are still active,
    ///   as in Go: "errgroup: modify limit while N goroutines in the group
    ///   are still active". (With no limit set, as after
    ///   [`remove_limit`](ErrGroup::remove_limit), it does not panic, as in
    ///   Go; goroutines of an older limit then count against the new one
    ///   until they end.)
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// # goroutine::block_on(async {
    /// let group = goroutine::sync::ErrGroup::<()>::new();
    /// group.set_limit(2);
    /// let running = Arc::new(AtomicUsize::new(0));
    /// for _ in 0..6 {
    ///     let running = running.clone();
    ///     group.go(async move {
    ///         assert!(running.fetch_add(1, Ordering::SeqCst) < 2);
    ///         goroutine::yield_now().await;
    ///         running.fetch_sub(1, Ordering::SeqCst);
    ///         Ok(())
    ///     });
    /// }
    /// group.wait().await.unwrap();
    /// # });
    /// ```
    #[track_caller]
    pub fn set_limit(&self, n: usize) {
        assert!(n > 0, "errgroup: limit must be at least 1");
        let mut limit = lock(&self.inner.limit);
        let active = limit.active;
        // Go counts `len(g.sem)` of the current limit: none after
        // `SetLimit(-1)`. Members of an older limit then count against the
        // new one until they end.
        if limit.max.is_some() && active != 0 {
            drop(limit);
            panic!(
                "errgroup: modify limit while {active} goroutines in the group are still active"
            );
        }
        limit.max = Some(n);
    }

    /// Removes the limit (Go's `SetLimit(-1)`). Work already waiting for a
    /// slot still starts as members finish, as Go's blocked callers do.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = goroutine::sync::ErrGroup::<()>::new();
    /// group.set_limit(1);
    /// group.remove_limit();
    /// ```
    pub fn remove_limit(&self) {
        lock(&self.inner.limit).max = None;
    }

    /// Waits for every goroutine of the group (including ones added while
    /// waiting), then returns the first error, if any. With a context, it
    /// is cancelled when this returns (Go's rule).
    ///
    /// Go's `Wait` returns the group's first error to every call, forever,
    /// and programs rely on it: errgroup's own pipeline example has a
    /// goroutine `Wait` and close the results channel while the caller
    /// `Wait`s again for the error. `E` need not be `Clone`, so:
    ///
    /// - for `String`, `&'static str`, `Box<dyn Error + Send + Sync>`,
    ///   `std::io::Error` and the primitive integers, `bool` and `char`,
    ///   every `wait` gets the first error, as in Go (the first `wait` gets
    ///   the value itself; for the two error types, later ones get a copy
    ///   with the same message and, for `io::Error`, the same kind);
    /// - for any other `E`, the first `wait` to return gets it and later
    ///   ones get `Ok(())`; the group then records the next error anew, so
    ///   a reused group never hides a failure.
    ///
    /// # Panics
    ///
    /// Re-raises the first panic of a goroutine in the group.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let group = goroutine::sync::ErrGroup::new();
    /// group.go(async { Err(1) });
    /// group.go(async { Ok(()) });
    /// assert_eq!(group.wait().await, Err(1));
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the group running; its goroutines are not
    /// cancelled (cancel the context for that) and the error stays for the
    /// next `wait` on a clone.
    pub async fn wait(self) -> Result<(), E> {
        self.inner.wg.wait().await;
        if let Some(cancel) = &self.inner.cancel {
            cancel.cancel();
        }
        let mut failure = lock(&self.inner.failure);
        if let Some(payload) = failure.panic.take() {
            drop(failure);
            panic::resume_unwind(payload);
        }
        match failure.err.take() {
            Some(err) => {
                // Later waits get a copy where one can be made (see above).
                failure.err = copy_error(&err);
                Err(err)
            }
            None => Ok(()),
        }
    }
}

impl<E: Send + 'static> Inner<E> {
    /// Spawns a member goroutine running `future`; `limited`: it holds one
    /// of the limit's slots, which it hands on when it finishes.
    fn spawn_member<F>(this: &Arc<Inner<E>>, future: F, limited: bool)
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
    {
        let inner = this.clone();
        // Hands the slot on however the member ends: finished, panicked
        // (caught below), or dropped unfinished or even unstarted (its
        // runtime shut down), hence made out here and moved in.
        let slot = limited.then(|| SlotGuard(this.clone()));
        // `go` adds one and calls `done` when the goroutine ends, even if it
        // is dropped unfinished. On a normal end the slot is handed on
        // before that, so the count stays above zero while work waits (Go's
        // `done` also frees the token first).
        drop(this.wg.go(async move {
            let _slot = slot;
            match (CatchUnwind { future }).await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => inner.fail(Some(err), None),
                Err(payload) => inner.fail(None, Some(payload)),
            }
        }));
    }

    /// A member under the limit ended: its slot goes to the oldest waiting
    /// work, or back to the limit.
    ///
    /// Iterative: a member spawned here onto a runtime that is shut down
    /// is dropped at once, and its own guard gives its slot back through
    /// `freed` to this loop instead of recursing (one level per queued
    /// future). A slot freed on another thread meanwhile is handed on by
    /// this loop too.
    fn hand_on_slot(this: &Arc<Inner<E>>) {
        let mut limit = lock(&this.limit);
        limit.freed += 1;
        if limit.handing_on {
            return;
        }
        limit.handing_on = true;
        while limit.freed > 0 {
            match limit.queued.pop_front() {
                Some(next) => {
                    limit.freed -= 1;
                    drop(limit);
                    Inner::spawn_member(this, next, true);
                    limit = lock(&this.limit);
                }
                None => {
                    limit.active -= limit.freed;
                    limit.freed = 0;
                }
            }
        }
        limit.handing_on = false;
    }
}

/// Held by a member goroutine that took a slot of the limit.
struct SlotGuard<E: Send + 'static>(Arc<Inner<E>>);

impl<E: Send + 'static> Drop for SlotGuard<E> {
    fn drop(&mut self) {
        Inner::hand_on_slot(&self.0);
    }
}

impl<E> Inner<E> {
    /// Records a failure (keeping only the first error and first panic) and
    /// cancels the context.
    fn fail(&self, err: Option<E>, payload: Option<Box<dyn Any + Send>>) {
        let mut failure = lock(&self.failure);
        if let Some(err) = err {
            if failure.err.is_none() {
                failure.err = Some(err);
            }
        }
        if payload.is_some() && failure.panic.is_none() {
            failure.panic = payload;
        }
        drop(failure);
        if let Some(cancel) = &self.cancel {
            cancel.cancel();
        }
    }
}

/// A copy of `err` for the next `wait`, for the error types that can give
/// one (see [`ErrGroup::wait`]); `None` for the others. `E` is not bound by
/// `Clone` (the contract's `ErrGroup<E>` takes any error), so the known
/// types are found by `Any`.
fn copy_error<E: 'static>(err: &E) -> Option<E> {
    fn cast<E: 'static, T: 'static>(copy: T) -> Option<E> {
        let boxed: Box<dyn Any> = Box::new(copy);
        boxed.downcast::<E>().ok().map(|b| *b)
    }
    let any: &dyn Any = err;
    macro_rules! cloned {
        ($($t:ty),* $(,)?) => {
            $(if let Some(v) = any.downcast_ref::<$t>() {
                return cast::<E, $t>(v.clone());
            })*
        };
    }
    cloned!(
        String,
        &'static str,
        bool,
        char,
        i8,
        i16,
        i32,
        i64,
        i128,
        isize,
        u8,
        u16,
        u32,
        u64,
        u128,
        usize,
    );
    if let Some(e) = any.downcast_ref::<Box<dyn std::error::Error + Send + Sync>>() {
        let copy: Box<dyn std::error::Error + Send + Sync> = e.to_string().into();
        return cast::<E, _>(copy);
    }
    if let Some(e) = any.downcast_ref::<std::io::Error>() {
        return cast::<E, _>(std::io::Error::new(e.kind(), e.to_string()));
    }
    None
}

impl<E: Send + 'static> Default for ErrGroup<E> {
    fn default() -> ErrGroup<E> {
        ErrGroup::new()
    }
}

impl<E> fmt::Debug for ErrGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = lock(&self.inner.failure).err.is_some();
        f.debug_struct("ErrGroup")
            .field("active", &self.inner.wg.count())
            .field("failed", &failed)
            .field("has_context", &self.inner.cancel.is_some())
            .finish()
    }
}

pin_project_lite::pin_project! {
    /// Polls `future`, turning a panic in it into `Err(payload)`.
    struct CatchUnwind<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let future = self.project().future;
        // AssertUnwindSafe: after a panic the future is never polled again
        // and the payload goes to `wait`, which re-raises it.
        match panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(out)) => Poll::Ready(Ok(out)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}
