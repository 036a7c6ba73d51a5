//! Go's channels for async Rust: unbuffered rendezvous, buffered, unbounded,
//! close, and a [`select!`] that can send.
//!
//! ```
//! # goroutine::block_on(async {
//! let (tx, rx) = goroutine::chan::bounded(0); // make(chan i32)
//! goroutine::go!(async move { tx.send(42).await.unwrap() });
//! assert_eq!(rx.recv().await, Some(42));      // v, ok := <-ch
//! # });
//! ```
//!
//! A channel is a pair of handles, [`Sender`] and [`Receiver`], both
//! `Clone + Send + Sync`: many goroutines may send and many may receive, as
//! in Go. [`bounded(0)`](bounded) is Go's unbuffered channel: a send waits
//! until a receiver has taken the value. [`bounded(n)`](bounded) buffers `n`
//! values; [`unbounded`] never makes a sender wait. Waiting senders and
//! receivers are served first come, first served.
//!
//! # Go → Rust
//!
//! | Go | here | difference |
//! |---|---|---|
//! | `make(chan T)` | `chan::bounded::<T>(0)` | |
//! | `make(chan T, n)` | `chan::bounded::<T>(n)` | also [`unbounded()`](unbounded) |
//! | `ch <- v` | `tx.send(v).await` | closed: `Err(SendError(v))`; Go panics |
//! | `v := <-ch` | `rx.recv().await.unwrap()` | |
//! | `v, ok := <-ch` | `rx.recv().await` | `None` is `ok == false`: closed and drained |
//! | `for v := range ch` | `while let Some(v) = rx.recv().await` | `Receiver` is also a `Stream` |
//! | `close(ch)` | `tx.close()`, or drop every `Sender` | a second close returns `false`; Go panics |
//! | `select { ... }` | [`select!`] | random among ready arms; `biased;` for written order |
//! | `select` with `default:` | `default => ..` arm | |
//! | nil channel in `select` | arm guard `, if cond` | |
//! | `select {}` | `select! {}` | |
//! | `len(ch)`, `cap(ch)` | `rx.len()`, `rx.capacity()` | `capacity()` is `None` when unbounded |
//! | non-blocking send/receive | `try_send`, `try_recv` | |
//! | `ch1 == ch2`, `map[chan T]V` | `==`, `Hash` on `Sender`/`Receiver` | identity of the channel; a `Sender` equals its `Receiver` |
//! | (no Go equivalent) | `send_blocking`, `recv_blocking` | for plain threads |
//!
//! Beyond Go: dropping the last `Receiver` closes the channel too, so senders
//! fail (with their value) instead of blocking forever; and because dropping
//! the last `Sender` closes it, a `select!` loop over a channel whose
//! producers are gone sees `None`: keep a sender alive, or disable the arm
//! with a guard, where Go would block forever.
//!
//! # Cancellation
//!
//! Futures can be dropped half-way (a lost `select!` arm, a timeout, an
//! aborted goroutine); goroutines cannot. Every operation here is safe to
//! drop: a value is either delivered exactly once or still owned by the
//! sender. A dropped `recv` loses nothing: if a sender had already handed it
//! a value, the value goes to the next receiver. A dropped `send` delivered
//! nothing unless a receiver took the value after the future's last poll;
//! [`SendFuture::cancel`] tells which and hands an undelivered value back.
//! In a `select!`, exactly one arm's operation happens.
//!
//! # Cost
//!
//! Each completed operation spends one unit of the goroutine's
//! [coop budget](goroutine_runtime::coop), so a goroutine that always finds
//! its channel ready still lets others run. A channel is one allocation with
//! one lock; the first parked operation needs no more memory, and nothing is
//! allocated per message or per blocked operation in steady state.
//!
//! These are plain futures: they also work under another executor, or with
//! `futures::executor::block_on`, just without the budget.
//!
//! # Design
//!
//! The protocol, its invariants and the argument for why a `select!` never
//! loses or duplicates a value are in the source: `chan.rs` (the channel,
//! after Go's `hchan`), `waiters.rs` (wait queues), `select.rs` (claims, after
//! Go's `selectDone` and crossbeam's select token), `select_macro.rs`.
#![forbid(unsafe_code)]

mod blocking;
mod chan;
mod error;
mod flavors;
mod identity;
mod loom;
mod receiver;
mod select;
mod select_macro;
mod sender;
mod waiters;

pub use error::{SendError, TryRecvError, TrySendError};
pub use receiver::{Receiver, RecvFuture};
pub use sender::{SendFuture, Sender};

use crate::loom::Arc;

/// Creates a channel that buffers up to `cap` values; `bounded(0)` is
/// unbuffered: Go's `make(chan T, cap)` and `make(chan T)`.
///
/// On an unbuffered channel a send completes only when a receiver takes the
/// value; a receiver that is already waiting gets it handed over directly.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let (tx, rx) = goroutine::chan::bounded(2);   // make(chan &str, 2)
/// tx.send("a").await.unwrap();
/// tx.send("b").await.unwrap();                  // room for two: no wait
/// assert!(tx.is_full());
/// assert_eq!(rx.recv().await, Some("a"));
/// # });
/// ```
pub fn bounded<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    // `usize::MAX` stands for "unbounded" inside; one less is as good a bound.
    new(cap.min(chan::UNBOUNDED - 1))
}

/// Creates a channel whose senders never wait: values queue up until
/// received.
///
/// # Examples
///
/// ```
/// let (tx, rx) = goroutine::chan::unbounded();
/// for i in 0..1000 {
///     tx.try_send(i).unwrap(); // never Full
/// }
/// assert_eq!(rx.len(), 1000);
/// assert_eq!(rx.capacity(), None);
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    new(chan::UNBOUNDED)
}

fn new<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(chan::Chan::new(cap));
    (Sender { chan: chan.clone() }, Receiver::new(chan))
}

#[doc(hidden)]
pub mod __private {
    pub use crate::select::{ArmPoll, Select};

    /// Go's `select {}`: never completes.
    pub async fn forever() -> std::convert::Infallible {
        std::future::poll_fn(|_| {
            goroutine_runtime::debug::set_wait_reason(
                goroutine_runtime::debug::WaitReason::SelectNoCases,
            );
            std::task::Poll::Pending
        })
        .await
    }
}

#[cfg(test)]
mod tests;
