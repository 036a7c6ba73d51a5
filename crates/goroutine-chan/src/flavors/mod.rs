//! Where buffered values live, one file per kind of channel.
//!
//! The protocol (wait queues, hand-off, close, select claims) is the same
//! for every kind and lives in [`chan`](crate::chan); a flavor only decides
//! how many values may wait in the channel and how they are stored.

pub(crate) mod array;
pub(crate) mod list;
pub(crate) mod zero;

use std::collections::VecDeque;

/// The values held by a channel, oldest first.
pub(crate) enum Buffer<T> {
    /// `bounded(n)`: a ring that grows lazily up to `n` (see [`array`]);
    /// also `bounded(0)`, whose ring only ever holds values given back by
    /// cancelled receivers (see [`zero`]).
    Ring(VecDeque<T>),
    /// `unbounded()`: a segmented queue (see [`list`]).
    List(Box<list::List<T>>),
}

impl<T> Buffer<T> {
    /// Number of values held.
    pub(crate) fn len(&self) -> usize {
        match self {
            Buffer::Ring(q) => q.len(),
            Buffer::List(l) => l.len(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a value sent into a channel of capacity `cap` (the caller
    /// checked that there is room).
    pub(crate) fn push_back(&mut self, value: T, cap: usize) {
        match self {
            Buffer::Ring(q) => array::push_back(q, value, cap),
            Buffer::List(l) => l.push_back(value),
        }
    }

    /// Puts a value given back by a cancelled receiver at the head, so the
    /// next receiver gets it first. May exceed the capacity by the number of
    /// values given back; senders wait until the channel is below it again.
    pub(crate) fn push_front(&mut self, value: T) {
        match self {
            Buffer::Ring(q) => q.push_front(value),
            Buffer::List(l) => l.push_front(value),
        }
    }

    pub(crate) fn pop_front(&mut self) -> Option<T> {
        match self {
            Buffer::Ring(q) => q.pop_front(),
            Buffer::List(l) => l.pop_front(),
        }
    }

    /// Moves every value out, leaving the buffer empty and unallocated (the
    /// caller drops them after unlocking).
    pub(crate) fn take_all(&mut self) -> Buffer<T> {
        match self {
            Buffer::Ring(q) => Buffer::Ring(std::mem::take(q)),
            Buffer::List(l) => {
                Buffer::List(Box::new(std::mem::replace(&mut **l, list::List::new())))
            }
        }
    }
}
