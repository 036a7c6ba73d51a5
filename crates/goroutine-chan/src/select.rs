//! The `select!` runtime: claim cells, the arm context, and the driver that
//! polls arms.
//!
//! # How a select runs (one poll)
//!
//! 1. If an arm already won (see 3), poll only that arm, outside any select
//!    context, until it is ready.
//! 2. If the select has parked anywhere, it has a claim cell; store the
//!    current waker in it, and if a counterparty claimed the cell for arm
//!    `w`, arm `w` won: go to 1.
//! 3. Otherwise poll every enabled arm once, in a fresh uniformly random
//!    order (written order with `biased;`), each inside an *arm context*
//!    (a thread-local naming the select's cell and the arm). The channel
//!    operations of this crate read it: before moving any value they claim
//!    the cell for their arm (see "Claims" in [`chan`](crate::chan)), and
//!    when they must wait they park with the cell instead of a plain waker
//!    (the cell is allocated then, by the first arm that parks). An arm
//!    whose operation committed wins, even if its future is not finished
//!    (an `async` block may do more after it). Any other future that
//!    becomes ready claims the cell when it does; if that claim fails,
//!    another arm won at the same moment and the output is dropped.
//!    A select that has not parked yet does this in two passes, as Go's
//!    `selectgo` does: in the first, operations that would park *decline*
//!    (return `Pending` without registering); only if no arm was ready are
//!    the declining arms polled again, this time allowed to park. So a
//!    select whose first pass finds a ready arm has registered nowhere
//!    (the first pass's last arm may park at once: nothing before it was
//!    ready, so a one-armed select takes one pass). An operation polled
//!    with a waker other than the select's (the child waker of a
//!    combinator such as `FuturesUnordered`, which polls a child again
//!    only when that child's waker fired) wakes its own waker when it
//!    declines, and never creates the claim cell, which always holds the
//!    select's own waker (the select creates it before the second pass).
//!    An arm that commits while still `Pending` is driven again at once as
//!    the winner (see 1), so that any of its operations that declined, or
//!    parked under the cell it just claimed, registers as its own.
//!
//!    Known limit: an operation under such a combinator that parked under
//!    the cell is woken through the select's waker only, and a registration
//!    of it that a claim made dead (another arm won, a refutable pattern
//!    failed) is not re-polled by its combinator; a `FuturesUnordered` arm
//!    can then wait for ever. Channel operations written directly in an arm
//!    (or in `async` blocks and `join`-style futures that poll every child)
//!    are not affected.
//! 4. With `default` nothing parks: there is only the first pass, and if no
//!    arm is ready, `default` runs.
//!
//! A select polled inside an arm of another select nests: the inner arm
//! context keeps the outer one as its parent, and an operation's claim
//! takes every level (all or nothing, reverted together), so a value never
//! moves for an inner select whose enclosing arm has lost.
//!
//! The cell is an `AtomicU32`, `WAITING` until one CAS writes the winning
//! arm; it also keeps the select's waker, which counterparties clone after
//! a successful claim. A refutable pattern that does not match disables its
//! arm; if that arm had claimed the cell, the cell is abandoned (dead
//! registrations of the other arms are skipped by counterparties) and the
//! pass restarts, so every arm re-parks under a fresh cell.

use crate::loom::atomic::{AtomicU32, Ordering};
use crate::loom::{lock, thread_local_cell, Arc, Mutex};
use crate::waiters::Notify;
use goroutine_runtime::coop;
use goroutine_runtime::debug::{set_wait_reason, WaitReason};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::task::{Context, Poll, Waker};

/// Cell value before any arm won.
const WAITING: u32 = u32::MAX;

/// One select's claim: which arm won, and whom to wake.
///
/// ```text
/// WAITING --CAS by a counterparty or by the select's own operation--> arm
/// arm     --revert, only by the select itself, see chan.rs--> WAITING
/// ```
pub(crate) struct SelectCell {
    state: AtomicU32,
    /// The select's waker: always the one the select itself was polled
    /// with (a cell is never created with a combinator's child waker).
    waker: Mutex<Waker>,
}

/// How an operation's claim of its own select went.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum OwnClaim {
    /// This call moved the cell from `WAITING` to our arm.
    Fresh,
    /// Our arm had already won.
    Already,
    /// Another arm won.
    Lost,
}

impl SelectCell {
    fn new(waker: Waker) -> SelectCell {
        SelectCell {
            state: AtomicU32::new(WAITING),
            waker: Mutex::new(waker),
        }
    }

    /// A counterparty claims the select for `arm`. Called under the lock of
    /// the channel whose value is about to move.
    pub(crate) fn try_claim(&self, arm: u8) -> bool {
        // AcqRel/Acquire: the winner's value moves are ordered by the channel
        // lock; these orderings make the cell itself a clean one-shot flag.
        self.state
            .compare_exchange(WAITING, u32::from(arm), Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    fn claim_own(&self, arm: u8) -> OwnClaim {
        // AcqRel/Acquire: as in `try_claim`.
        match self.state.compare_exchange(
            WAITING,
            u32::from(arm),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => OwnClaim::Fresh,
            Err(cur) if cur == u32::from(arm) => OwnClaim::Already,
            Err(_) => OwnClaim::Lost,
        }
    }

    /// Undoes a `Fresh` own claim (see "Claims" in `chan.rs`).
    fn unclaim(&self) {
        // Release: pairs with the Acquire of a later claimer's CAS.
        self.state.store(WAITING, Ordering::Release);
    }

    pub(crate) fn is_claimed(&self) -> bool {
        // Acquire: pairs with the winning claim's Release (see `try_claim`).
        self.state.load(Ordering::Acquire) != WAITING
    }

    fn winner(&self) -> Option<usize> {
        // Acquire: pairs with the winning claim's Release (see `try_claim`).
        match self.state.load(Ordering::Acquire) {
            WAITING => None,
            arm => Some(arm as usize),
        }
    }

    /// The select's current waker.
    pub(crate) fn waker(&self) -> Waker {
        lock(&self.waker).clone()
    }

    fn set_waker(&self, waker: &Waker) {
        let mut w = lock(&self.waker);
        if !w.will_wake(waker) {
            w.clone_from(waker);
        }
    }
}

/// A waker's identity (what `Waker::will_wake` compares), kept without
/// cloning the waker.
#[derive(Clone, Copy, PartialEq, Eq)]
struct WakerId(usize, usize);

impl WakerId {
    fn of(waker: &Waker) -> WakerId {
        WakerId(
            waker.data() as usize,
            std::ptr::from_ref(waker.vtable()) as usize,
        )
    }
}

/// What the channel operations of an arm see while the select polls it.
struct ArmCtx {
    /// The select's claim cell, once some arm parked.
    cell: Option<Arc<SelectCell>>,
    arm: u8,
    /// False with `default`: operations only try, they never park.
    can_park: bool,
    /// The first pass of a select that has not parked yet: an operation
    /// that would park *declines* instead (see `declined`).
    defer_park: bool,
    /// The select's own waker, to tell its direct operations from those
    /// polled with another waker, such as the child waker of a combinator
    /// like `FuturesUnordered` (compared by identity, never called). Such
    /// an operation that declines wakes its own waker, since the combinator
    /// polls a child again only when that child's waker fires; and it never
    /// creates the claim cell, which must hold the select's waker.
    select_waker: WakerId,
    /// An operation of this arm declined to park.
    declined: bool,
    /// An operation of this arm claimed the select: later operations of the
    /// same arm (in this poll) run as plain ones.
    committed: bool,
    /// This level's claim was made by the operation being polled now (so it
    /// may revert it); cleared when that operation's poll ends.
    fresh: bool,
    /// The arm of an enclosing select, when this select is itself polled
    /// inside one: an operation that commits here must win there too, or a
    /// value it moved could be dropped with this select's output.
    parent: Option<Box<ArmCtx>>,
}

impl ArmCtx {
    /// The context of a pass; its per-arm fields are set before each arm by
    /// [`Pass::begin_arm`].
    fn for_pass(
        cell: Option<Arc<SelectCell>>,
        can_park: bool,
        select_waker: WakerId,
        parent: Option<Box<ArmCtx>>,
    ) -> ArmCtx {
        ArmCtx {
            cell,
            arm: 0,
            can_park,
            defer_park: false,
            select_waker,
            declined: false,
            committed: false,
            fresh: false,
            parent,
        }
    }

    /// Claims this level, then the enclosing ones; all or nothing.
    fn claim(&mut self) -> bool {
        if self.committed {
            return true;
        }
        let claim = match &self.cell {
            None => OwnClaim::Fresh,
            Some(cell) => cell.claim_own(self.arm),
        };
        if claim == OwnClaim::Lost {
            return false;
        }
        if let Some(parent) = &mut self.parent {
            if !parent.claim() {
                if claim == OwnClaim::Fresh {
                    if let Some(cell) = &self.cell {
                        cell.unclaim();
                    }
                }
                return false;
            }
        }
        self.committed = true;
        self.fresh = claim == OwnClaim::Fresh;
        true
    }

    /// Reverts the claims made by the current operation, at every level.
    /// Returns whether a cell went back to `WAITING`.
    fn revert(&mut self) -> bool {
        let mut unclaimed = false;
        if std::mem::take(&mut self.fresh) {
            self.committed = false;
            if let Some(cell) = &self.cell {
                cell.unclaim();
                unclaimed = true;
            }
        }
        if let Some(parent) = &mut self.parent {
            unclaimed |= parent.revert();
        }
        unclaimed
    }

    fn end_operation(&mut self) {
        self.fresh = false;
        if let Some(parent) = &mut self.parent {
            parent.end_operation();
        }
    }

    fn is_own_cell(&self, cell: &Arc<SelectCell>) -> bool {
        self.cell.as_ref().is_some_and(|own| Arc::ptr_eq(own, cell))
            || self.parent.as_ref().is_some_and(|p| p.is_own_cell(cell))
    }
}

thread_local_cell! {
    /// The context of the select pass running on this thread, if any. It
    /// stays in place for a whole pass over the arms: the select rewrites
    /// the per-arm fields before each arm, and operations borrow it where
    /// it is, so nothing is moved in or out per arm.
    static ARM: RefCell<Option<ArmCtx>> = RefCell::new(None);
}

thread_local_cell! {
    /// Whether [`ARM`] holds a context: a plain `bool` with no destructor,
    /// so reading it is one thread-relative load, where `ARM` (whose value
    /// needs dropping) first checks that its destructor is registered. A
    /// plain `send`/`recv` outside any `select!` only reads this.
    static IN_ARM: Cell<bool> = Cell::new(false);
}

/// A channel operation's view of the select it runs in, if any: borrowed
/// in place from the thread-local for the length of one poll by
/// [`Own::with`].
pub(crate) struct Own<'a> {
    ctx: Option<&'a mut ArmCtx>,
    /// Wake the operation's own waker when the context is no longer
    /// borrowed: a claim was reverted (the select must poll all its arms
    /// again), or an operation under a combinator's child waker declined
    /// (its combinator polls it again only when that waker fires).
    wake_self: bool,
}

/// How the running operation relates to a registration.
enum Mode<'a> {
    Plain,
    Select(Option<&'a Arc<SelectCell>>),
}

/// Whether a `select!` arm is being polled on this thread: if not, a
/// channel operation runs as [`Plain`] and never touches [`ARM`].
#[inline]
pub(crate) fn in_arm() -> bool {
    IN_ARM.with(Cell::get)
}

/// What a channel operation needs from the select it runs in (see "Claims"
/// in [`chan`](crate::chan)). The channel's protocol is written once,
/// generic over this; [`Plain`] instantiates it for operations outside any
/// select, where every method is trivial and inlines away.
pub(crate) trait OpCtx {
    /// Claims our own select for our arm (and any enclosing select for the
    /// arm this one runs in); always true outside a select. Must succeed
    /// before this operation moves any value.
    fn claim(&mut self) -> bool;

    /// Undoes this operation's own claims after the counterparty's claim
    /// failed.
    fn revert(&mut self);

    /// Is `cell` the cell of the select this operation runs in (or of one
    /// enclosing it)? Such a waiter is ourselves: never pair with it.
    fn is_own_cell(&self, cell: &Arc<SelectCell>) -> bool;

    /// Was `notify` registered by an operation polled the way this one is?
    fn same_registration(&self, notify: &Notify) -> bool;

    /// How to park: a plain waker, or the select's cell (created now if this
    /// is the select's first parked arm). `None`: must not park (`default`).
    fn park(&mut self, cx: &Context<'_>) -> Option<(Notify, u8)>;
}

/// An operation outside any select: `try_*`, give-back, refill, and every
/// `send`/`recv` polled outside a `select!` arm.
pub(crate) struct Plain;

impl OpCtx for Plain {
    #[inline]
    fn claim(&mut self) -> bool {
        true
    }

    #[inline]
    fn revert(&mut self) {}

    #[inline]
    fn is_own_cell(&self, _: &Arc<SelectCell>) -> bool {
        false
    }

    #[inline]
    fn same_registration(&self, notify: &Notify) -> bool {
        matches!(notify, Notify::Task(_) | Notify::Select(None))
    }

    #[inline]
    fn park(&mut self, cx: &Context<'_>) -> Option<(Notify, u8)> {
        Some((Notify::Task(cx.waker().clone()), 0))
    }
}

impl OpCtx for Own<'_> {
    fn claim(&mut self) -> bool {
        match &mut self.ctx {
            None => true,
            Some(ctx) => ctx.claim(),
        }
    }

    fn revert(&mut self) {
        if let Some(ctx) = &mut self.ctx {
            if ctx.revert() {
                self.wake_self = true;
            }
        }
    }

    fn is_own_cell(&self, cell: &Arc<SelectCell>) -> bool {
        self.ctx.as_ref().is_some_and(|ctx| ctx.is_own_cell(cell))
    }

    fn same_registration(&self, notify: &Notify) -> bool {
        match (notify, self.mode()) {
            (Notify::Task(_) | Notify::Select(None), Mode::Plain) => true,
            (Notify::Select(Some(c)), Mode::Select(Some(own))) => Arc::ptr_eq(c, own),
            _ => false,
        }
    }

    fn park(&mut self, cx: &Context<'_>) -> Option<(Notify, u8)> {
        match &mut self.ctx {
            Some(ctx) if !ctx.committed => {
                let direct = WakerId::of(cx.waker()) == ctx.select_waker;
                if !ctx.can_park {
                    // `default`: never park. A combinator's child must still
                    // be polled again by its combinator (woken once the
                    // context is no longer borrowed, see `Own::with`).
                    self.wake_self |= !direct;
                    return None;
                }
                if ctx.defer_park || (!direct && ctx.cell.is_none()) {
                    // The second pass parks it (under a cell the select
                    // creates with its own waker).
                    ctx.declined = true;
                    self.wake_self |= !direct;
                    return None;
                }
                let cell = ctx
                    .cell
                    .get_or_insert_with(|| Arc::new(SelectCell::new(cx.waker().clone())));
                Some((Notify::Select(Some(cell.clone())), ctx.arm))
            }
            _ => Some((Notify::Task(cx.waker().clone()), 0)),
        }
    }
}

impl Own<'_> {
    /// Runs one operation's poll inside a select arm with the arm's context,
    /// borrowed where it lies in the thread-local. Nothing in `op` polls
    /// another arm or future, and nothing in it wakes a waker: it locks one
    /// channel and defers wake-ups and drops to after the unlock, and its
    /// own wake-up to after the borrow (a waker may run code that polls a
    /// channel operation at once, which would look for the context).
    #[inline]
    pub(crate) fn with<R>(cx: &Context<'_>, op: impl FnOnce(&mut Own<'_>) -> R) -> R {
        let (out, wake_self) = ARM.with(|c| {
            let mut slot = c.borrow_mut();
            let mut own = Own {
                ctx: slot.as_mut(),
                wake_self: false,
            };
            let out = op(&mut own);
            if let Some(ctx) = &mut own.ctx {
                ctx.end_operation();
            }
            (out, own.wake_self)
        });
        // Outside the thread-local access: a foreign executor's waker may
        // run code of its own.
        if wake_self {
            cx.waker().wake_by_ref();
        }
        out
    }

    fn mode(&self) -> Mode<'_> {
        match &self.ctx {
            Some(ctx) if !ctx.committed => Mode::Select(ctx.cell.as_ref()),
            _ => Mode::Plain,
        }
    }
}

/// One pass of a select over its arms: puts the select's context in place
/// in the thread-local for the whole pass, with the context of any
/// enclosing select as its parent, and restores that one when the pass
/// ends, also on unwind.
struct Pass {
    active: bool,
}

/// What one arm's poll left in the context.
struct ArmOutcome {
    /// An operation of the arm declined to park.
    declined: bool,
    /// An operation of the arm claimed the select.
    committed: bool,
    /// The select has a claim cell.
    has_cell: bool,
    /// The arm the cell is claimed for, if any.
    winner: Option<usize>,
}

impl Pass {
    fn enter(cell: Option<Arc<SelectCell>>, can_park: bool, select_waker: WakerId) -> Pass {
        ARM.with(|c| {
            let mut slot = c.borrow_mut();
            let parent = slot.take().map(Box::new);
            *slot = Some(ArmCtx::for_pass(cell, can_park, select_waker, parent));
        });
        IN_ARM.with(|f| f.set(true));
        Pass { active: true }
    }

    /// Runs `f` on this pass's context.
    #[inline]
    fn ctx<R>(&self, f: impl FnOnce(&mut ArmCtx) -> R) -> R {
        ARM.with(|c| {
            f(c.borrow_mut()
                .as_mut()
                .expect("select: arm context missing"))
        })
    }

    /// Makes the context that of arm `arm`, fresh, for its poll.
    #[inline]
    fn begin_arm(&self, arm: u8, defer_park: bool) {
        self.ctx(|ctx| {
            ctx.arm = arm;
            ctx.defer_park = defer_park;
            ctx.declined = false;
            ctx.committed = false;
            ctx.fresh = false;
        });
    }

    #[inline]
    fn end_arm(&self) -> ArmOutcome {
        self.ctx(|ctx| ArmOutcome {
            declined: ctx.declined,
            committed: ctx.committed,
            has_cell: ctx.cell.is_some(),
            winner: ctx.cell.as_ref().and_then(|c| c.winner()),
        })
    }

    /// Claims the cell for arm `i` on behalf of a future that is not a
    /// channel operation of this crate.
    fn claim_for(&self, i: usize) -> bool {
        self.ctx(|ctx| match &ctx.cell {
            None => true,
            Some(cell) => cell.claim_own(i as u8) != OwnClaim::Lost,
        })
    }

    /// Ends the pass; gives back the select's cell.
    fn leave(mut self) -> Option<Arc<SelectCell>> {
        self.active = false;
        ARM.with(|c| {
            let mut slot = c.borrow_mut();
            let mut ctx = slot.take().expect("select: arm context missing");
            let parent = ctx.parent.take().map(|p| *p);
            IN_ARM.with(|f| f.set(parent.is_some()));
            *slot = parent;
            ctx.cell
        })
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        if self.active {
            // Our context (its cell holds a waker) is dropped after the
            // borrow ends.
            let _ours = ARM.try_with(|c| {
                let mut slot = c.try_borrow_mut().ok()?;
                let mut ours = slot.take()?;
                let parent = ours.parent.take().map(|p| *p);
                let _ = IN_ARM.try_with(|f| f.set(parent.is_some()));
                *slot = parent;
                Some(ours)
            });
        }
    }
}

thread_local_cell! {
    /// wyrand state for arm order.
    static RNG: Cell<u64> = Cell::new(0);
}

/// A fast thread-local random number (wyrand), seeded once per thread.
fn random_u64() -> u64 {
    RNG.with(|s| {
        let mut x = s.get();
        if x == 0 {
            x = seed();
        }
        x = x.wrapping_add(0xa076_1d64_78bd_642f);
        s.set(x);
        let t = u128::from(x).wrapping_mul(u128::from(x ^ 0xe703_7ed1_a0b4_28db));
        ((t >> 64) ^ t) as u64
    })
}

#[cfg(not(loom))]
fn seed() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(0x9e37_79b9_7f4a_7c15_u64) | 1
}

#[cfg(loom)]
fn seed() -> u64 {
    // loom needs every execution to be deterministic.
    0x2545_f491_4f6c_dd1d
}

/// Picks arms in a uniformly random order, drawing one random word for
/// several picks: the word is a fraction in [0, 1); multiplying it by the
/// number of candidates gives the pick in the high half and leaves the
/// fraction for the next pick in the low half. The picks taken from one
/// word are together the word times the product of their candidate
/// counts, over 2^64, written in mixed radix; so each pick is uniform given
/// the earlier ones up to a relative error of that product over 2^64. With
/// at most 64 candidates and [`PICKS_PER_WORD`] picks per word, that is at
/// most 2^-40 (one draw per pick with Lemire's 32-bit multiply-shift, used
/// before, had count / 2^32).
struct Shuffle {
    word: u64,
    /// Picks `word` can still serve.
    picks_left: u8,
}

/// See [`Shuffle`].
const PICKS_PER_WORD: u8 = 4;

impl Shuffle {
    fn new() -> Shuffle {
        Shuffle {
            word: 0,
            picks_left: 0,
        }
    }

    /// A uniformly random set bit of `mask`, which has `count` (> 0) bits
    /// set.
    #[inline]
    fn pick(&mut self, mask: u64, count: u32) -> usize {
        debug_assert_eq!(mask.count_ones(), count);
        if count == 1 {
            return mask.trailing_zeros() as usize;
        }
        if self.picks_left == 0 {
            self.word = random_u64();
            self.picks_left = PICKS_PER_WORD;
        }
        self.picks_left -= 1;
        let wide = u128::from(self.word) * u128::from(count);
        self.word = wide as u64;
        let mut nth = (wide >> 64) as u32;
        let mut m = mask;
        while nth > 0 {
            m &= m - 1;
            nth -= 1;
        }
        m.trailing_zeros() as usize
    }
}

/// What one poll of one arm gave (built by the `select!` expansion).
#[doc(hidden)]
#[derive(Debug)]
pub enum ArmPoll<O> {
    /// The arm's future finished and its output matches the arm's pattern.
    Ready(O),
    /// The arm's future finished but its output does not match the pattern.
    Mismatch,
    /// Not finished.
    Pending,
}

/// The state of one `select!` while it waits (used by the macro expansion).
#[doc(hidden)]
pub struct Select {
    cell: Option<Arc<SelectCell>>,
    enabled: u64,
    winner: Option<u8>,
    biased: bool,
    has_default: bool,
}

impl fmt::Debug for Select {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("enabled", &format_args!("{:#b}", self.enabled))
            .field("winner", &self.winner)
            .field("parked", &self.cell.is_some())
            .finish()
    }
}

impl Select {
    /// `enabled`: bit `i` set for each arm whose guard held.
    pub fn new(enabled: u64, biased: bool, has_default: bool) -> Select {
        Select {
            cell: None,
            enabled,
            winner: None,
            biased,
            has_default,
        }
    }

    /// Polls the select. `arms(i, cx)` polls arm `i`. `Ready(None)` means
    /// the `default` arm runs.
    pub fn poll<O>(
        &mut self,
        cx: &mut Context<'_>,
        mut arms: impl FnMut(usize, &mut Context<'_>) -> ArmPoll<O>,
    ) -> Poll<Option<O>> {
        'outer: loop {
            // 1. A winner is known: drive it, plainly.
            if let Some(w) = self.winner {
                let w = usize::from(w);
                match arms(w, cx) {
                    ArmPoll::Ready(out) => return Poll::Ready(Some(out)),
                    ArmPoll::Pending => return Poll::Pending,
                    ArmPoll::Mismatch => {
                        self.enabled &= !(1 << w);
                        self.winner = None;
                        self.cell = None;
                        continue;
                    }
                }
            }
            // 2. Claimed by a counterparty while we slept?
            if let Some(cell) = &self.cell {
                cell.set_waker(cx.waker());
                if let Some(w) = cell.winner() {
                    self.winner = Some(w as u8);
                    continue;
                }
            }
            if self.enabled == 0 {
                if self.has_default {
                    return Poll::Ready(None);
                }
                // Every arm disabled (Go's nil channels, or patterns that
                // did not match): wait forever. Go shows a goroutine whose
                // cases are all nil channels as `[select]`, and keeps
                // `select (no cases)` for `select {}` (our `forever`).
                set_wait_reason(WaitReason::Select);
                return Poll::Pending;
            }
            // 3. Go's `selectgo` in two passes: while nothing is parked yet,
            // first try every arm without registering anywhere, so an arm
            // that is ready costs no registration (and no cell, no
            // unregistering) on the others; only if none is ready, poll the
            // arms that would have parked once more, letting them park.
            // With `default` there is only the first pass.
            let first_pass_only = self.has_default;
            // Already parked: arms check their registrations in one pass.
            let mut second_pass = self.cell.is_some() && !first_pass_only;
            let select_waker = WakerId::of(cx.waker());
            let pass = Pass::enter(self.cell.take(), !first_pass_only, select_waker);
            let mut left = self.enabled;
            let mut left_count = left.count_ones();
            let mut declined = 0u64;
            let mut order = Shuffle::new();
            let step = loop {
                if left == 0 {
                    if second_pass || first_pass_only || declined == 0 {
                        break Step::Exhausted;
                    }
                    left = declined & self.enabled;
                    left_count = left.count_ones();
                    declined = 0;
                    second_pass = true;
                    // Created here, with the select's own waker, so that an
                    // operation under a combinator can park in this pass.
                    pass.ctx(|ctx| {
                        ctx.cell
                            .get_or_insert_with(|| Arc::new(SelectCell::new(cx.waker().clone())));
                    });
                    continue;
                }
                let i = if self.biased {
                    left.trailing_zeros() as usize
                } else {
                    order.pick(left, left_count)
                };
                left &= !(1 << i);
                left_count -= 1;
                // The first pass's last arm may park at once: no arm before
                // it was ready, and the second pass would park it anyway (a
                // one-armed select thus takes one pass, not two).
                let defer_park = !second_pass && left != 0;
                pass.begin_arm(i as u8, defer_park);
                let polled = arms(i, cx);
                let arm = pass.end_arm();
                if arm.declined {
                    declined |= 1 << i;
                }
                match polled {
                    ArmPoll::Ready(out) => {
                        if arm.committed || pass.claim_for(i) {
                            break Step::Ready(out);
                        }
                        // Another arm won at the same moment; this future is
                        // finished, so it can never run again (its output is
                        // dropped once the pass has ended).
                        self.enabled &= !(1 << i);
                        break Step::Again(Some(out));
                    }
                    ArmPoll::Mismatch => {
                        self.enabled &= !(1 << i);
                        if arm.has_cell && (arm.committed || arm.winner == Some(i)) {
                            // The cell is claimed for a disabled arm: abandon
                            // it and let every arm park again under a new one.
                            drop(pass.ctx(|ctx| ctx.cell.take()));
                            break Step::Again(None);
                        }
                    }
                    ArmPoll::Pending if arm.committed => {
                        // The arm won, but an operation of it that came
                        // before the committing one may have declined to
                        // park, or parked under the cell it has just claimed
                        // (a registration counterparties now skip): drive
                        // the winner again at once, plainly, so that every
                        // operation it waits on is registered as its own.
                        self.winner = Some(i as u8);
                        break Step::Again(None);
                    }
                    ArmPoll::Pending => {}
                }
                if arm.winner.is_some() {
                    break Step::Again(None);
                }
            };
            self.cell = pass.leave();
            match step {
                Step::Ready(out) => return Poll::Ready(Some(out)),
                Step::Again(lost) => {
                    drop(lost);
                    continue 'outer;
                }
                Step::Exhausted => {}
            }
            if self.has_default {
                if !coop::has_budget_remaining() {
                    // The arms may be Pending only because the goroutine's
                    // budget is spent (an operation then does not look at
                    // its channel). Running `default` now would turn a
                    // `loop { select! { .., default => .. } }` into a spin
                    // that never yields and so never sees a ready arm
                    // again: yield instead (Go's loop keeps receiving).
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                return Poll::Ready(None);
            }
            set_wait_reason(WaitReason::Select);
            return Poll::Pending;
        }
    }
}

/// How a pass over the arms ended.
enum Step<O> {
    /// An arm won with this output.
    Ready(O),
    /// Start the poll over (a winner is known, or the cell was claimed or
    /// abandoned); the output of an arm that lost a race is dropped.
    Again(Option<O>),
    /// Every arm was polled and none is ready.
    Exhausted,
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn shuffle_picks_only_set_bits_and_reaches_each() {
        let mask = 0b1010_0110u64;
        let mut seen = 0u64;
        let mut order = Shuffle::new();
        for _ in 0..if cfg!(miri) { 200 } else { 2000 } {
            let i = order.pick(mask, mask.count_ones());
            assert!(mask & (1 << i) != 0);
            seen |= 1 << i;
        }
        assert_eq!(seen, mask);
        assert_eq!(order.pick(1 << 63, 1), 63);
    }

    #[test]
    #[cfg_attr(miri, ignore = "statistical: needs many draws")]
    fn shuffle_orders_four_arms_in_each_of_the_24_orders_equally_often() {
        // Draw whole orders of 4 arms, as a select's pass does, and count
        // each of the 4! orders. Each count is Binomial(n, 1/24); a count
        // more than 6 standard deviations from n/24 has a chance below
        // 2e-9, so with 24 counts a correct shuffle fails this test with a
        // chance below 5e-8, while a shuffle that reused its bits badly (or
        // favoured an arm by a few percent) shows up as several sigmas.
        let n = 240_000u32;
        let mut counts = [0u32; 24];
        let mut order = Shuffle::new();
        for _ in 0..n {
            let mut left = 0b1111u64;
            let mut code = 0usize;
            while left != 0 {
                let i = order.pick(left, left.count_ones());
                // Position of `i` among the arms still left: a digit of the
                // order's number in the factorial number system.
                let digit = (left & ((1 << i) - 1)).count_ones() as usize;
                code = code * (left.count_ones() as usize) + digit;
                left &= !(1 << i);
            }
            counts[code] += 1;
        }
        let expected = f64::from(n) / 24.0;
        let sigma = (expected * (1.0 - 1.0 / 24.0)).sqrt();
        for (code, &c) in counts.iter().enumerate() {
            assert!(
                (f64::from(c) - expected).abs() < 6.0 * sigma,
                "order {code} drawn {c} times, expected {expected:.0} +- {sigma:.0}: {counts:?}"
            );
        }
    }

    #[test]
    fn cell_is_claimed_once() {
        let cell = SelectCell::new(Waker::noop().clone());
        assert!(!cell.is_claimed());
        assert_eq!(cell.claim_own(3), OwnClaim::Fresh);
        assert_eq!(cell.claim_own(3), OwnClaim::Already);
        assert!(!cell.try_claim(1));
        assert_eq!(cell.claim_own(2), OwnClaim::Lost);
        cell.unclaim();
        assert!(cell.try_claim(1));
        assert_eq!(cell.winner(), Some(1));
    }
}
