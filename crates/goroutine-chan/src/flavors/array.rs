//! `bounded(n)`, `n > 0`: a ring buffer, Go's `make(chan T, n)`.
//!
//! The ring starts unallocated and grows by doubling up to exactly `n`, so a
//! large capacity costs memory only once values actually wait in it. Once
//! grown it never allocates again: sending and receiving move values in and
//! out of the same slots.

use std::collections::VecDeque;

/// Appends `value`, growing the ring towards `cap` when it is full.
#[inline]
pub(crate) fn push_back<T>(q: &mut VecDeque<T>, value: T, cap: usize) {
    if q.len() == q.capacity() {
        grow(q, cap);
    }
    q.push_back(value);
}

/// Doubles the ring, but never past the channel's capacity (a value given
/// back by a cancelled receiver may need one slot beyond it).
#[cold]
fn grow<T>(q: &mut VecDeque<T>, cap: usize) {
    let target = q.len().saturating_mul(2).max(4).min(cap).max(q.len() + 1);
    q.reserve_exact(target - q.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_grows_lazily_and_stops_at_capacity() {
        let mut q = VecDeque::new();
        assert_eq!(q.capacity(), 0);
        for i in 0..10 {
            push_back(&mut q, i, 10);
        }
        assert!(q.capacity() >= 10 && q.capacity() < 20, "{}", q.capacity());
        for i in 0..10 {
            assert_eq!(q.pop_front(), Some(i));
        }
    }
}
