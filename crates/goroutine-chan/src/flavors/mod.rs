//! Where buffered values live, one file per kind of channel.
//!
//! The protocol (wait queues, hand-off, close, select claims) is the same
//! for every kind and lives in [`chan`](crate::chan); a flavor only decides
//! how many values may wait in the channel and how they are stored.
//!
//! The storage is allocated on the first value that has to wait in the
//! channel, and then kept: a channel that only ever hands values over
//! directly (the common unbuffered case) carries one null pointer here.
//!
//! # Unbuffered
//!
//! `bounded(0)`, Go's `make(chan T)`. A send completes only by meeting a receiver: either the sender finds a
//! parked receiver and hands the value straight into its slot (Go's direct
//! hand-off), or the sender parks with its value and a later receiver takes
//! it out inside its own poll. Nothing is ever stored in the channel itself,
//! with one exception that keeps cancellation lossless: a receiver that was
//! handed a value and is then dropped before it took it gives the value back
//! (see the cancel-safety rule in [`chan`](crate::chan)), and when no other
//! receiver is waiting the value waits in a ring, at the head, for the next
//! receiver. The ring is allocated only then. `len()` still reports 0, as
//! Go's `len` of an unbuffered channel always does.

pub(crate) mod array;
pub(crate) mod list;

use crate::chan::UNBOUNDED;
use std::collections::VecDeque;

/// The values held by a channel, oldest first.
pub(crate) struct Buffer<T> {
    queue: Option<Box<Queue<T>>>,
}

enum Queue<T> {
    /// `bounded(n)`: a ring that grows lazily up to `n` (see [`array`]);
    /// also `bounded(0)`, whose ring only ever holds values given back by
    /// cancelled receivers (see "Unbuffered" above).
    Ring(VecDeque<T>),
    /// `unbounded()`: a segmented queue (see [`list`]).
    List(list::List<T>),
}

impl<T> Buffer<T> {
    pub(crate) const fn new() -> Buffer<T> {
        Buffer { queue: None }
    }

    /// The queue, allocated now if needed, of the kind for capacity `cap`.
    #[inline]
    fn queue(&mut self, cap: usize) -> &mut Queue<T> {
        if self.queue.is_none() {
            self.allocate(cap);
        }
        self.queue.as_deref_mut().expect("allocated above")
    }

    /// Allocates the queue: once per channel, off the hot path.
    #[cold]
    fn allocate(&mut self, cap: usize) {
        self.queue = Some(Box::new(match cap {
            UNBOUNDED => Queue::List(list::List::new()),
            _ => Queue::Ring(VecDeque::new()),
        }));
    }

    /// Number of values held.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        match self.queue.as_deref() {
            None => 0,
            Some(Queue::Ring(q)) => q.len(),
            Some(Queue::List(l)) => l.len(),
        }
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a value sent into a channel of capacity `cap` (the caller
    /// checked that there is room).
    #[inline]
    pub(crate) fn push_back(&mut self, value: T, cap: usize) {
        match self.queue(cap) {
            Queue::Ring(q) => array::push_back(q, value, cap),
            Queue::List(l) => l.push_back(value),
        }
    }

    /// Puts a value given back by a cancelled receiver at the head, so the
    /// next receiver gets it first. May exceed the capacity by the number of
    /// values given back; senders wait until the channel is below it again.
    pub(crate) fn push_front(&mut self, value: T, cap: usize) {
        match self.queue(cap) {
            Queue::Ring(q) => q.push_front(value),
            Queue::List(l) => l.push_front(value),
        }
    }

    #[inline]
    pub(crate) fn pop_front(&mut self) -> Option<T> {
        match self.queue.as_deref_mut()? {
            Queue::Ring(q) => q.pop_front(),
            Queue::List(l) => l.pop_front(),
        }
    }

    /// Moves every value out, leaving the buffer empty and unallocated (the
    /// caller drops them after unlocking).
    pub(crate) fn take_all(&mut self) -> Buffer<T> {
        Buffer {
            queue: self.queue.take(),
        }
    }
}
