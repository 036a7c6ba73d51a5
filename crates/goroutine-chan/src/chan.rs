//! The channel core: Go's `hchan` in safe Rust.
//!
//! One [`Chan`] per channel, shared by every [`Sender`](crate::Sender) and
//! [`Receiver`](crate::Receiver) through one `Arc`. One mutex protects the
//! buffer, the closed flag and the two FIFO wait queues (see
//! [`waiters`](crate::waiters)); handle counts are atomics beside it. The
//! same protocol serves every capacity; the flavors only store values.
//!
//! # Invariants (under the lock)
//!
//! 1. A *live* waiter is a `*Waiting` slot whose select, if any, is not yet
//!    claimed. Apart from one select parked on both queues of the same
//!    channel (Go's exception too), at most one queue holds live waiters.
//! 2. Buffer non-empty ⇒ no live receiver waits; buffer below capacity ⇒ no
//!    live sender waits. (Waiters of claimed selects may linger in a queue
//!    until someone skips them; they are dead and never completed.)
//! 3. Closed ⇒ both queues are empty, and stay so: nothing parks on a
//!    closed channel.
//! 4. Only the owner of a key frees its slot.
//!
//! # Operations
//!
//! **Receive** (`recv_now`): (a) a buffered value is taken from the head, and
//! if that made room, the first live sender's value moves to the tail and
//! that sender completes (Go's `recv` on a full buffer); (b) else the first
//! live sender is *claimed* and its value is moved out of its slot, inside
//! the receiver's own poll; (c) else a closed channel yields `None`; (d) else
//! the receiver parks.
//!
//! **Send** (`send_now`): (a) a closed channel returns the value; (b) the
//! first live receiver is claimed and the value is put into its slot and the
//! receiver woken — Go's direct hand-off: the sender does not wait, and the
//! woken receiver, woken from the sender's worker, runs next there;
//! (c) else a buffer with room takes it; (d) else the sender parks with its
//! value in its slot.
//!
//! **Fast paths**: a plain operation (not a `select!` arm) with no
//! registration first tries the two commonest cases inline, under the same
//! lock: a receive that finds a buffered value while no sender waits (so
//! (a) without the refill), and a send into an open channel with room while
//! no receiver waits ((c) with nobody to hand to). Same outcome as the
//! general path, without its bookkeeping; shorter critical sections also
//! mean less waiting for the lock when several workers share a channel.
//!
//! **Close**: every waiter is completed as closed (a parked sender's value
//! stays in its slot for its owner to return) and woken after unlocking,
//! in one pass; buffered values stay receivable. Dropping the last receiver
//! also drops the buffered values, since no one can receive them.
//!
//! # Claims: why a select loses nothing
//!
//! A waiter parked by a `select!` arm carries the select's claim cell
//! ([`SelectCell`]). Before any value moves, the party completing that
//! waiter CASes the cell from `WAITING` to the waiter's arm; if the CAS
//! fails, another arm of that select already won, so the waiter is skipped
//! (unlinked, not completed). An operation that itself runs inside a select
//! must likewise claim its *own* cell before moving a value. When both sides
//! are selects, the active side claims its own cell first, then the parked
//! side's; if the second CAS fails it reverts its own claim (back to
//! `WAITING`) and re-polls its select, since a counterparty that saw the
//! short-lived claim may have skipped one of its waiters. Each cell is won
//! exactly once (a CAS from `WAITING`), every value move happens under the
//! lock of its channel right after the claim that licensed it, and no thread
//! ever holds two channel locks, so: one arm per select completes, and no
//! lock order exists to get wrong.
//!
//! # Cancel safety
//!
//! * A parked send keeps its value in its slot until a receiver claims it;
//!   cancelling the future unlinks the slot and returns the value, which was
//!   never delivered — unless a receiver took it after the future's last
//!   poll, in which case it was delivered exactly once (and
//!   `SendFuture::cancel` says so).
//! * A parked receive that was handed a value (`Received`) and is dropped
//!   before taking it **gives the value back**: the value goes to the next
//!   live receiver if one waits, else to the head of the buffer, so the next
//!   receive gets it first. It is delivered exactly once, never lost.
//! * The same give-back happens when a select arm was handed a value but a
//!   different select (one that moved this future in) cannot claim it.
//!
//! Values and wakers are never dropped, and wakers never woken, while the
//! lock is held: they are collected in [`Later`] and handled after
//! unlocking, because their code may touch this channel again.

use crate::error::{SendError, TryRecvError, TrySendError};
use crate::flavors::Buffer;
use crate::loom::atomic::AtomicU32;
use crate::loom::{lock, Mutex, MutexGuard};
use crate::select::{in_arm, OpCtx, Own, Plain};
use crate::waiters::{Notify, Side, SlotState, Waiters, NIL};
use goroutine_runtime::coop;
use goroutine_runtime::debug::{set_wait_reason, WaitReason};
use std::task::{ready, Context, Poll, Waker};

/// Capacity used for `unbounded()`.
pub(crate) const UNBOUNDED: usize = usize::MAX;

/// Counts one more handle in `count`.
///
/// # Panics
///
/// With more than 2^31 live handles of one side, which would take 16 GiB of
/// handles alone; the count could otherwise wrap and close a live channel.
pub(crate) fn add_handle(count: &AtomicU32) {
    // Relaxed: like `Arc::clone`, a new handle is made from a live one, so
    // the count cannot concurrently reach zero.
    let old = count.fetch_add(1, crate::loom::atomic::Ordering::Relaxed);
    assert!(old < 1 << 31, "too many handles to one channel");
}

/// One channel.
pub(crate) struct Chan<T> {
    /// Live `Sender` handles; the last one to go closes the channel.
    /// (`u32` keeps the channel small; see [`add_handle`].)
    pub(crate) senders: AtomicU32,
    /// Live `Receiver` handles; the last one to go closes the channel and
    /// drops what is buffered.
    pub(crate) receivers: AtomicU32,
    /// `0` unbuffered, `n` buffered, [`UNBOUNDED`].
    cap: usize,
    state: Mutex<State<T>>,
}

/// Everything the lock protects.
struct State<T> {
    buf: Buffer<T>,
    closed: bool,
    waiters: Waiters<T>,
}

/// Work left for after the unlock.
struct Later {
    /// The counterparty completed by this operation.
    wake: Option<Waker>,
    /// A released registration (its waker or select cell), or a replaced
    /// waker (as `Notify::Task`): dropped after unlocking.
    drop: Notify,
}

impl Later {
    #[inline]
    fn new() -> Later {
        Later {
            wake: None,
            drop: Notify::EMPTY,
        }
    }

    /// Keeps `notify` to be dropped after unlocking. One per operation.
    #[inline]
    fn drop_later(&mut self, notify: Notify) {
        debug_assert!(matches!(self.drop, Notify::Select(None)));
        self.drop = notify;
    }

    #[inline]
    fn run(self) {
        if let Some(w) = self.wake {
            w.wake();
        }
        // `drop` drops here, outside the lock.
    }
}

/// Ends an operation's poll: a completed one keeps its unit of coop budget,
/// a pending one records why its goroutine waits.
#[inline]
fn settle<R>(out: Poll<R>, progress: coop::Progress, reason: WaitReason) -> Poll<R> {
    match out {
        Poll::Ready(r) => {
            progress.made_progress();
            Poll::Ready(r)
        }
        Poll::Pending => {
            set_wait_reason(reason);
            Poll::Pending
        }
    }
}

/// Result of trying to receive without waiting.
enum RecvNow<T> {
    Got(T),
    Closed,
    WouldBlock,
    /// Our own select was won by another arm; nothing moved.
    Lost,
}

/// Result of trying to send without waiting.
enum SendNow<T> {
    Sent,
    Closed(T),
    WouldBlock(T),
    /// Our own select was won by another arm; the value is still ours.
    Lost(T),
}

/// Takes the waker out of a completed waiter (a select's is cloned from its
/// cell, which other arms still share).
#[inline]
fn waker_of(notify: &mut Notify) -> Option<Waker> {
    match notify {
        Notify::Select(Some(cell)) => Some(cell.waker()),
        _ => match std::mem::replace(notify, Notify::EMPTY) {
            Notify::Task(w) => Some(w),
            _ => None,
        },
    }
}

/// Wakes the waiters a close completed (receivers, then senders, each in
/// queue order) last first, as Go's `closechan` readies them off a stack.
/// Each wake takes the waker's LIFO slot (Go's `runnext`) and moves the one
/// there to the back of the queue, so the first waiter runs first and the
/// others newest first: three receivers parked in turn run 0, 2, 1, as in
/// Go at `GOMAXPROCS=1`.
fn wake_closed(wakers: Vec<Waker>) {
    for w in wakers.into_iter().rev() {
        w.wake();
    }
}

impl<T> SlotState<T> {
    /// The select arm of a waiting slot.
    fn arm(&self) -> u8 {
        match self {
            SlotState::SendWaiting { arm, .. } | SlotState::RecvWaiting { arm } => *arm,
            _ => 0,
        }
    }
}

impl<T> State<T> {
    /// Unlinks a waiter whose select was won elsewhere, without completing it.
    #[cold]
    fn skip(&mut self, side: Side, key: u32) {
        self.waiters.unlink(side, key);
        let slot = self.waiters.slot_mut(key);
        slot.state = match std::mem::replace(&mut slot.state, SlotState::Free) {
            SlotState::SendWaiting { value, .. } => SlotState::SendSkipped(value),
            SlotState::RecvWaiting { .. } => SlotState::RecvSkipped,
            other => other,
        };
    }

    /// Frees the registration `*key` (whose waker or select cell drops
    /// after the unlock), clears `*key`, and returns the slot's last state.
    #[inline]
    fn release_key(&mut self, key: &mut u32, later: &mut Later) -> SlotState<T> {
        let state = self.release_slot(*key, later);
        *key = NIL;
        state
    }

    /// Frees slot `key`; its waker or select cell drops after the unlock.
    #[inline]
    fn release_slot(&mut self, key: u32, later: &mut Later) -> SlotState<T> {
        let (notify, state) = self.waiters.release(key);
        later.drop_later(notify);
        state
    }

    /// Claims the first live waiter of `side` (see "Claims" in the module
    /// docs) and unlinks it. `Ok(NIL)`: nobody to pair with. `Err(())`: our
    /// own select was won by another arm first.
    #[inline]
    fn claim_partner<C: OpCtx>(&mut self, side: Side, own: &mut C) -> Result<u32, ()> {
        // Nobody waits on `side`: the common case of a buffered channel,
        // decided inline.
        if self.waiters.front(side) == NIL {
            return Ok(NIL);
        }
        self.claim_waiting_partner(side, own)
    }

    /// [`claim_partner`](Self::claim_partner) when `side` has waiters.
    fn claim_waiting_partner<C: OpCtx>(&mut self, side: Side, own: &mut C) -> Result<u32, ()> {
        /// What to do with the waiter looked at.
        enum Pair {
            /// Our own select's other arm on this channel: never pair.
            Pass,
            /// Its select was won elsewhere (or just now, by a racer).
            Skip,
            /// Claimed on both sides: complete it.
            Take,
        }
        let mut key = self.waiters.front(side);
        while key != NIL {
            let slot = self.waiters.slot(key);
            let next = slot.next();
            // Decided while the slot is borrowed: no clone of its cell.
            let pair = match &slot.notify {
                Notify::Select(Some(c)) if own.is_own_cell(c) => Pair::Pass,
                Notify::Select(Some(c)) if c.is_claimed() => Pair::Skip,
                Notify::Select(Some(c)) => {
                    if !own.claim() {
                        return Err(());
                    }
                    if c.try_claim(slot.state.arm()) {
                        Pair::Take
                    } else {
                        // Lost the race for the parked select: undo ours.
                        own.revert();
                        Pair::Skip
                    }
                }
                _ => {
                    if !own.claim() {
                        return Err(());
                    }
                    Pair::Take
                }
            };
            match pair {
                Pair::Pass => {}
                Pair::Skip => self.skip(side, key),
                Pair::Take => {
                    self.waiters.unlink(side, key);
                    return Ok(key);
                }
            }
            key = next;
        }
        Ok(NIL)
    }

    /// Moves the value out of a claimed, unlinked sender's slot, completing
    /// it, and schedules its wake-up.
    #[inline]
    fn take_from_sender(&mut self, key: u32, later: &mut Later) -> T {
        let slot = self.waiters.slot_mut(key);
        let value = match std::mem::replace(&mut slot.state, SlotState::Sent) {
            SlotState::SendWaiting { value, .. } => value,
            _ => unreachable!("claimed sender was not waiting"),
        };
        later.wake = waker_of(&mut slot.notify);
        value
    }

    /// The common receive on a buffered channel: a value is buffered and
    /// no sender waits (so no refill). `None`: take the general path.
    #[inline(always)]
    fn pop_quietly(&mut self) -> Option<T> {
        if self.waiters.front(Side::Send) != NIL {
            return None;
        }
        self.buf.pop_front()
    }

    /// The common send on a buffered channel: open, no receiver waits, and
    /// there is room. `Err`: take the general path.
    #[inline(always)]
    fn push_quietly(&mut self, value: T, cap: usize) -> Result<(), T> {
        if self.closed || self.waiters.front(Side::Recv) != NIL || self.buf.len() >= cap {
            return Err(value);
        }
        self.buf.push_back(value, cap);
        Ok(())
    }

    #[inline]
    fn recv_now<C: OpCtx>(&mut self, cap: usize, own: &mut C, later: &mut Later) -> RecvNow<T> {
        if !self.buf.is_empty() {
            if !own.claim() {
                return RecvNow::Lost;
            }
            let value = self.buf.pop_front().expect("buffer is not empty");
            if self.buf.len() < cap {
                self.refill(cap, later);
            }
            return RecvNow::Got(value);
        }
        match self.claim_partner(Side::Send, own) {
            Err(()) => RecvNow::Lost,
            Ok(NIL) if self.closed => {
                if own.claim() {
                    RecvNow::Closed
                } else {
                    RecvNow::Lost
                }
            }
            Ok(NIL) => RecvNow::WouldBlock,
            Ok(key) => RecvNow::Got(self.take_from_sender(key, later)),
        }
    }

    /// After a receive made room: moves the first live sender's value to the
    /// tail of the buffer and completes that sender.
    #[inline]
    fn refill(&mut self, cap: usize, later: &mut Later) {
        if self.waiters.front(Side::Send) == NIL {
            return;
        }
        if let Ok(key) = self.claim_partner(Side::Send, &mut Plain) {
            if key != NIL {
                let value = self.take_from_sender(key, later);
                self.buf.push_back(value, cap);
            }
        }
    }

    #[inline]
    fn send_now<C: OpCtx>(
        &mut self,
        value: T,
        cap: usize,
        own: &mut C,
        later: &mut Later,
    ) -> SendNow<T> {
        if self.closed {
            return if own.claim() {
                SendNow::Closed(value)
            } else {
                SendNow::Lost(value)
            };
        }
        match self.claim_partner(Side::Recv, own) {
            Err(()) => SendNow::Lost(value),
            Ok(NIL) if self.buf.len() < cap => {
                if !own.claim() {
                    return SendNow::Lost(value);
                }
                self.buf.push_back(value, cap);
                SendNow::Sent
            }
            Ok(NIL) => SendNow::WouldBlock(value),
            Ok(key) => {
                self.hand_off(key, value, later);
                SendNow::Sent
            }
        }
    }

    /// Puts `value` into a claimed, unlinked receiver's slot and schedules
    /// its wake-up.
    #[inline]
    fn hand_off(&mut self, key: u32, value: T, later: &mut Later) {
        let slot = self.waiters.slot_mut(key);
        slot.state = SlotState::Received(value);
        later.wake = waker_of(&mut slot.notify);
    }

    /// The cancel-safety rule: a value handed to a receiver that will not
    /// take it goes to the next live receiver, else to the buffer's head.
    fn give_back(&mut self, value: T, cap: usize, later: &mut Later) {
        match self.claim_partner(Side::Recv, &mut Plain) {
            Ok(key) if key != NIL => self.hand_off(key, value, later),
            _ => self.buf.push_front(value, cap),
        }
    }

    /// Marks the channel closed and completes every waiter. Returns the
    /// wakers to wake after unlocking, or `None` if it was already closed.
    fn close(&mut self) -> Option<Vec<Waker>> {
        if self.closed {
            return None;
        }
        self.closed = true;
        let mut wakers = Vec::new();
        self.waiters.drain(Side::Recv, |slot| {
            let won = match &slot.notify {
                Notify::Select(Some(c)) => c.try_claim(slot.state.arm()),
                _ => true,
            };
            slot.state = if won {
                SlotState::RecvClosed
            } else {
                SlotState::RecvSkipped
            };
            if won {
                wakers.extend(waker_of(&mut slot.notify));
            }
        });
        self.waiters.drain(Side::Send, |slot| {
            let won = match &slot.notify {
                Notify::Select(Some(c)) => c.try_claim(slot.state.arm()),
                _ => true,
            };
            slot.state = match std::mem::replace(&mut slot.state, SlotState::Free) {
                SlotState::SendWaiting { value, .. } if won => SlotState::SendClosed(value),
                SlotState::SendWaiting { value, .. } => SlotState::SendSkipped(value),
                other => other,
            };
            if won {
                wakers.extend(waker_of(&mut slot.notify));
            }
        });
        Some(wakers)
    }

    /// Does this registration still stand for the operation as it is polled
    /// now (same select, or plain and plain)?
    #[inline]
    fn waiting_slot_is_current<C: OpCtx>(
        &mut self,
        key: u32,
        own: &C,
        cx: &Context<'_>,
        later: &mut Later,
    ) -> bool {
        let slot = self.waiters.slot_mut(key);
        if !own.same_registration(&slot.notify) {
            return false;
        }
        if let Notify::Task(w) = &mut slot.notify {
            if !w.will_wake(cx.waker()) {
                later.drop_later(Notify::Task(std::mem::replace(w, cx.waker().clone())));
            }
        }
        true
    }

    /// One poll of a receive whose registration (if any) is `key`.
    #[inline]
    fn recv_step<C: OpCtx>(
        &mut self,
        cap: usize,
        key: &mut u32,
        own: &mut C,
        cx: &Context<'_>,
        later: &mut Later,
    ) -> Poll<Option<T>> {
        if *key != NIL {
            match &self.waiters.slot(*key).state {
                SlotState::RecvWaiting { .. } => {
                    if self.waiting_slot_is_current(*key, own, cx, later) {
                        return Poll::Pending;
                    }
                    // Registered outside this select (or under an abandoned
                    // claim cell): start over under the current one.
                    self.waiters.unlink(Side::Recv, *key);
                }
                SlotState::RecvSkipped => {}
                SlotState::Received(_) | SlotState::RecvClosed => {
                    let won = own.claim();
                    let state = self.release_key(key, later);
                    return match state {
                        SlotState::Received(v) if won => Poll::Ready(Some(v)),
                        SlotState::Received(v) => {
                            self.give_back(v, cap, later);
                            Poll::Pending
                        }
                        _ if won => Poll::Ready(None),
                        _ => Poll::Pending,
                    };
                }
                _ => unreachable!("receive registration in a sender state"),
            }
            self.release_key(key, later);
        }
        match self.recv_now(cap, own, later) {
            RecvNow::Got(v) => Poll::Ready(Some(v)),
            RecvNow::Closed => Poll::Ready(None),
            RecvNow::Lost => Poll::Pending,
            RecvNow::WouldBlock => {
                if let Some((notify, arm)) = own.park(cx) {
                    *key = self
                        .waiters
                        .push(Side::Recv, notify, SlotState::RecvWaiting { arm });
                }
                Poll::Pending
            }
        }
    }

    /// One poll of a send whose registration (if any) is `key`; `value` is
    /// the value while the future holds it (it moves into the slot while
    /// parked).
    #[inline]
    fn send_step<C: OpCtx>(
        &mut self,
        cap: usize,
        key: &mut u32,
        value: &mut Option<T>,
        own: &mut C,
        cx: &Context<'_>,
        later: &mut Later,
    ) -> Poll<Result<(), SendError<T>>> {
        if *key != NIL {
            match &self.waiters.slot(*key).state {
                SlotState::SendWaiting { .. } => {
                    if self.waiting_slot_is_current(*key, own, cx, later) {
                        return Poll::Pending;
                    }
                    self.waiters.unlink(Side::Send, *key);
                }
                SlotState::SendSkipped(_) => {}
                SlotState::Sent => {
                    // Delivered under our registration's claim. (Only a send
                    // future first polled outside the select that polls it
                    // now could fail this claim; delivery cannot be undone.)
                    let _ = own.claim();
                    self.release_key(key, later);
                    return Poll::Ready(Ok(()));
                }
                SlotState::SendClosed(_) => {
                    let won = own.claim();
                    let state = self.release_key(key, later);
                    let SlotState::SendClosed(v) = state else {
                        unreachable!()
                    };
                    if won {
                        return Poll::Ready(Err(SendError(v)));
                    }
                    *value = Some(v);
                    return Poll::Pending;
                }
                _ => unreachable!("send registration in a receiver state"),
            }
            let state = self.release_key(key, later);
            match state {
                SlotState::SendWaiting { value: v, .. } | SlotState::SendSkipped(v) => {
                    *value = Some(v)
                }
                _ => unreachable!(),
            }
        }
        let v = value
            .take()
            .expect("`send` future polled after it completed");
        match self.send_now(v, cap, own, later) {
            SendNow::Sent => Poll::Ready(Ok(())),
            SendNow::Closed(v) => Poll::Ready(Err(SendError(v))),
            SendNow::Lost(v) => {
                *value = Some(v);
                Poll::Pending
            }
            SendNow::WouldBlock(v) => {
                match own.park(cx) {
                    Some((notify, arm)) => {
                        *key = self.waiters.push(
                            Side::Send,
                            notify,
                            SlotState::SendWaiting { value: v, arm },
                        );
                    }
                    None => *value = Some(v),
                }
                Poll::Pending
            }
        }
    }
}

impl<T> Chan<T> {
    pub(crate) fn new(cap: usize) -> Chan<T> {
        let buf = Buffer::new();
        Chan {
            senders: AtomicU32::new(1),
            receivers: AtomicU32::new(1),
            cap,
            state: Mutex::new(State {
                buf,
                closed: false,
                waiters: Waiters::new(),
            }),
        }
    }

    #[inline]
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        lock(&self.state)
    }

    /// Polls a receive whose registration (if any) is `key`.
    pub(crate) fn poll_recv(&self, key: &mut u32, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let progress = ready!(coop::poll_proceed(cx));
        let mut later = Later::new();
        let out = if in_arm() {
            self.poll_recv_in_arm(key, cx, &mut later)
        } else {
            let mut st = self.lock();
            if *key == NIL {
                if let Some(v) = st.pop_quietly() {
                    drop(st);
                    progress.made_progress();
                    return Poll::Ready(Some(v));
                }
            }
            st.recv_step(self.cap, key, &mut Plain, cx, &mut later)
        };
        later.run();
        settle(out, progress, WaitReason::ChanRecv)
    }

    /// [`poll_recv`](Self::poll_recv) inside a `select!` arm.
    #[inline(never)]
    fn poll_recv_in_arm(
        &self,
        key: &mut u32,
        cx: &Context<'_>,
        later: &mut Later,
    ) -> Poll<Option<T>> {
        Own::with(cx, |own| {
            self.lock().recv_step(self.cap, key, own, cx, later)
        })
    }

    /// Polls a send; `value` is the value while the future holds it (it
    /// moves into the slot while parked).
    pub(crate) fn poll_send(
        &self,
        key: &mut u32,
        value: &mut Option<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        let progress = ready!(coop::poll_proceed(cx));
        let mut later = Later::new();
        let out = if in_arm() {
            self.poll_send_in_arm(key, value, cx, &mut later)
        } else {
            let mut st = self.lock();
            if *key == NIL {
                if let Some(v) = value.take() {
                    match st.push_quietly(v, self.cap) {
                        Ok(()) => {
                            drop(st);
                            progress.made_progress();
                            return Poll::Ready(Ok(()));
                        }
                        Err(v) => *value = Some(v),
                    }
                }
            }
            st.send_step(self.cap, key, value, &mut Plain, cx, &mut later)
        };
        later.run();
        settle(out, progress, WaitReason::ChanSend)
    }

    /// [`poll_send`](Self::poll_send) inside a `select!` arm.
    #[inline(never)]
    fn poll_send_in_arm(
        &self,
        key: &mut u32,
        value: &mut Option<T>,
        cx: &Context<'_>,
        later: &mut Later,
    ) -> Poll<Result<(), SendError<T>>> {
        Own::with(cx, |own| {
            self.lock().send_step(self.cap, key, value, own, cx, later)
        })
    }

    /// Drop of a receive future (or receiver stream) registered as `key`.
    pub(crate) fn cancel_recv(&self, key: u32) {
        let mut later = Later::new();
        {
            let mut st = self.lock();
            if let SlotState::RecvWaiting { .. } = st.waiters.slot(key).state {
                st.waiters.unlink(Side::Recv, key);
            }
            let state = st.release_slot(key, &mut later);
            if let SlotState::Received(v) = state {
                st.give_back(v, self.cap, &mut later);
            }
        }
        later.run();
    }

    /// For a `Stream` registration that may be stale (see
    /// `Receiver::settle_stream`): if a sender handed it a value, cancels it
    /// and gives the value back to the head of the channel, returning true;
    /// a registration still waiting stays (it may be live).
    pub(crate) fn reclaim_handed(&self, key: u32) -> bool {
        let mut later = Later::new();
        let reclaimed = {
            let mut st = self.lock();
            if let SlotState::Received(_) = st.waiters.slot(key).state {
                if let SlotState::Received(v) = st.release_slot(key, &mut later) {
                    st.give_back(v, self.cap, &mut later);
                }
                true
            } else {
                false
            }
        };
        later.run();
        reclaimed
    }

    /// Cancels a send future registered as `key`: returns its value if it
    /// was not delivered, `None` if a receiver already took it.
    pub(crate) fn cancel_send(&self, key: u32) -> Option<T> {
        let mut later = Later::new();
        let value = {
            let mut st = self.lock();
            if let SlotState::SendWaiting { .. } = st.waiters.slot(key).state {
                st.waiters.unlink(Side::Send, key);
            }
            let state = st.release_slot(key, &mut later);
            match state {
                SlotState::SendWaiting { value, .. }
                | SlotState::SendClosed(value)
                | SlotState::SendSkipped(value) => Some(value),
                _ => None,
            }
        };
        later.run();
        value
    }

    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut st = self.lock();
        if let Some(v) = st.pop_quietly() {
            return Ok(v);
        }
        let mut later = Later::new();
        let out = st.recv_now(self.cap, &mut Plain, &mut later);
        drop(st);
        later.run();
        match out {
            RecvNow::Got(v) => Ok(v),
            RecvNow::Closed => Err(TryRecvError::Closed),
            RecvNow::WouldBlock | RecvNow::Lost => Err(TryRecvError::Empty),
        }
    }

    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let mut st = self.lock();
        let value = match st.push_quietly(value, self.cap) {
            Ok(()) => return Ok(()),
            Err(v) => v,
        };
        let mut later = Later::new();
        let out = st.send_now(value, self.cap, &mut Plain, &mut later);
        drop(st);
        later.run();
        match out {
            SendNow::Sent => Ok(()),
            SendNow::Closed(v) => Err(TrySendError::Closed(v)),
            SendNow::WouldBlock(v) | SendNow::Lost(v) => Err(TrySendError::Full(v)),
        }
    }

    /// Closes the channel; true if this call closed it.
    pub(crate) fn close(&self) -> bool {
        let wakers = self.lock().close();
        match wakers {
            Some(wakers) => {
                wake_closed(wakers);
                true
            }
            None => false,
        }
    }

    /// The last receiver is gone: close, and drop what nobody can receive.
    pub(crate) fn close_and_drain(&self) {
        let (wakers, drained) = {
            let mut st = self.lock();
            let wakers = st.close();
            (wakers, st.buf.take_all())
        };
        wake_closed(wakers.unwrap_or_default());
        drop(drained);
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Buffered values (always 0 when unbuffered, as in Go).
    pub(crate) fn len(&self) -> usize {
        if self.cap == 0 {
            return 0;
        }
        self.lock().buf.len()
    }

    pub(crate) fn capacity(&self) -> Option<usize> {
        (self.cap != UNBOUNDED).then_some(self.cap)
    }

    pub(crate) fn is_full(&self) -> bool {
        match self.cap {
            0 => true,
            UNBOUNDED => false,
            cap => self.lock().buf.len() >= cap,
        }
    }
}
