//! `JoinHandle` and `JoinError`.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use std::ptr::NonNull;

use async_task::{FallibleTask, Task};

use super::meta::{GoroutineId, Meta};
use crate::coop;
use crate::wait::{set_wait_reason, WaitReason};

/// An owned permission to await a goroutine's result.
///
/// Awaiting it gives `Ok(value)` when the goroutine returned, or a
/// [`JoinError`] when it panicked or was aborted. Dropping the handle
/// *detaches* the goroutine: it keeps running, as every goroutine does in
/// Go.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let h = goroutine::spawn(async { 6 * 7 });
/// assert_eq!(h.await.unwrap(), 42);
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping a pending `h.await` (for instance in a losing `select!` arm)
/// does not affect the goroutine; await the handle again later.
pub struct JoinHandle<T> {
    task: Option<FallibleTask<T, Meta>>,
    /// The goroutine's metadata, in the task allocation that `task` keeps
    /// alive (`FallibleTask` has no accessor for it).
    meta: NonNull<Meta>,
    id: GoroutineId,
}

// SAFETY: the fields are a `FallibleTask<T, Meta>`, which is `Send` when
// `T: Send` (and `Meta: Send + Sync`), and a pointer to a `Meta`, which is
// `Sync` and only read.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` allows `abort`, `is_finished` and `id`, which read
// the task state and the `Meta` atomically; the output is only reached
// through `&mut` (`poll`).
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    pub(crate) fn new(task: Task<T, Meta>) -> JoinHandle<T> {
        let meta = NonNull::from(task.metadata());
        let id = task.metadata().id();
        JoinHandle {
            task: Some(task.fallible()),
            meta,
            id,
        }
    }

    /// Asks the goroutine to stop: it is dropped (its destructors run) the
    /// next time the runtime would poll it, and awaiting this handle then
    /// gives a [`JoinError`] for which [`is_cancelled`](JoinError::is_cancelled)
    /// is true. A goroutine that already finished is not affected. A
    /// goroutine in the middle of a poll finishes that poll first.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let h = goroutine::spawn(std::future::pending::<()>());
    /// h.abort();
    /// assert!(h.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn abort(&self) {
        if self.task.is_some() {
            // SAFETY: `self.task` is alive, so the task allocation holding
            // the metadata is too.
            crate::runtime::abort_goroutine(unsafe { self.meta.as_ref() });
        }
    }

    /// True once the goroutine has finished: returned, panicked, or been
    /// dropped after [`abort`](JoinHandle::abort).
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let h = goroutine::spawn(async {});
    /// while !h.is_finished() {
    ///     goroutine::yield_now().await;
    /// }
    /// # });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(|t| t.is_finished())
    }

    /// The goroutine's id.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let a = goroutine::spawn(async {});
    /// let b = goroutine::spawn(async {});
    /// assert_ne!(a.id(), b.id());
    /// # });
    /// ```
    pub fn id(&self) -> GoroutineId {
        self.id
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let progress = std::task::ready!(coop::poll_proceed(cx));
        let id = self.id;
        let task = self
            .task
            .as_mut()
            .expect("JoinHandle polled after it returned its result");
        // A goroutine's panic is stored in its task and re-raised here by
        // `async-task`; catch it and hand it over as a value instead.
        let out = match panic::catch_unwind(AssertUnwindSafe(|| Pin::new(&mut *task).poll(cx))) {
            Ok(Poll::Pending) => {
                set_wait_reason(WaitReason::Join);
                return Poll::Pending;
            }
            Ok(Poll::Ready(Some(v))) => Ok(v),
            Ok(Poll::Ready(None)) => Err(JoinError::cancelled(id)),
            Err(payload) => Err(JoinError::panicked(id, payload)),
        };
        progress.made_progress();
        self.task = None;
        Poll::Ready(out)
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.detach();
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id)
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Why a goroutine gave no result: it panicked, or it was aborted (or its
/// runtime shut down) before it finished.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let h = goroutine::spawn(async { panic!("boom") });
/// let err = h.await.unwrap_err();
/// assert!(err.is_panic());
/// assert!(err.to_string().contains("panicked: boom"));
/// # });
/// ```
pub struct JoinError {
    id: GoroutineId,
    repr: Repr,
}

enum Repr {
    Cancelled,
    /// The payload is `Send` but not `Sync`; the mutex makes the error
    /// `Sync` so it can travel inside `Box<dyn Error + Send + Sync>`.
    Panic(Mutex<Box<dyn Any + Send + 'static>>),
}

impl JoinError {
    pub(crate) fn cancelled(id: GoroutineId) -> JoinError {
        JoinError {
            id,
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panicked(id: GoroutineId, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            id,
            repr: Repr::Panic(Mutex::new(payload)),
        }
    }

    /// True if the goroutine panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let err = goroutine::spawn(async { panic!("x") }).await.unwrap_err();
    /// assert!(err.is_panic() && !err.is_cancelled());
    /// # });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// True if the goroutine was aborted or dropped by its runtime's
    /// shutdown before it finished.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let h = goroutine::spawn(std::future::pending::<()>());
    /// h.abort();
    /// assert!(h.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// The panic payload, to re-raise with [`std::panic::resume_unwind`].
    ///
    /// # Panics
    ///
    /// If the goroutine was cancelled rather than panicking; see
    /// [`try_into_panic`](JoinError::try_into_panic).
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let err = goroutine::spawn(async { panic!("boom") }).await.unwrap_err();
    /// let payload = err.into_panic();
    /// assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    /// # });
    /// ```
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("JoinError::into_panic: the goroutine was cancelled, it did not panic")
    }

    /// The panic payload, or the error itself if the goroutine was
    /// cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let h = goroutine::spawn(std::future::pending::<()>());
    /// h.abort();
    /// assert!(h.await.unwrap_err().try_into_panic().is_err());
    /// # });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(p) => Ok(p.into_inner().unwrap_or_else(|e| e.into_inner())),
            Repr::Cancelled => Err(self),
        }
    }

    /// The id of the goroutine that failed.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let h = goroutine::spawn(async { panic!("x") });
    /// let id = h.id();
    /// assert_eq!(h.await.unwrap_err().id(), id);
    /// # });
    /// ```
    pub fn id(&self) -> GoroutineId {
        self.id
    }

    fn panic_message(&self) -> Option<String> {
        let Repr::Panic(p) = &self.repr else {
            return None;
        };
        let p = p.lock().unwrap_or_else(|e| e.into_inner());
        Some(panic_message(&**p))
    }
}

/// The text of a panic payload, as the standard panic hook prints it.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.panic_message() {
            Some(msg) => write!(f, "goroutine {} panicked: {msg}", self.id),
            None => write!(f, "goroutine {} was cancelled", self.id),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.panic_message() {
            Some(msg) => f
                .debug_tuple("JoinError::Panic")
                .field(&self.id)
                .field(&msg)
                .finish(),
            None => f
                .debug_tuple("JoinError::Cancelled")
                .field(&self.id)
                .finish(),
        }
    }
}

impl std::error::Error for JoinError {}
