//! The receiving half: `<-ch`.

use crate::blocking;
use crate::chan::Chan;
use crate::error::TryRecvError;
use crate::loom::atomic::Ordering;
use crate::loom::Arc;
use crate::waiters::NIL;
use futures_core::Stream;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The receiving side of a channel: Go's `<-ch`.
///
/// Clone it to receive from many goroutines; each value goes to exactly one
/// receiver. It is a [`Stream`], which is how Go's `for v := range ch` is
/// spelled with `StreamExt`; `while let Some(v) = rx.recv().await` needs no
/// extra crate. When the last `Receiver` is dropped the channel closes and
/// every send fails, handing its value back.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let (tx, rx) = goroutine::chan::bounded(10);
/// goroutine::go!(async move {
///     for i in 1..=3 {
///         tx.send(i).await.unwrap();
///     }
///     // tx dropped here: the channel closes
/// });
/// let mut sum = 0;
/// while let Some(v) = rx.recv().await {   // for v := range ch
///     sum += v;
/// }
/// assert_eq!(sum, 6);
/// # });
/// ```
pub struct Receiver<T> {
    pub(crate) chan: Arc<Chan<T>>,
    /// Waiter slot of the `Stream` implementation, or `NIL`. Written by
    /// `poll_next` (through `&mut self`); taken back by the `&self`
    /// methods, which can only run once the `Next` future that registered
    /// it is gone (see `Receiver::settle_stream`). A std atomic, not
    /// loom's: it is never shared between threads while in use.
    stream_key: std::sync::atomic::AtomicU32,
}

impl<T> Receiver<T> {
    pub(crate) fn new(chan: Arc<Chan<T>>) -> Receiver<T> {
        Receiver {
            chan,
            stream_key: std::sync::atomic::AtomicU32::new(NIL),
        }
    }

    /// A `Stream` registration left by a dropped `Next` future (a timeout
    /// or a losing branch around `rx.next()`) still counts as a waiting
    /// receiver, and a sender may have handed it a value, which nothing
    /// would then receive until the next `poll_next`. So the receiving
    /// `&self` methods first take such a value back to the head of the
    /// channel, where this receive (or the next waiting receiver) gets it.
    /// A registration that was handed nothing stays: it may be live (code
    /// that calls `poll_next` itself can use `&self` methods between
    /// polls), and a stale one only waits for the next value it is handed.
    #[inline]
    fn settle_stream(&self) {
        // Relaxed: written by this receiver's own `poll_next`, which
        // happens-before any later `&self` call on it.
        if self.stream_key.load(std::sync::atomic::Ordering::Relaxed) != NIL {
            self.reclaim_stream_value();
        }
    }

    #[cold]
    fn reclaim_stream_value(&self) {
        // Take the key first, so that a concurrent `&self` caller cannot
        // use it after its slot is freed (and perhaps reused by another
        // receive); only `poll_next` and drop, which need `&mut self`,
        // store keys otherwise, so putting it back cannot overwrite one.
        // Relaxed: the swap's atomicity is all this needs.
        let key = self
            .stream_key
            .swap(NIL, std::sync::atomic::Ordering::Relaxed);
        if key != NIL && !self.chan.reclaim_handed(key) {
            // Relaxed: the key is only an index; the slot it names is read
            // and changed under the channel lock, which orders the rest.
            self.stream_key
                .store(key, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Receives a value, waiting until one is sent. `None` only when the
    /// channel is closed and every buffered value has been received.
    ///
    /// Completing uses one unit of the goroutine's
    /// [coop budget](goroutine_runtime::coop).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses no value. If a sender already
    /// handed its value to this receive when the future is dropped, the
    /// value goes to the next waiting receiver, or else waits at the head of
    /// the channel for the next receive.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let (tx, rx) = goroutine::chan::bounded(1);
    /// tx.send(7).await.unwrap();
    /// assert_eq!(rx.recv().await, Some(7));   // v, ok := <-ch  (ok == true)
    /// drop(tx);
    /// assert_eq!(rx.recv().await, None);      // ok == false
    /// # });
    /// ```
    ///
    /// # Go
    ///
    /// `v, ok := <-ch`: `Some(v)` is `ok == true`.
    pub fn recv(&self) -> RecvFuture<'_, T> {
        self.settle_stream();
        RecvFuture { rx: self, key: NIL }
    }

    /// Receives without waiting: `Empty` when nothing is buffered and no
    /// sender waits, `Closed` when the channel is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::chan::{self, TryRecvError};
    /// let (tx, rx) = chan::bounded(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(3).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    ///
    /// # Go
    ///
    /// `select { case v := <-ch: ...; default: ... }`.
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.settle_stream();
        self.chan.try_recv()
    }

    /// Receives on a plain thread, blocking it until a value arrives or the
    /// channel is closed and drained.
    ///
    /// Do not call it from a goroutine: it blocks the worker thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = goroutine::chan::unbounded();
    /// std::thread::spawn(move || tx.send_blocking("hi").unwrap());
    /// assert_eq!(rx.recv_blocking(), Some("hi"));
    /// assert_eq!(rx.recv_blocking(), None);
    /// ```
    pub fn recv_blocking(&self) -> Option<T> {
        blocking::block_on(self.recv())
    }

    /// Closes the channel for everyone; `true` if this call closed it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = goroutine::chan::bounded(1);
    /// assert!(rx.close());
    /// assert!(tx.try_send(1).unwrap_err().is_closed());
    /// ```
    pub fn close(&self) -> bool {
        self.chan.close()
    }

    /// Whether the channel is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = goroutine::chan::bounded::<()>(0);
    /// drop(tx);
    /// assert!(rx.is_closed());
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
    /// let (tx, rx) = goroutine::chan::unbounded();
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.settle_stream();
        self.chan.len()
    }

    /// Whether no value is buffered.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = goroutine::chan::bounded::<i32>(3);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the buffer is full (always true when unbuffered).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = goroutine::chan::bounded(1);
    /// tx.try_send(0).unwrap();
    /// assert!(rx.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.settle_stream();
        self.chan.is_full()
    }

    /// The capacity: `Some(0)` unbuffered, `Some(n)` buffered, `None`
    /// unbounded.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(goroutine::chan::bounded::<()>(0).1.capacity(), Some(0));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.chan.capacity()
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        crate::chan::add_handle(&self.chan.receivers);
        Receiver::new(self.chan.clone())
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let key = *self.stream_key.get_mut();
        if key != NIL {
            // Before the count drops, so a value handed to the stream goes
            // back while receivers still exist.
            self.chan.cancel_recv(key);
        }
        // AcqRel: see `Sender::drop`.
        if self.chan.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.chan.close_and_drain();
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("capacity", &self.capacity())
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// `for v := range ch`: yields values until the channel is closed and
/// drained.
///
/// A pending `poll_next` registers this receiver as waiting, and the
/// registration lives in the receiver, not in the `Next` future: when that
/// future is dropped (a `timeout` around `rx.next()`, a losing branch of
/// `futures::select!`), nothing tells the channel. So until this receiver
/// is used again, a sender may still hand it a value (an unbuffered `send`
/// then completes, where Go's would wait for a receiver). No value is lost:
/// the next `poll_next` returns it, and any other use of this receiver
/// (`recv`, `try_recv`, `len`, ...) or its drop first puts it back at the
/// head of the channel. Where a receive may be abandoned, prefer
/// [`Receiver::recv`], whose future unregisters when dropped.
impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        this.chan.poll_recv(this.stream_key.get_mut(), cx)
    }
}

/// Future of [`Receiver::recv`]: resolves to `Some(value)`, or `None` once
/// the channel is closed and drained. Dropping it loses nothing (see
/// [`Receiver::recv`], "Cancel safety").
///
/// # Examples
///
/// ```
/// use futures::FutureExt;
/// let (tx, rx) = goroutine::chan::bounded(0);
/// let mut recv = rx.recv();
/// assert!((&mut recv).now_or_never().is_none()); // parked: nothing sent yet
/// tx.try_send(1).unwrap();                        // handed straight to it
/// drop(recv);                                     // ...and given back
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RecvFuture<'a, T> {
    rx: &'a Receiver<T>,
    /// Our waiter slot, or `NIL`.
    key: u32,
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        this.rx.chan.poll_recv(&mut this.key, cx)
    }
}

impl<T> Drop for RecvFuture<'_, T> {
    fn drop(&mut self) {
        if self.key != NIL {
            self.rx.chan.cancel_recv(self.key);
        }
    }
}

impl<T> fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture")
            .field("parked", &(self.key != NIL))
            .finish_non_exhaustive()
    }
}
