//! Errors of channel operations. Each one that carries a value hands it back,
//! so nothing sent is ever lost to an error.

use std::error::Error;
use std::fmt;

/// The channel is closed: the value could not be sent and comes back.
///
/// Returned by [`Sender::send`](crate::Sender::send) and
/// [`Sender::send_blocking`](crate::Sender::send_blocking). Where Go panics
/// with "send on closed channel", this crate returns the value.
///
/// # Examples
///
/// ```
/// use goroutine::chan::{self, SendError};
/// let (tx, rx) = chan::bounded::<String>(1);
/// rx.close();
/// let err = tx.send_blocking("hello".to_string()).unwrap_err();
/// assert_eq!(err, SendError("hello".to_string()));
/// assert_eq!(err.into_inner(), "hello");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The value that could not be sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = goroutine::chan::SendError(7);
    /// assert_eq!(e.into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("send on closed channel")
    }
}

impl<T> Error for SendError<T> {}

/// Why [`Sender::try_send`](crate::Sender::try_send) could not send; the
/// value comes back in either case.
///
/// # Examples
///
/// ```
/// use goroutine::chan::{self, TrySendError};
/// let (tx, rx) = chan::bounded(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// rx.close();
/// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// No room: the buffer is full, or (unbuffered) no receiver is waiting.
    Full(T),
    /// The channel is closed.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that could not be sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::chan::TrySendError;
    /// assert_eq!(TrySendError::Full(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }

    /// True for [`TrySendError::Full`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(goroutine::chan::TrySendError::Full(()).is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }

    /// True for [`TrySendError::Closed`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(goroutine::chan::TrySendError::Closed(()).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TrySendError::Closed(_))
    }
}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(e: SendError<T>) -> Self {
        TrySendError::Closed(e.0)
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("send on full channel"),
            TrySendError::Closed(_) => f.write_str("send on closed channel"),
        }
    }
}

impl<T> Error for TrySendError<T> {}

/// Why [`Receiver::try_recv`](crate::Receiver::try_recv) returned no value.
///
/// # Examples
///
/// ```
/// use goroutine::chan::{self, TryRecvError};
/// let (tx, rx) = chan::bounded::<i32>(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TryRecvError {
    /// Nothing to receive now: no buffered value and no waiting sender.
    Empty,
    /// The channel is closed and drained.
    Closed,
}

impl TryRecvError {
    /// True for [`TryRecvError::Empty`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(goroutine::chan::TryRecvError::Empty.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        matches!(self, TryRecvError::Empty)
    }

    /// True for [`TryRecvError::Closed`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(goroutine::chan::TryRecvError::Closed.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TryRecvError::Closed)
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receive on empty channel"),
            TryRecvError::Closed => f.write_str("receive on closed channel"),
        }
    }
}

impl Error for TryRecvError {}
