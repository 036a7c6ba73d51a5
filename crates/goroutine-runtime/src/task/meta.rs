//! What the runtime keeps about each goroutine, inside its task allocation.
//!
//! The metadata lives in the task header that `async-task` allocates, so it
//! costs no allocation of its own; it is 32 bytes, which keeps a parked
//! trivial goroutine under the 128 bytes the project promises.

use std::fmt;
use std::num::NonZeroU64;
use std::panic::Location;

// Plain std atomics: goroutine metadata is not part of the loom models.
use crate::wait::WaitReason;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::atomic::{AtomicU32, AtomicU64};

/// A goroutine's id: unique in the process, never reused, like Go's goid.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let h = goroutine::spawn(async {});
/// let id = h.id();
/// println!("spawned goroutine {id}");
/// h.await.unwrap();
/// # });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoroutineId(NonZeroU64);

impl GoroutineId {
    pub(crate) fn from_u64(v: u64) -> GoroutineId {
        GoroutineId(NonZeroU64::new(v).expect("goroutine ids start at 1"))
    }

    pub(crate) fn try_from_u64(v: u64) -> Option<GoroutineId> {
        NonZeroU64::new(v).map(GoroutineId)
    }

    /// The id as a number, as Go prints it.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let h = goroutine::spawn(async {});
    /// assert!(h.id().as_u64() >= 1);
    /// # });
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for GoroutineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for GoroutineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GoroutineId({})", self.0)
    }
}

/// Ids are taken from one counter in blocks, so workers rarely touch it.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Ids a worker takes from the counter at a time (Go takes 16).
pub(crate) const ID_BATCH: u64 = 64;

/// Reserves `n` consecutive ids and returns the first.
pub(crate) fn reserve_ids(n: u64) -> u64 {
    // Relaxed: only uniqueness matters, which the RMW gives.
    NEXT_ID.fetch_add(n, Relaxed)
}

/// Goroutine state as debug dumps show it.
///
/// # Examples
///
/// ```
/// use goroutine::debug::GoroutineState;
/// assert_eq!(GoroutineState::Waiting.to_string(), "waiting");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GoroutineState {
    /// In a run queue, waiting for a worker.
    Runnable,
    /// Being polled by a worker right now.
    Running,
    /// Parked until something wakes it; see the wait reason.
    Waiting,
}

impl fmt::Display for GoroutineState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GoroutineState::Runnable => "runnable",
            GoroutineState::Running => "running",
            GoroutineState::Waiting => "waiting",
        })
    }
}

// `flags` bits. The top 16 bits hold the runtime's index (immutable).
/// `JoinHandle::abort` was called.
const ABORT: u32 = 1 << 0;
/// The goroutine has an entry in the runtime's registry (see registry.rs).
const REGISTERED: u32 = 1 << 1;
/// The goroutine's name is in the runtime's name table.
const NAMED: u32 = 1 << 2;
/// Runs on the blocking pool (`spawn_blocking`).
const BLOCKING: u32 = 1 << 3;
/// A panic in its poll ends the process (`PanicPolicy::Abort`, a program's
/// main goroutine): see `panic_report`.
const ENDS_PROGRAM: u32 = 1 << 4;
const RT_SHIFT: u32 = 16;

// `dbg` layout: state (2 bits) | wait reason (6) | polls (24) | since (32 ms).
const STATE_MASK: u64 = 0b11;
const REASON_SHIFT: u32 = 2;
const REASON_MASK: u64 = 0x3f << REASON_SHIFT;
const POLLS_SHIFT: u32 = 8;
const POLLS_MAX: u64 = (1 << 24) - 1;
const SINCE_SHIFT: u32 = 32;

/// Per-goroutine metadata stored in the task header.
pub(crate) struct Meta {
    id: GoroutineId,
    location: &'static Location<'static>,
    /// `runtime index << 16 | flag bits`.
    flags: AtomicU32,
    /// Registry slot, valid while `REGISTERED`.
    slot: AtomicU32,
    /// Debug view, see the layout above. Written only by whoever owns the
    /// goroutine's state at that moment (the scheduler that queues it, the
    /// worker that polls it), which `async-task`'s state machine serialises,
    /// so plain loads and stores suffice.
    dbg: AtomicU64,
}

impl Meta {
    pub(crate) fn new(
        id: GoroutineId,
        location: &'static Location<'static>,
        runtime: u16,
        blocking: bool,
        ends_program: bool,
    ) -> Meta {
        let flags = (u32::from(runtime) << RT_SHIFT)
            | if blocking { BLOCKING } else { 0 }
            | if ends_program { ENDS_PROGRAM } else { 0 };
        Meta {
            id,
            location,
            flags: AtomicU32::new(flags),
            slot: AtomicU32::new(0),
            dbg: AtomicU64::new(0),
        }
    }

    pub(crate) fn id(&self) -> GoroutineId {
        self.id
    }

    pub(crate) fn location(&self) -> &'static Location<'static> {
        self.location
    }

    /// Index of the runtime that owns this goroutine.
    pub(crate) fn runtime(&self) -> u16 {
        // Relaxed: these bits never change.
        (self.flags.load(Relaxed) >> RT_SHIFT) as u16
    }

    pub(crate) fn is_blocking(&self) -> bool {
        // Relaxed: fixed at creation, before the task is published.
        self.flags.load(Relaxed) & BLOCKING != 0
    }

    /// A panic in this goroutine's poll ends the process.
    pub(crate) fn ends_program(&self) -> bool {
        // Relaxed: fixed at creation, before the task is published.
        self.flags.load(Relaxed) & ENDS_PROGRAM != 0
    }

    pub(crate) fn is_named(&self) -> bool {
        // Relaxed: see `set_named`.
        self.flags.load(Relaxed) & NAMED != 0
    }

    pub(crate) fn set_named(&self) {
        // Relaxed: set before the goroutine is first scheduled, which
        // publishes it.
        self.flags.fetch_or(NAMED, Relaxed);
    }

    /// Marks the goroutine aborted. Returns true if this call did, and the
    /// goroutine was registered at that moment.
    ///
    /// SeqCst pairs with `mark_registered` + `is_aborted` in the goroutine
    /// wrapper: either we see `REGISTERED` (and wake it through the
    /// registry), or it sees `ABORT` right after registering (and wakes
    /// itself).
    pub(crate) fn mark_aborted(&self) -> (bool, bool) {
        let prev = self.flags.fetch_or(ABORT, SeqCst);
        (prev & ABORT == 0, prev & REGISTERED != 0)
    }

    pub(crate) fn is_aborted(&self) -> bool {
        self.flags.load(SeqCst) & ABORT != 0
    }

    pub(crate) fn registered_slot(&self) -> Option<u32> {
        if self.flags.load(SeqCst) & REGISTERED != 0 {
            Some(self.slot.load(Relaxed))
        } else {
            None
        }
    }

    pub(crate) fn mark_registered(&self, slot: u32) {
        // Relaxed store: published by the SeqCst RMW that follows.
        self.slot.store(slot, Relaxed);
        self.flags.fetch_or(REGISTERED, SeqCst);
    }

    pub(crate) fn clear_registered(&self) -> Option<u32> {
        // A plain load first, so that goroutines that never parked pay no
        // read-modify-write when they end: `REGISTERED` is set only during
        // the goroutine's own poll, which async-task's state transitions
        // order before its drop (the only caller), so the load sees it.
        if self.flags.load(Relaxed) & REGISTERED == 0 {
            return None;
        }
        let prev = self.flags.fetch_and(!REGISTERED, SeqCst);
        (prev & REGISTERED != 0).then(|| self.slot.load(Relaxed))
    }

    // ---- debug view ------------------------------------------------------

    fn update_dbg(&self, f: impl FnOnce(u64) -> u64) {
        // Relaxed load + store: single writer at a time (see `dbg`).
        let v = self.dbg.load(Relaxed);
        self.dbg.store(f(v), Relaxed);
    }

    pub(crate) fn set_runnable(&self, now_ms: u32) {
        self.update_dbg(|v| (v & (POLLS_MAX << POLLS_SHIFT)) | (u64::from(now_ms) << SINCE_SHIFT));
    }

    pub(crate) fn set_running(&self, now_ms: u32) {
        self.update_dbg(|v| {
            let polls = ((v >> POLLS_SHIFT) & POLLS_MAX)
                .saturating_add(1)
                .min(POLLS_MAX);
            1 | (polls << POLLS_SHIFT) | (u64::from(now_ms) << SINCE_SHIFT)
        });
    }

    pub(crate) fn set_waiting(&self, reason: WaitReason, now_ms: u32) {
        self.update_dbg(|v| {
            2 | (u64::from(reason as u8) << REASON_SHIFT)
                | (v & (POLLS_MAX << POLLS_SHIFT))
                | (u64::from(now_ms) << SINCE_SHIFT)
        });
    }

    /// State, wait reason, polls and the coarse time the state began.
    pub(crate) fn debug_view(&self) -> (GoroutineState, WaitReason, u64, u32) {
        let v = self.dbg.load(Relaxed);
        let state = match v & STATE_MASK {
            1 => GoroutineState::Running,
            2 => GoroutineState::Waiting,
            _ => GoroutineState::Runnable,
        };
        let reason = WaitReason::from_u8(((v & REASON_MASK) >> REASON_SHIFT) as u8);
        (
            state,
            reason,
            (v >> POLLS_SHIFT) & POLLS_MAX,
            (v >> SINCE_SHIFT) as u32,
        )
    }
}

impl fmt::Debug for Meta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Meta")
            .field("id", &self.id)
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn metadata_fits_in_32_bytes() {
        assert_eq!(std::mem::size_of::<Meta>(), 32);
    }

    #[test]
    fn debug_view_tracks_state_reason_and_polls() {
        let m = Meta::new(
            GoroutineId::from_u64(9),
            Location::caller(),
            3,
            false,
            false,
        );
        assert_eq!(m.runtime(), 3);
        m.set_running(10);
        m.set_waiting(WaitReason::ChanRecv, 12);
        let (state, reason, polls, since) = m.debug_view();
        assert_eq!(
            (state, reason, polls, since),
            (GoroutineState::Waiting, WaitReason::ChanRecv, 1, 12)
        );
        m.set_runnable(15);
        m.set_running(16);
        assert_eq!(m.debug_view().0, GoroutineState::Running);
        assert_eq!(m.debug_view().2, 2);
    }

    #[test]
    fn abort_reports_whether_the_goroutine_was_registered() {
        let m = Meta::new(
            GoroutineId::from_u64(1),
            Location::caller(),
            0,
            false,
            false,
        );
        m.mark_registered(77);
        assert_eq!(m.mark_aborted(), (true, true));
        assert_eq!(m.mark_aborted(), (false, true));
        assert_eq!(m.clear_registered(), Some(77));
        assert_eq!(m.registered_slot(), None);
    }
}
