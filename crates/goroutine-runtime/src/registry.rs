//! The registry of parked goroutines.
//!
//! A goroutine enters the registry the first time its poll returns
//! `Pending`, and leaves it when it is dropped (finished, aborted, or shut
//! down). The entry holds a `Waker` for the goroutine and a pointer to its
//! metadata. That gives the runtime what a stackless design otherwise lacks:
//!
//! - shutdown can wake, and so drop, goroutines parked on something that
//!   will never wake them (a channel held only by other parked goroutines);
//! - `debug::goroutines()` can list parked goroutines with their wait
//!   reasons;
//! - `JoinHandle::abort` can wake a parked goroutine.
//!
//! Goroutines that finish within their first poll never touch it, so
//! short-lived goroutines pay nothing. Each worker registers into its own
//! shard, so registration is an uncontended lock.
//!
//! An entry costs 24 bytes, in chunks that are never moved, so memory per
//! parked goroutine does not double when the table grows.

use std::ptr::NonNull;
use std::task::Waker;

use crate::loom::lock_std as lock;
use crate::task::Meta;
use std::sync::Mutex;

const CHUNK: usize = 1024;
const SHARD_BITS: u32 = 6;
/// Registry shards; workers beyond this share them.
pub(crate) const MAX_SHARDS: usize = 1 << SHARD_BITS;

/// A pointer to a registered goroutine's metadata.
#[derive(Clone, Copy)]
struct MetaPtr(NonNull<Meta>);

// SAFETY: `Meta` is `Sync` (atomics and a `&'static Location`); the pointer
// is only dereferenced while the entry's waker keeps the task alive.
unsafe impl Send for MetaPtr {}

struct Entry {
    waker: Waker,
    meta: MetaPtr,
}

impl Entry {
    fn meta(&self) -> &Meta {
        // SAFETY: the entry owns a waker of the task whose header holds this
        // metadata; a task is not freed while a waker for it exists.
        unsafe { self.meta.0.as_ref() }
    }
}

#[derive(Default)]
struct Shard {
    chunks: Vec<Box<[Option<Entry>]>>,
    free: Vec<u32>,
    /// Slots below this index have been handed out at least once.
    used: u32,
    len: usize,
    closed: bool,
}

impl Shard {
    fn slot_mut(&mut self, index: u32) -> Option<&mut Option<Entry>> {
        let i = index as usize;
        self.chunks.get_mut(i / CHUNK).map(|c| &mut c[i % CHUNK])
    }
}

pub(crate) struct Registry {
    shards: Box<[Mutex<Shard>]>,
}

fn encode(shard: usize, index: u32) -> u32 {
    (index << SHARD_BITS) | shard as u32
}

fn decode(slot: u32) -> (usize, u32) {
    (
        (slot & (MAX_SHARDS as u32 - 1)) as usize,
        slot >> SHARD_BITS,
    )
}

impl Registry {
    pub(crate) fn new(shards: usize) -> Registry {
        let shards = shards.clamp(1, MAX_SHARDS);
        Registry {
            shards: (0..shards).map(|_| Mutex::new(Shard::default())).collect(),
        }
    }

    /// Registers a goroutine into shard `hint`; returns its slot, or `None`
    /// once the registry is closed (the runtime is shutting down).
    pub(crate) fn register(&self, hint: usize, meta: &Meta, waker: &Waker) -> Option<u32> {
        let shard_index = hint % self.shards.len();
        let mut shard = lock(&self.shards[shard_index]);
        if shard.closed {
            return None;
        }
        let index = match shard.free.pop() {
            Some(i) => i,
            None => {
                let i = shard.used;
                assert!(i < u32::MAX >> SHARD_BITS, "too many parked goroutines");
                if i as usize % CHUNK == 0 {
                    shard.chunks.push((0..CHUNK).map(|_| None).collect());
                }
                shard.used += 1;
                i
            }
        };
        let entry = Entry {
            waker: waker.clone(),
            meta: MetaPtr(NonNull::from(meta)),
        };
        *shard.slot_mut(index).expect("slot was allocated above") = Some(entry);
        shard.len += 1;
        Some(encode(shard_index, index))
    }

    /// Removes the entry at `slot` if it belongs to `meta`; returns its
    /// waker so the caller drops it outside the lock.
    pub(crate) fn unregister(&self, slot: u32, meta: &Meta) -> Option<Waker> {
        let (shard_index, index) = decode(slot);
        let mut shard = lock(self.shards.get(shard_index)?);
        let cell = shard.slot_mut(index)?;
        if !cell.as_ref().is_some_and(|e| std::ptr::eq(e.meta(), meta)) {
            return None;
        }
        let entry = cell.take()?;
        shard.free.push(index);
        shard.len -= 1;
        Some(entry.waker)
    }

    /// A clone of the waker registered at `slot` for `meta`.
    pub(crate) fn waker_of(&self, slot: u32, meta: &Meta) -> Option<Waker> {
        let (shard_index, index) = decode(slot);
        let mut shard = lock(self.shards.get(shard_index)?);
        let entry = shard.slot_mut(index)?.as_ref()?;
        std::ptr::eq(entry.meta(), meta).then(|| entry.waker.clone())
    }

    /// Closes the registry to new entries and returns every registered
    /// waker (the entries are emptied).
    pub(crate) fn close_and_drain(&self) -> Vec<Waker> {
        let mut out = Vec::new();
        for shard in self.shards.iter() {
            let mut shard = lock(shard);
            shard.closed = true;
            let Shard {
                chunks,
                free,
                used,
                len,
                ..
            } = &mut *shard;
            for (c, chunk) in chunks.iter_mut().enumerate() {
                for (i, cell) in chunk.iter_mut().enumerate() {
                    if let Some(entry) = cell.take() {
                        out.push(entry.waker);
                        free.push((c * CHUNK + i) as u32);
                    }
                }
            }
            debug_assert!(free.len() <= *used as usize);
            *len = 0;
        }
        out
    }

    /// Calls `f` for every registered goroutine.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Meta)) {
        for shard in self.shards.iter() {
            let shard = lock(shard);
            for chunk in &shard.chunks {
                for entry in chunk.iter().flatten() {
                    f(entry.meta());
                }
            }
        }
    }

    /// Number of registered goroutines.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).len).sum()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::task::GoroutineId;
    use std::panic::Location;

    fn meta(id: u64) -> Meta {
        Meta::new(
            GoroutineId::from_u64(id),
            Location::caller(),
            0,
            false,
            false,
        )
    }

    #[test]
    fn entries_are_found_only_for_their_own_goroutine() {
        let r = Registry::new(2);
        let (a, b) = (meta(1), meta(2));
        let waker = Waker::noop();
        let sa = r.register(0, &a, waker).unwrap();
        let _sb = r.register(1, &b, waker).unwrap();
        assert_eq!(r.len(), 2);
        assert!(r.waker_of(sa, &a).is_some());
        assert!(r.waker_of(sa, &b).is_none(), "slot of a must not wake b");
        assert!(r.unregister(sa, &b).is_none());
        assert!(r.unregister(sa, &a).is_some());
        assert!(
            r.unregister(sa, &a).is_none(),
            "second removal finds nothing"
        );
        let mut seen = Vec::new();
        r.for_each(|m| seen.push(m.id().as_u64()));
        assert_eq!(seen, vec![2]);
        assert_eq!(r.close_and_drain().len(), 1);
        assert!(r.register(0, &a, waker).is_none(), "closed");
        assert_eq!(r.len(), 0);
    }

    #[test]
    fn freed_slots_are_reused_across_chunks() {
        let r = Registry::new(1);
        let metas: Vec<_> = (1..=CHUNK as u64 + 5).map(meta).collect();
        let waker = Waker::noop();
        let slots: Vec<_> = metas
            .iter()
            .map(|m| r.register(0, m, waker).unwrap())
            .collect();
        for (m, s) in metas.iter().zip(&slots) {
            assert!(r.unregister(*s, m).is_some());
        }
        let again = r.register(0, &metas[0], waker).unwrap();
        assert!(slots.contains(&again));
    }
}
