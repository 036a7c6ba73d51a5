//! The sending half: `ch <- v`.

use crate::blocking;
use crate::chan::{add_handle, Chan};
use crate::error::{SendError, TrySendError};
use crate::loom::atomic::Ordering;
use crate::loom::Arc;
use crate::waiters::NIL;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The sending side of a channel: Go's `ch <- v`.
///
/// Clone it to send from many goroutines; every clone sends into the same
/// channel. When the last `Sender` is dropped the channel closes, and
/// receivers get `None` once they have drained the buffer.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let (tx, rx) = goroutine::chan::bounded(0); // make(chan i32)
/// for id in 0..3 {
///     let tx = tx.clone();
///     goroutine::go!(async move { tx.send(id).await.unwrap() });
/// }
/// drop(tx);
/// let mut got = Vec::new();
/// while let Some(v) = rx.recv().await {
///     got.push(v);
/// }
/// got.sort();
/// assert_eq!(got, [0, 1, 2]);
/// # });
/// ```
pub struct Sender<T> {
    pub(crate) chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting for room: on an unbuffered channel, until a
    /// receiver takes it; on a buffered one, until the buffer has a free slot.
    ///
    /// Returns `Err(SendError(value))` if the channel is closed, also when
    /// it closes while this send waits (Go panics instead). Completing uses
    /// one unit of the goroutine's [coop budget](goroutine_runtime::coop).
    ///
    /// # Cancel safety
    ///
    /// Nothing is lost or duplicated: the value is delivered exactly once or
    /// stays with the sender. A future dropped before it completes has
    /// delivered nothing, unless a receiver took the value from its parked
    /// send after the future's last poll (a rendezvous happened; only "a
    /// receiver was waiting" is promised, not that it has run). To know which,
    /// cancel with [`SendFuture::cancel`], which hands the value back if it
    /// was not delivered. In a [`select!`](crate::select!) a send arm that
    /// does not win delivers nothing, even against a receiver that is itself
    /// in a `select!`.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let (tx, rx) = goroutine::chan::bounded(1);
    /// tx.send("ping").await.unwrap();           // ch <- "ping"
    /// assert_eq!(rx.recv().await, Some("ping"));
    /// drop(rx);
    /// assert_eq!(tx.send("lost").await.unwrap_err().0, "lost");
    /// # });
    /// ```
    ///
    /// # Go
    ///
    /// `ch <- v`. Sending on a closed channel returns the value instead of
    /// panicking.
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture {
            tx: self,
            value: Some(value),
            key: NIL,
        }
    }

    /// Sends without waiting: `Full(value)` when there is no room (an
    /// unbuffered channel has room only when a receiver is waiting),
    /// `Closed(value)` when the channel is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::chan::{self, TrySendError};
    /// let (tx, _rx) = chan::bounded(1);
    /// assert_eq!(tx.try_send(1), Ok(()));
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// ```
    ///
    /// # Go
    ///
    /// `select { case ch <- v: ...; default: ... }`.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(value)
    }

    /// Sends from a plain thread, blocking it until the send completes.
    ///
    /// Do not call it from a goroutine: it blocks the worker thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = goroutine::chan::bounded(0);
    /// let t = std::thread::spawn(move || tx.send_blocking(5).unwrap());
    /// assert_eq!(rx.recv_blocking(), Some(5));
    /// t.join().unwrap();
    /// ```
    pub fn send_blocking(&self, value: T) -> Result<(), SendError<T>> {
        blocking::block_on(self.send(value))
    }

    /// Closes the channel for everyone. Returns `true` if this call closed
    /// it, `false` if it was already closed (Go panics then).
    ///
    /// Waiting senders get their values back in `SendError`; receivers get
    /// the buffered values, then `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = goroutine::chan::bounded(2);
    /// tx.try_send(1).unwrap();
    /// assert!(tx.close());
    /// assert!(!tx.close());
    /// assert_eq!(rx.recv_blocking(), Some(1)); // buffered values survive close
    /// assert_eq!(rx.recv_blocking(), None);
    /// ```
    ///
    /// # Go
    ///
    /// `close(ch)`.
    pub fn close(&self) -> bool {
        self.chan.close()
    }

    /// Whether the channel is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = goroutine::chan::unbounded::<()>();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Number of buffered values; always 0 when unbuffered.
    ///
    /// A value a sender handed to a receive that was then cancelled goes
    /// back to the head of the buffer, past the capacity if the buffer
    /// filled up meanwhile, so `len` can briefly exceed the capacity (a
    /// state Go's channels never show); nothing is lost or reordered.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = goroutine::chan::bounded(4);
    /// tx.try_send(()).unwrap();
    /// assert_eq!(tx.len(), 1); // len(ch)
    /// ```
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Whether no value is buffered (always true when unbuffered).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = goroutine::chan::bounded::<u8>(0);
    /// assert!(tx.is_empty() && tx.is_full()); // unbuffered: both
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the buffer is full (always true when unbuffered, never when
    /// unbounded).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = goroutine::chan::bounded(1);
    /// tx.try_send(1).unwrap();
    /// assert!(tx.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.chan.is_full()
    }

    /// The capacity: `Some(0)` unbuffered, `Some(n)` buffered, `None`
    /// unbounded.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::chan;
    /// assert_eq!(chan::bounded::<()>(3).0.capacity(), Some(3)); // cap(ch)
    /// assert_eq!(chan::unbounded::<()>().0.capacity(), None);
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.chan.capacity()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        crate::chan::add_handle(&self.chan.senders);
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Sender<T> {
    /// Keeps the channel open when every `Sender` is gone: receivers then
    /// wait for ever, as on a Go channel nobody closes (Go's timer channels
    /// are never closed). Only an explicit [`close`](Sender::close) closes
    /// it. The memory is still freed when the last handle is dropped.
    ///
    /// Used by `goroutine::time` for timer channels.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = goroutine::chan::bounded::<i32>(1);
    /// tx.keep_open();
    /// drop(tx);
    /// assert!(!rx.is_closed());
    /// ```
    #[doc(hidden)]
    pub fn keep_open(&self) {
        // A sender count no handle will ever give back.
        add_handle(&self.chan.senders);
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // AcqRel: the last handle's close must see every other handle's
        // sends (they are also ordered by the channel lock).
        if self.chan.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.chan.close();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("capacity", &self.capacity())
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Future of [`Sender::send`]: resolves to `Ok(())` once the value is
/// delivered (buffered, or taken by a receiver), or `Err(SendError(value))`
/// if the channel is closed. See [`Sender::send`], "Cancel safety", and
/// [`SendFuture::cancel`].
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let (tx, rx) = goroutine::chan::bounded(1);
/// let send = tx.send(5);          // nothing happens until awaited
/// assert!(rx.try_recv().is_err());
/// send.await.unwrap();
/// assert_eq!(rx.try_recv(), Ok(5));
/// # });
/// ```
#[must_use = "futures do nothing unless awaited; the value is not sent"]
pub struct SendFuture<'a, T> {
    tx: &'a Sender<T>,
    /// The value, while this future holds it (it moves into the channel's
    /// waiter slot while parked).
    value: Option<T>,
    /// Our waiter slot, or `NIL`.
    key: u32,
}

// The value is never pinned: it moves in and out of the channel by value.
impl<T> Unpin for SendFuture<'_, T> {}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.tx.chan.poll_send(&mut this.key, &mut this.value, cx)
    }
}

impl<T> SendFuture<'_, T> {
    /// Cancels the send: returns the value if it was not delivered, `None`
    /// if it was (or if the future already completed). The future must not
    /// be polled afterwards.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::FutureExt;
    /// let (tx, rx) = goroutine::chan::bounded(0);
    /// let mut send = tx.send("job");
    /// assert!((&mut send).now_or_never().is_none()); // parked: no receiver
    /// assert_eq!(send.cancel(), Some("job"));         // undelivered, back to us
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn cancel(&mut self) -> Option<T> {
        match std::mem::replace(&mut self.key, NIL) {
            NIL => self.value.take(),
            key => self.tx.chan.cancel_send(key),
        }
    }
}

impl<T> Drop for SendFuture<'_, T> {
    fn drop(&mut self) {
        if self.key != NIL {
            drop(self.tx.chan.cancel_send(self.key));
        }
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("parked", &(self.key != NIL))
            .finish_non_exhaustive()
    }
}
