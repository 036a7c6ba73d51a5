//! `OnceCell<T>`: a value initialised once by an async function.
//!
//! The value lives in a std `OnceLock` (so `get` is one Acquire load and
//! needs no unsafe code); initialisers take turns through a one-permit
//! [`Semaphore`], so exactly one runs at a time and the others park as
//! goroutines. An initialiser that is cancelled or panics drops its permit
//! and the next waiter in line tries in its place.

use std::fmt;
use std::future::Future;

use goroutine_runtime::coop;
use goroutine_runtime::debug::WaitReason;

use crate::loom::const_fn;
use crate::loom::std_sync::OnceLock;
use crate::semaphore::Semaphore;

/// What [`OnceCell::get_or_init`] accepts: a future that produces the value
/// (`async { .. }`), or a function that returns one (`|| async { .. }`).
///
/// Sealed; `M` is a marker that tells the two forms apart and is always
/// inferred.
///
/// # Examples
///
/// ```
/// use goroutine::sync::OnceCell;
/// # goroutine::block_on(async {
/// let a = OnceCell::new();
/// assert_eq!(*a.get_or_init(async { 1 }).await, 1);
/// let b = OnceCell::new();
/// assert_eq!(*b.get_or_init(|| async { 2 }).await, 2);
/// # });
/// ```
pub trait Initializer<T, M>: sealed::Sealed<M> {
    /// The future that computes the value.
    type Future: Future<Output = T>;

    /// Turns the initialiser into that future (calls the function form).
    fn into_init(self) -> Self::Future;
}

/// Markers telling [`Initializer`]'s two forms apart; users never name them.
mod marker {
    /// `init` is a future.
    #[derive(Debug)]
    pub struct FromFuture;
    /// `init` is a function returning a future.
    #[derive(Debug)]
    pub struct FromFn;
}

mod sealed {
    pub trait Sealed<M> {}
}

impl<F: Future> sealed::Sealed<marker::FromFuture> for F {}

impl<T, F: Future<Output = T>> Initializer<T, marker::FromFuture> for F {
    type Future = F;

    fn into_init(self) -> F {
        self
    }
}

impl<F: FnOnce() -> Fut, Fut: Future> sealed::Sealed<marker::FromFn> for F {}

impl<T, F, Fut> Initializer<T, marker::FromFn> for F
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T>,
{
    type Future = Fut;

    fn into_init(self) -> Fut {
        self()
    }
}

/// A cell written once, by the first of its callers, with an async
/// initialiser: what Go code builds from `sync.Once` plus a variable.
///
/// # Examples
///
/// ```
/// use goroutine::sync::OnceCell;
///
/// static CONFIG: OnceCell<String> = OnceCell::new();
///
/// # goroutine::block_on(async {
/// let v = CONFIG.get_or_init(|| async { String::from("loaded") }).await;
/// assert_eq!(v, "loaded");
/// // Later callers get the stored value; their initialiser does not run.
/// let again = CONFIG.get_or_init(|| async { unreachable!() }).await;
/// assert_eq!(again, "loaded");
/// # });
/// ```
///
/// # Go
///
/// ```go
/// var once sync.Once
/// var config string
/// once.Do(func() { config = load() })
/// ```
///
/// Unlike `Once.Do`, callers that arrive during the initialisation wait as
/// goroutines (they do not block their thread), and an initialiser that
/// panics or is cancelled lets the next caller try again.
pub struct OnceCell<T> {
    value: OnceLock<T>,
    init: Semaphore,
}

impl<T> OnceCell<T> {
    const_fn! {
        /// Creates an empty cell.
        ///
        /// # Examples
        ///
        /// ```
        /// let cell = goroutine::sync::OnceCell::<u8>::new();
        /// assert_eq!(cell.get(), None);
        /// ```
        pub fn new() -> OnceCell<T> {
            OnceCell { value: OnceLock::new(), init: Semaphore::new(1) }
        }
    }

    /// The value, if the cell has been set.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = goroutine::sync::OnceCell::new();
    /// cell.set(5).unwrap();
    /// assert_eq!(cell.get(), Some(&5));
    /// ```
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// Returns the value, running `init` first if the cell is empty.
    ///
    /// `init` is the future that computes the value (`async { .. }`) or a
    /// function returning one (`|| async { .. }`); either runs only if the
    /// cell is still empty when this caller's turn comes.
    ///
    /// One initialiser runs at a time: callers that arrive while one runs
    /// wait for it and then get its value. If it panics or its caller is
    /// cancelled, the cell stays empty and the next waiter runs its own
    /// `init`.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let cell = goroutine::sync::OnceCell::new();
    /// let v = cell.get_or_init(async { 1 + 1 }).await;
    /// assert_eq!(*v, 2);
    /// // The function form runs nothing at all when the cell is full:
    /// let again = cell.get_or_init(|| async { unreachable!() }).await;
    /// assert_eq!(*again, 2);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a caller cancelled while waiting leaves the line; one
    /// cancelled while running `init` drops that work, leaves the cell empty
    /// and lets the next waiter initialise it.
    pub async fn get_or_init<I, M>(&self, init: I) -> &T
    where
        I: Initializer<T, M>,
    {
        let init = || async { Ok::<T, std::convert::Infallible>(init.into_init().await) };
        match self.get_or_try_init(init).await {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// Like [`get_or_init`](OnceCell::get_or_init), with an initialiser
    /// that may fail: on `Err` the cell stays empty, the error is returned
    /// and the next waiter tries.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let cell = goroutine::sync::OnceCell::<u32>::new();
    /// let e = cell.get_or_try_init(|| async { "7x".parse::<u32>() }).await;
    /// assert!(e.is_err());
    /// let v = cell.get_or_try_init(|| async { "7".parse::<u32>() }).await;
    /// assert_eq!(v, Ok(&7));
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// As for [`get_or_init`](OnceCell::get_or_init).
    pub async fn get_or_try_init<E, I, M>(&self, init: I) -> Result<&T, E>
    where
        I: Initializer<Result<T, E>, M>,
    {
        if let Some(v) = self.value.get() {
            // The fast path completes an operation too: charge the budget.
            coop::consume_budget().await;
            return Ok(v);
        }
        let _turn = self.init.acquire_for(1, WaitReason::Once).await;
        if let Some(v) = self.value.get() {
            return Ok(v); // the initialiser before us succeeded
        }
        let value = init.into_init().await?;
        // Only `set` can have raced us; then its value wins and ours drops.
        let _ = self.value.set(value);
        Ok(self.value.get().expect("OnceCell value was just set"))
    }

    /// Stores `value` if the cell is empty; gives it back otherwise.
    ///
    /// If an initialiser is running, `set` still succeeds when it comes
    /// first; the initialiser's value is then dropped and its caller gets
    /// the one set here.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = goroutine::sync::OnceCell::new();
    /// assert_eq!(cell.set(1), Ok(()));
    /// assert_eq!(cell.set(2), Err(2));
    /// ```
    pub fn set(&self, value: T) -> Result<(), T> {
        self.value.set(value)
    }

    /// True once the cell holds a value.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = goroutine::sync::OnceCell::new();
    /// assert!(!cell.initialized());
    /// cell.set(()).unwrap();
    /// assert!(cell.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.value.get().is_some()
    }

    /// A mutable reference to the value, if set.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = goroutine::sync::OnceCell::new();
    /// cell.set(1).unwrap();
    /// *cell.get_mut().unwrap() += 1;
    /// assert_eq!(cell.get(), Some(&2));
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.value.get_mut()
    }

    /// Consumes the cell, returning the value if set.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = goroutine::sync::OnceCell::new();
    /// cell.set("x").unwrap();
    /// assert_eq!(cell.into_inner(), Some("x"));
    /// ```
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> OnceCell<T> {
        OnceCell::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> OnceCell<T> {
        let cell = OnceCell::new();
        let _ = cell.set(value);
        cell
    }
}
