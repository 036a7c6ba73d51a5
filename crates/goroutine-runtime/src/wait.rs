//! Why a goroutine waits: the reason shown by goroutine dumps.

use std::cell::Cell;
use std::fmt;

/// What a parked goroutine waits for, named as Go's goroutine dumps name it.
///
/// The names are Go 1.19's, the Go this project is checked against: there
/// every `sync` lock and `WaitGroup` waits as `semacquire` (Go 1.20 and
/// later name them `sync.Mutex.Lock` and so on), and `<-ctx.Done()` is a
/// `chan receive`. The variants tell them apart where the name does not.
///
/// Leaf futures of this project (channels, locks, timers) record a reason
/// with [`set_wait_reason`] just before they return `Pending`; the runtime
/// attaches it to the goroutine, and [`debug::dump`](crate::debug::dump)
/// prints it (`goroutine 7 [chan receive]`).
///
/// # Examples
///
/// ```
/// use goroutine::debug::WaitReason;
/// assert_eq!(WaitReason::ChanRecv.as_str(), "chan receive");
/// assert_eq!(WaitReason::WaitGroup.to_string(), "semacquire");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u8)]
pub enum WaitReason {
    /// No reason recorded: waits on a future this project does not know.
    Unknown = 0,
    /// `ch <- v`: a send waiting for room or for a receiver.
    ChanSend,
    /// `<-ch`: a receive waiting for a value.
    ChanRecv,
    /// A `select!` with no ready arm, or whose arms are all disabled
    /// (Go's `select` on nil channels).
    Select,
    /// `select! {}`, with no arms (Go's `select {}`).
    SelectNoCases,
    /// `time.Sleep`.
    Sleep,
    /// A timer's deadline (`timeout`, `Timer`).
    Timer,
    /// `sync.WaitGroup.Wait` (`semacquire`).
    WaitGroup,
    /// `sync.Mutex.Lock` (`semacquire`).
    Mutex,
    /// `sync.RWMutex.RLock` (`semacquire`).
    RwLockRead,
    /// `sync.RWMutex.Lock` (`semacquire`).
    RwLockWrite,
    /// A semaphore acquire (`select`, as x/sync's `Semaphore.Acquire`
    /// waits in one).
    Semaphore,
    /// `sync.Cond.Wait`.
    Cond,
    /// A `Once` or `OnceCell` being initialised by another goroutine
    /// (`semacquire`, Go's `Once.Do` waits on its mutex).
    Once,
    /// A `Barrier`.
    Barrier,
    /// `<-ctx.Done()` (`chan receive`).
    Context,
    /// Awaiting another goroutine's `JoinHandle`.
    Join,
    /// Network readiness (Go's `IO wait`).
    Io,
    /// A receive that can never complete: `<-ctx.Done()` on a context that
    /// cannot be cancelled, whose `Done` channel Go leaves nil.
    ChanRecvNil,
}

impl WaitReason {
    const ALL: [WaitReason; 19] = [
        WaitReason::Unknown,
        WaitReason::ChanSend,
        WaitReason::ChanRecv,
        WaitReason::Select,
        WaitReason::SelectNoCases,
        WaitReason::Sleep,
        WaitReason::Timer,
        WaitReason::WaitGroup,
        WaitReason::Mutex,
        WaitReason::RwLockRead,
        WaitReason::RwLockWrite,
        WaitReason::Semaphore,
        WaitReason::Cond,
        WaitReason::Once,
        WaitReason::Barrier,
        WaitReason::Context,
        WaitReason::Join,
        WaitReason::Io,
        WaitReason::ChanRecvNil,
    ];

    /// Go's spelling of the reason, as in `goroutine 7 [chan receive]:`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(goroutine::debug::WaitReason::Select.as_str(), "select");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            WaitReason::Unknown => "waiting",
            WaitReason::ChanSend => "chan send",
            WaitReason::ChanRecv => "chan receive",
            WaitReason::Select => "select",
            WaitReason::SelectNoCases => "select (no cases)",
            WaitReason::Sleep => "sleep",
            WaitReason::Timer => "timer",
            WaitReason::WaitGroup
            | WaitReason::Mutex
            | WaitReason::RwLockRead
            | WaitReason::RwLockWrite
            | WaitReason::Once => "semacquire",
            WaitReason::Semaphore => "select",
            WaitReason::Cond => "sync.Cond.Wait",
            WaitReason::Barrier => "barrier",
            WaitReason::Context => "chan receive",
            WaitReason::Join => "join",
            WaitReason::Io => "IO wait",
            WaitReason::ChanRecvNil => "chan receive (nil chan)",
        }
    }

    pub(crate) fn from_u8(v: u8) -> WaitReason {
        Self::ALL
            .get(usize::from(v))
            .copied()
            .unwrap_or(WaitReason::Unknown)
    }
}

impl fmt::Display for WaitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

thread_local! {
    /// Reason recorded by the leaf future polled last on this thread; taken
    /// by the goroutine wrapper when its poll returns `Pending`.
    static PENDING_REASON: Cell<WaitReason> = const { Cell::new(WaitReason::Unknown) };
}

/// Records why the goroutine being polled on this thread is about to wait.
///
/// Call it right before returning `Pending` from a leaf future. Outside a
/// goroutine it has no effect that anyone can observe, so it is safe to call
/// from futures that may run on other executors. The last call before the
/// goroutine's poll returns wins.
///
/// # Examples
///
/// ```
/// use std::task::Poll;
/// use goroutine::debug::{set_wait_reason, WaitReason};
///
/// fn poll_never() -> Poll<()> {
///     set_wait_reason(WaitReason::SelectNoCases);
///     Poll::Pending
/// }
/// assert!(poll_never().is_pending());
/// ```
#[inline]
pub fn set_wait_reason(reason: WaitReason) {
    let _ = PENDING_REASON.try_with(|r| r.set(reason));
}

/// Records `reason` like [`set_wait_reason`], unless something polled
/// earlier in the same poll already recorded one: for a future that waits
/// on an inner future (a timeout around a receive), so that the inner
/// future's more precise reason stays.
///
/// # Examples
///
/// ```
/// use goroutine::debug::{set_wait_reason, set_wait_reason_if_unset, WaitReason};
///
/// set_wait_reason(WaitReason::ChanRecv);
/// set_wait_reason_if_unset(WaitReason::Timer); // keeps ChanRecv
/// ```
#[inline]
pub fn set_wait_reason_if_unset(reason: WaitReason) {
    let _ = PENDING_REASON.try_with(|r| {
        if r.get() == WaitReason::Unknown {
            r.set(reason);
        }
    });
}

/// Takes (and clears) the reason recorded on this thread.
pub(crate) fn take_wait_reason() -> WaitReason {
    PENDING_REASON
        .try_with(|r| r.replace(WaitReason::Unknown))
        .unwrap_or(WaitReason::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_round_trips_through_its_byte() {
        for r in WaitReason::ALL {
            assert_eq!(WaitReason::from_u8(r as u8), r);
        }
        assert_eq!(WaitReason::from_u8(250), WaitReason::Unknown);
    }

    /// What Go 1.19 prints for the same waits (checked with `go run`: a
    /// WaitGroup, a Mutex and an RWMutex waiter show `semacquire`, a
    /// `<-ctx.Done()` shows `chan receive`).
    #[test]
    fn reasons_are_spelled_as_go_1_19_dumps_them() {
        for r in [
            WaitReason::WaitGroup,
            WaitReason::Mutex,
            WaitReason::RwLockRead,
            WaitReason::RwLockWrite,
            WaitReason::Once,
        ] {
            assert_eq!(r.as_str(), "semacquire", "{r:?}");
        }
        assert_eq!(WaitReason::Context.as_str(), "chan receive");
        assert_eq!(WaitReason::ChanRecvNil.as_str(), "chan receive (nil chan)");
        assert_eq!(WaitReason::Cond.as_str(), "sync.Cond.Wait");
        assert_eq!(WaitReason::Select.as_str(), "select");
        assert_eq!(WaitReason::SelectNoCases.as_str(), "select (no cases)");
    }

    #[test]
    fn taking_the_reason_clears_it() {
        set_wait_reason(WaitReason::Mutex);
        assert_eq!(take_wait_reason(), WaitReason::Mutex);
        assert_eq!(take_wait_reason(), WaitReason::Unknown);
    }
}
