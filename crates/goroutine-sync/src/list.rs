//! FIFO wait lists without unsafe code: a slab of entries threaded into a
//! doubly linked list by index.
//!
//! Every primitive of this crate parks its waiters in a [`List`] guarded by
//! a small mutex. An entry is *linked* while it waits in line and *unlinked*
//! once the event it waits for has happened to it (lock handed over,
//! permits granted, signal delivered, barrier tripped); its slot stays
//! allocated until the future that owns the [`Key`] frees it with
//! [`List::remove`], so a key is never reused while its future lives and
//! "am I still linked?" is the whole hand-off protocol. The one exception
//! is `Semaphore`: a grant removes the waiter's entry at once and tells the
//! waiter through a ticket instead (see `semaphore.rs`), so a served
//! waiter never touches its key again.
//!
//! Invariants:
//! - `head`/`tail` are `NIL` together, exactly when `linked == 0`.
//! - A slot is in the free chain iff it is `Vacant`.
//! - `prev`/`next` of an occupied slot mean something only while `linked`.

use std::fmt;
use std::task::Waker;

const NIL: u32 = u32::MAX;

/// Slab capacity kept when the list becomes empty; beyond it the storage is
/// released so that a burst of waiters does not pin memory forever.
const KEEP_CAPACITY: usize = 64;

/// Names one entry of a [`List`]; owned by the future that pushed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key(u32);

enum Slot<T> {
    Vacant {
        next_free: u32,
    },
    Occupied {
        prev: u32,
        next: u32,
        linked: bool,
        value: T,
    },
}

/// A FIFO of `T`s with O(1) push, pop and removal by key.
pub(crate) struct List<T> {
    slots: Vec<Slot<T>>,
    head: u32,
    tail: u32,
    free: u32,
    linked: u32,
    occupied: u32,
}

impl<T> List<T> {
    pub(crate) const fn new() -> List<T> {
        List {
            slots: Vec::new(),
            head: NIL,
            tail: NIL,
            free: NIL,
            linked: 0,
            occupied: 0,
        }
    }

    /// True when no entry is linked (unlinked entries may still occupy slots).
    pub(crate) fn is_empty(&self) -> bool {
        self.linked == 0
    }

    /// Number of linked entries.
    pub(crate) fn len(&self) -> usize {
        self.linked as usize
    }

    /// Appends `value` at the back, linked.
    pub(crate) fn push_back(&mut self, value: T) -> Key {
        let slot = Slot::Occupied {
            prev: self.tail,
            next: NIL,
            linked: true,
            value,
        };
        let idx = if self.free != NIL {
            let idx = self.free;
            match self.slots[idx as usize] {
                Slot::Vacant { next_free } => self.free = next_free,
                Slot::Occupied { .. } => unreachable!("free chain points at an occupied slot"),
            }
            self.slots[idx as usize] = slot;
            idx
        } else {
            let idx = u32::try_from(self.slots.len())
                .ok()
                .filter(|&i| i != NIL)
                .expect("goroutine-sync: more than 4 billion waiters on one primitive");
            self.slots.push(slot);
            idx
        };
        match self.tail {
            NIL => self.head = idx,
            tail => self.set_next(tail, idx),
        }
        self.tail = idx;
        self.linked += 1;
        self.occupied += 1;
        Key(idx)
    }

    /// The key of the first linked entry.
    pub(crate) fn front(&self) -> Option<Key> {
        (self.head != NIL).then_some(Key(self.head))
    }

    /// Unlinks the first entry and returns its key; its slot stays occupied.
    pub(crate) fn pop_front(&mut self) -> Option<Key> {
        let key = self.front()?;
        self.unlink(key);
        Some(key)
    }

    /// True while `key` waits in line.
    pub(crate) fn is_linked(&self, key: Key) -> bool {
        match &self.slots[key.0 as usize] {
            Slot::Occupied { linked, .. } => *linked,
            Slot::Vacant { .. } => false,
        }
    }

    pub(crate) fn get(&self, key: Key) -> &T {
        match &self.slots[key.0 as usize] {
            Slot::Occupied { value, .. } => value,
            Slot::Vacant { .. } => panic!("goroutine-sync: stale wait-list key"),
        }
    }

    pub(crate) fn get_mut(&mut self, key: Key) -> &mut T {
        match &mut self.slots[key.0 as usize] {
            Slot::Occupied { value, .. } => value,
            Slot::Vacant { .. } => panic!("goroutine-sync: stale wait-list key"),
        }
    }

    /// Takes `key` out of the line, keeping its slot. No-op when unlinked.
    pub(crate) fn unlink(&mut self, key: Key) {
        let (prev, next) = match &mut self.slots[key.0 as usize] {
            Slot::Occupied {
                prev, next, linked, ..
            } if *linked => {
                *linked = false;
                (*prev, *next)
            }
            _ => return,
        };
        match prev {
            NIL => self.head = next,
            p => self.set_next(p, next),
        }
        match next {
            NIL => self.tail = prev,
            n => self.set_prev(n, prev),
        }
        self.linked -= 1;
    }

    /// Frees `key`'s slot (unlinking it first if needed) and returns its value.
    pub(crate) fn remove(&mut self, key: Key) -> T {
        self.unlink(key);
        let slot = std::mem::replace(
            &mut self.slots[key.0 as usize],
            Slot::Vacant {
                next_free: self.free,
            },
        );
        let Slot::Occupied { value, .. } = slot else {
            panic!("goroutine-sync: stale wait-list key");
        };
        self.free = key.0;
        self.occupied -= 1;
        if self.occupied == 0 && self.slots.capacity() > KEEP_CAPACITY {
            self.slots = Vec::new();
            self.free = NIL;
        }
        value
    }

    /// Keys of the linked entries, front to back (for tests and debugging).
    #[cfg(test)]
    pub(crate) fn keys(&self) -> Vec<Key> {
        let mut out = Vec::with_capacity(self.len());
        let mut cur = self.head;
        while cur != NIL {
            out.push(Key(cur));
            cur = match &self.slots[cur as usize] {
                Slot::Occupied { next, .. } => *next,
                Slot::Vacant { .. } => unreachable!(),
            };
        }
        out
    }

    fn set_next(&mut self, idx: u32, to: u32) {
        if let Slot::Occupied { next, .. } = &mut self.slots[idx as usize] {
            *next = to;
        }
    }

    fn set_prev(&mut self, idx: u32, to: u32) {
        if let Slot::Occupied { prev, .. } = &mut self.slots[idx as usize] {
            *prev = to;
        }
    }
}

impl<T> fmt::Debug for List<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("List")
            .field("linked", &self.linked)
            .field("occupied", &self.occupied)
            .finish()
    }
}

/// A parked operation: its waker and what it waits for.
#[derive(Debug)]
pub(crate) struct Waiter<S> {
    pub(crate) waker: Option<Waker>,
    pub(crate) state: S,
}

impl<S> Waiter<S> {
    pub(crate) fn new(waker: &Waker, state: S) -> Waiter<S> {
        Waiter {
            waker: Some(waker.clone()),
            state,
        }
    }

    /// Stores `waker` unless the one already stored would wake the same task.
    pub(crate) fn register(&mut self, waker: &Waker) {
        match &mut self.waker {
            Some(w) if w.will_wake(waker) => {}
            slot => *slot = Some(waker.clone()),
        }
    }
}

impl<S> List<Waiter<S>> {
    /// A later poll of the parked waiter `key`. Still linked (not served
    /// yet): stores `waker` and returns `None`. Unlinked (whoever served it
    /// took it off the line): removes its entry and returns it.
    pub(crate) fn check_in(&mut self, key: Key, waker: &Waker) -> Option<Waiter<S>> {
        if self.is_linked(key) {
            self.get_mut(key).register(waker);
            None
        } else {
            Some(self.remove(key))
        }
    }
}

/// Wakers collected under a lock and woken after it is released, so that no
/// waker runs (and perhaps re-enters this crate) while a wait list is locked.
pub(crate) struct WakeList {
    /// The common case, one waiter served, without touching `rest`.
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl WakeList {
    pub(crate) const fn new() -> WakeList {
        WakeList {
            first: None,
            rest: Vec::new(),
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        let Some(waker) = waker else { return };
        if self.first.is_none() {
            self.first = Some(waker);
        } else {
            self.rest.push(waker);
        }
    }

    /// Wakes everything collected, last collected first: as Go's
    /// `closechan` readies a closed channel's waiters off a stack (see
    /// `Context`'s cancel). Call it after dropping the list's lock.
    pub(crate) fn wake_all_last_first(self) {
        self.rest.into_iter().rev().for_each(Waker::wake);
        if let Some(waker) = self.first {
            waker.wake();
        }
    }

    /// Wakes everything collected. Call it after dropping the list's lock.
    #[inline]
    pub(crate) fn wake_all(self) {
        if let Some(waker) = self.first {
            waker.wake();
        }
        if !self.rest.is_empty() {
            self.rest.into_iter().for_each(Waker::wake);
        }
    }
}

impl fmt::Debug for WakeList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WakeList")
            .field(
                "len",
                &(usize::from(self.first.is_some()) + self.rest.len()),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    #[test]
    fn list_is_fifo_and_removal_keeps_order() {
        let mut list = List::new();
        let a = list.push_back('a');
        let b = list.push_back('b');
        let c = list.push_back('c');
        list.remove(b);
        assert_eq!(list.keys(), vec![a, c]);
        assert_eq!(list.pop_front(), Some(a));
        assert!(!list.is_linked(a));
        assert_eq!(*list.get(a), 'a');
        assert_eq!(list.remove(a), 'a');
        let d = list.push_back('d');
        assert_eq!(list.keys(), vec![c, d]);
        assert_eq!(list.len(), 2);
    }

    #[test]
    fn list_matches_a_vecdeque_model() {
        // A small deterministic pseudo-random walk over push/pop/remove.
        let mut list = List::new();
        let mut model: VecDeque<(Key, u32)> = VecDeque::new();
        let mut seed = 0x2545_f491_u32;
        let steps = if cfg!(miri) { 300 } else { 5_000 };
        for i in 0..steps {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            match seed % 3 {
                0 => {
                    let k = list.push_back(i);
                    model.push_back((k, i));
                }
                1 => {
                    let got = list.pop_front();
                    let want = model.pop_front();
                    assert_eq!(got, want.map(|(k, _)| k));
                    if let Some((k, v)) = want {
                        assert_eq!(list.remove(k), v);
                    }
                }
                _ if !model.is_empty() => {
                    let at = (seed as usize / 3) % model.len();
                    let (k, v) = model.remove(at).unwrap();
                    assert_eq!(list.remove(k), v);
                }
                _ => {}
            }
            assert_eq!(
                list.keys(),
                model.iter().map(|(k, _)| *k).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn emptied_list_releases_large_storage() {
        let mut list = List::new();
        let keys: Vec<_> = (0..1000).map(|i| list.push_back(i)).collect();
        for k in keys {
            list.remove(k);
        }
        assert_eq!(list.slots.capacity(), 0);
        let k = list.push_back(7);
        assert_eq!(*list.get(k), 7);
    }
}
