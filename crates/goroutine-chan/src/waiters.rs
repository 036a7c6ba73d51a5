//! Parked senders and receivers: a slab of waiter slots inside the channel
//! state, threaded by two intrusive FIFO queues (Go's `sendq` and `recvq`).
//!
//! A parked operation is a slot here, found by its index (its *key*), which
//! the operation's future holds. The counterparty reaches the slot through
//! the queue, under the channel lock, and completes it in place: it takes a
//! parked sender's value out, or puts a value into a parked receiver's slot,
//! and moves the slot to a done state. Only the future that owns a key ever
//! frees its slot (on its next poll or in its `Drop`), so a key can never
//! name a slot that was reused behind its owner's back.
//!
//! Slot states (`SlotState`), and who moves between them:
//!
//! ```text
//!             counterparty completes            owner frees
//! SendWaiting ---------------------> Sent      ---------------> Free
//!             --close--------------> SendClosed(v)
//!             --its select lost----> SendSkipped(v)
//! RecvWaiting ---------------------> Received(v)
//!             --close--------------> RecvClosed
//!             --its select lost----> RecvSkipped
//! ```
//!
//! A `*Waiting` slot is linked in exactly one queue; every other state is
//! unlinked. The owner may also unlink its own waiting slot (cancellation,
//! or re-registration under another select).
//!
//! The first slot lives inline in the channel, so the common case of one
//! parked goroutine allocates nothing; more slots go to a vector that is
//! dropped again once it has no live slot.

use crate::loom::Arc;
use crate::select::SelectCell;
use std::task::Waker;

/// No slot: the end of a queue or of the free list, or "not registered".
pub(crate) const NIL: u32 = u32::MAX;

/// How to wake a parked operation's goroutine.
pub(crate) enum Notify {
    /// A plain `send`/`recv`: wake this waker.
    Task(Waker),
    /// `Some`: an arm of a `select!`: claim the select's cell first (only
    /// one arm of a select may complete), then wake the waker kept in the
    /// cell. `None` ([`Notify::EMPTY`]): nobody, a free slot or a completed
    /// one whose waker was taken out to be woken. (Cheaper than a no-op
    /// waker, whose clone and drop are calls through its vtable; and folded
    /// into this variant so that `Notify` stays two words, which a separate
    /// third variant would not.)
    Select(Option<Arc<SelectCell>>),
}

impl Notify {
    /// Nobody to wake.
    pub(crate) const EMPTY: Notify = Notify::Select(None);
}

/// What a slot holds; see the module docs for the transitions.
pub(crate) enum SlotState<T> {
    /// On the free list.
    Free,
    /// A parked sender and its value; `arm` is its select arm (0 if plain).
    SendWaiting { value: T, arm: u8 },
    /// A parked receiver.
    RecvWaiting { arm: u8 },
    /// A receiver took the parked sender's value.
    Sent,
    /// A sender handed this receiver a value.
    Received(T),
    /// The channel closed while the sender waited: the value goes back.
    SendClosed(T),
    /// The channel closed while the receiver waited.
    RecvClosed,
    /// Unlinked because the sender's select was won by another arm.
    SendSkipped(T),
    /// Unlinked because the receiver's select was won by another arm.
    RecvSkipped,
}

/// One waiter.
pub(crate) struct Slot<T> {
    pub(crate) notify: Notify,
    pub(crate) state: SlotState<T>,
    /// Next slot in this slot's queue, or in the free list.
    next: u32,
    /// Previous slot in this slot's queue.
    prev: u32,
}

impl<T> Slot<T> {
    /// The slot after this one in its queue (or the free list), or `NIL`.
    #[inline]
    pub(crate) fn next(&self) -> u32 {
        self.next
    }

    fn free() -> Slot<T> {
        Slot {
            notify: Notify::EMPTY,
            state: SlotState::Free,
            next: NIL,
            prev: NIL,
        }
    }
}

/// Which wait queue.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Side {
    Send,
    Recv,
}

/// Ends of one FIFO queue.
#[derive(Clone, Copy)]
struct Queue {
    head: u32,
    tail: u32,
}

impl Queue {
    const EMPTY: Queue = Queue {
        head: NIL,
        tail: NIL,
    };
}

/// Overflow slots are dropped once none is live and there are more than
/// this many (a small vector is kept to avoid churn).
const KEEP_REST: usize = 8;

/// The waiter slab and the two wait queues.
pub(crate) struct Waiters<T> {
    /// Slot 0, inline.
    first: Slot<T>,
    /// Slots 1.., allocated when more than one operation waits. Boxed so
    /// the channel pays one pointer (not a vector's three words) until then.
    #[allow(clippy::box_collection)]
    rest: Option<Box<Vec<Slot<T>>>>,
    /// Head of the free list.
    free: u32,
    /// Slots in use in `rest`.
    live_rest: u32,
    sendq: Queue,
    recvq: Queue,
}

impl<T> Waiters<T> {
    pub(crate) fn new() -> Waiters<T> {
        Waiters {
            first: Slot::free(),
            rest: None,
            free: 0,
            live_rest: 0,
            sendq: Queue::EMPTY,
            recvq: Queue::EMPTY,
        }
    }

    #[inline]
    pub(crate) fn slot(&self, key: u32) -> &Slot<T> {
        match key {
            0 => &self.first,
            k => &self.rest.as_ref().expect("waiter key out of range")[k as usize - 1],
        }
    }

    #[inline]
    pub(crate) fn slot_mut(&mut self, key: u32) -> &mut Slot<T> {
        match key {
            0 => &mut self.first,
            k => &mut self.rest.as_mut().expect("waiter key out of range")[k as usize - 1],
        }
    }

    #[inline]
    fn queue(&mut self, side: Side) -> &mut Queue {
        match side {
            Side::Send => &mut self.sendq,
            Side::Recv => &mut self.recvq,
        }
    }

    /// First slot of a queue, or `NIL`.
    #[inline]
    pub(crate) fn front(&self, side: Side) -> u32 {
        match side {
            Side::Send => self.sendq.head,
            Side::Recv => self.recvq.head,
        }
    }

    /// The slot after `key` in its queue, or `NIL`.
    #[cfg(test)]
    pub(crate) fn next(&self, key: u32) -> u32 {
        self.slot(key).next
    }

    /// Parks a new waiter at the back of `side`'s queue; returns its key.
    #[inline]
    pub(crate) fn push(&mut self, side: Side, notify: Notify, state: SlotState<T>) -> u32 {
        let key = self.alloc();
        let tail = self.queue(side).tail;
        {
            let slot = self.slot_mut(key);
            slot.notify = notify;
            slot.state = state;
            slot.next = NIL;
            slot.prev = tail;
        }
        if tail == NIL {
            self.queue(side).head = key;
        } else {
            self.slot_mut(tail).next = key;
        }
        self.queue(side).tail = key;
        key
    }

    /// Removes a waiting slot from `side`'s queue (its state is left as is).
    #[inline]
    pub(crate) fn unlink(&mut self, side: Side, key: u32) {
        let (prev, next) = {
            let slot = self.slot_mut(key);
            let links = (slot.prev, slot.next);
            slot.prev = NIL;
            slot.next = NIL;
            links
        };
        if prev == NIL {
            self.queue(side).head = next;
        } else {
            self.slot_mut(prev).next = next;
        }
        if next == NIL {
            self.queue(side).tail = prev;
        } else {
            self.slot_mut(next).prev = prev;
        }
    }

    /// Frees an unlinked slot. Returns what it held so the caller can drop
    /// it after unlocking (a waker's drop or a value's drop may run code
    /// that touches this channel).
    #[inline]
    pub(crate) fn release(&mut self, key: u32) -> (Notify, SlotState<T>) {
        let free = self.free;
        let slot = self.slot_mut(key);
        let notify = std::mem::replace(&mut slot.notify, Notify::EMPTY);
        let state = std::mem::replace(&mut slot.state, SlotState::Free);
        slot.next = free;
        slot.prev = NIL;
        self.free = key;
        if key != 0 {
            self.live_rest -= 1;
            if self.live_rest == 0 && self.rest.as_ref().is_some_and(|r| r.len() > KEEP_REST) {
                // Every overflow slot is free: drop them all and rebuild the
                // free list from the inline slot alone.
                self.rest = None;
                self.free = if matches!(self.first.state, SlotState::Free) {
                    self.first.next = NIL;
                    0
                } else {
                    NIL
                };
            }
        }
        (notify, state)
    }

    #[inline]
    fn alloc(&mut self) -> u32 {
        let key = if self.free != NIL {
            let key = self.free;
            self.free = self.slot(key).next;
            key
        } else {
            let rest = self.rest.get_or_insert_with(Default::default);
            rest.push(Slot::free());
            u32::try_from(rest.len()).expect("too many waiters on one channel")
        };
        if key != 0 {
            self.live_rest += 1;
        }
        key
    }

    /// Unlinks every waiter of `side`, oldest first, handing each key to `f`.
    pub(crate) fn drain(&mut self, side: Side, mut f: impl FnMut(&mut Slot<T>)) {
        let mut key = self.front(side);
        while key != NIL {
            let slot = self.slot_mut(key);
            let next = slot.next;
            slot.next = NIL;
            slot.prev = NIL;
            f(slot);
            key = next;
        }
        *self.queue(side) = Queue::EMPTY;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(w: &Waiters<u32>, side: Side) -> Vec<u32> {
        let mut out = vec![];
        let mut k = w.front(side);
        while k != NIL {
            out.push(k);
            k = w.next(k);
        }
        out
    }

    fn recv_waiting() -> SlotState<u32> {
        SlotState::RecvWaiting { arm: 0 }
    }

    #[test]
    fn first_waiter_uses_the_inline_slot() {
        let mut w = Waiters::<u32>::new();
        let k = w.push(Side::Recv, Notify::EMPTY, recv_waiting());
        assert_eq!(k, 0);
        assert!(w.rest.is_none());
    }

    #[test]
    fn queues_are_fifo_and_unlink_from_the_middle() {
        let mut w = Waiters::<u32>::new();
        let a = w.push(Side::Recv, Notify::EMPTY, recv_waiting());
        let b = w.push(Side::Recv, Notify::EMPTY, recv_waiting());
        let c = w.push(Side::Recv, Notify::EMPTY, recv_waiting());
        let s = w.push(
            Side::Send,
            Notify::EMPTY,
            SlotState::SendWaiting { value: 9, arm: 0 },
        );
        assert_eq!(keys(&w, Side::Recv), vec![a, b, c]);
        assert_eq!(keys(&w, Side::Send), vec![s]);
        w.unlink(Side::Recv, b);
        assert_eq!(keys(&w, Side::Recv), vec![a, c]);
        w.release(b);
        let d = w.push(Side::Recv, Notify::EMPTY, recv_waiting());
        assert_eq!(d, b, "freed slot is reused");
        assert_eq!(keys(&w, Side::Recv), vec![a, c, d]);
        w.unlink(Side::Recv, a);
        w.unlink(Side::Recv, d);
        assert_eq!(keys(&w, Side::Recv), vec![c]);
    }

    #[test]
    fn overflow_slots_are_dropped_when_none_is_live() {
        let mut w = Waiters::<u32>::new();
        let ks: Vec<u32> = (0..20)
            .map(|_| w.push(Side::Recv, Notify::EMPTY, recv_waiting()))
            .collect();
        for &k in &ks[1..] {
            w.unlink(Side::Recv, k);
            w.release(k);
        }
        assert!(w.rest.is_none());
        assert_eq!(keys(&w, Side::Recv), vec![0]);
        let k = w.push(Side::Recv, Notify::EMPTY, recv_waiting());
        assert_eq!(k, 1);
        w.unlink(Side::Recv, 0);
        w.release(0);
        assert_eq!(w.push(Side::Recv, Notify::EMPTY, recv_waiting()), 0);
    }
}
