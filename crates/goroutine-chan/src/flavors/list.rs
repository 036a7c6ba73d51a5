//! `unbounded()`: a segmented queue.
//!
//! Values live in fixed-size blocks chained in a deque. Sending appends to
//! the last block and starts a new one when it is full; receiving pops from
//! the first block and, once it is empty, keeps it as a spare for the next
//! block the senders need. So the queue allocates one block per
//! [`BLOCK`] values while it grows, nothing in steady state, and gives the
//! memory back as it drains (only the spare stays).

use std::collections::VecDeque;

/// Values per block. Small under Miri and loom so tests cross block edges.
#[cfg(not(any(miri, loom)))]
pub(crate) const BLOCK: usize = 32;
#[cfg(any(miri, loom))]
pub(crate) const BLOCK: usize = 4;

/// The unbounded queue.
pub(crate) struct List<T> {
    /// Non-empty blocks, oldest first; each holds at most `BLOCK` values.
    blocks: VecDeque<VecDeque<T>>,
    /// One emptied block kept for reuse.
    spare: Option<VecDeque<T>>,
    /// Total number of values.
    len: usize,
}

impl<T> List<T> {
    pub(crate) fn new() -> List<T> {
        List {
            blocks: VecDeque::new(),
            spare: None,
            len: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn new_block(&mut self) -> VecDeque<T> {
        self.spare
            .take()
            .unwrap_or_else(|| VecDeque::with_capacity(BLOCK))
    }

    pub(crate) fn push_back(&mut self, value: T) {
        match self.blocks.back_mut() {
            Some(block) if block.len() < BLOCK => block.push_back(value),
            _ => {
                let mut block = self.new_block();
                block.push_back(value);
                self.blocks.push_back(block);
            }
        }
        self.len += 1;
    }

    pub(crate) fn push_front(&mut self, value: T) {
        match self.blocks.front_mut() {
            Some(block) if block.len() < BLOCK => block.push_front(value),
            _ => {
                let mut block = self.new_block();
                block.push_front(value);
                self.blocks.push_front(block);
            }
        }
        self.len += 1;
    }

    pub(crate) fn pop_front(&mut self) -> Option<T> {
        let block = self.blocks.front_mut()?;
        let value = block.pop_front();
        if block.is_empty() {
            let empty = self.blocks.pop_front();
            if self.spare.is_none() {
                self.spare = empty;
            }
        }
        self.len -= 1;
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_fifo_across_blocks_and_keeps_one_spare() {
        let mut l = List::new();
        let n = BLOCK * 3 + 1;
        for i in 0..n {
            l.push_back(i);
        }
        assert_eq!(l.len(), n);
        assert_eq!(l.blocks.len(), 4);
        for i in 0..n {
            assert_eq!(l.pop_front(), Some(i));
        }
        assert_eq!(l.pop_front(), None);
        assert!(l.blocks.is_empty());
        assert!(l.spare.is_some());
    }

    #[test]
    fn list_push_front_goes_before_everything() {
        let mut l = List::new();
        for i in 1..=BLOCK {
            l.push_back(i);
        }
        l.push_front(0);
        for i in 0..=BLOCK {
            assert_eq!(l.pop_front(), Some(i));
        }
    }
}
