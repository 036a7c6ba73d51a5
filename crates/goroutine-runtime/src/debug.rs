//! Looking inside a running program: which goroutines exist, what they wait
//! for, and for how long — Go's goroutine dump.
//!
//! ```
//! # goroutine::block_on(async {
//! let (tx, rx) = goroutine::chan::bounded::<i32>(0);
//! let h = goroutine::task::Builder::new()
//!     .name("waiter")
//!     .spawn(async move { rx.recv().await });
//! while !goroutine::debug::goroutines().iter().any(|g| g.name.as_deref() == Some("waiter")) {
//!     goroutine::yield_now().await;
//! }
//! print!("{}", goroutine::debug::dump());
//! drop(tx);
//! h.await.unwrap();
//! # });
//! ```
//!
//! The listing covers the main goroutine and every goroutine that has
//! parked at least once (a goroutine enters the runtime's registry on its
//! first `Pending`), which includes every goroutine that is waiting on
//! something. Goroutines that
//! have only ever been runnable or running are counted in the dump's last
//! line rather than listed: keeping them out of the registry is what makes
//! short-lived goroutines cheap.

use std::fmt::Write as _;
use std::panic::Location;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

pub use crate::task::GoroutineState;
pub use crate::wait::{set_wait_reason, set_wait_reason_if_unset, WaitReason};

use crate::loom::lock_std as lock;
use crate::runtime::current;
use crate::scheduler::Shared;
use crate::task::{GoroutineId, Meta};

/// A snapshot of one goroutine.
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// for g in goroutine::debug::goroutines() {
///     println!("goroutine {} [{}] created at {}", g.id, g.state, g.location);
/// }
/// # });
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct GoroutineInfo {
    /// Its id.
    pub id: GoroutineId,
    /// True for a main goroutine: a future run by `block_on` (or
    /// `#[goroutine::main]`) on its caller's thread.
    pub is_main: bool,
    /// Its name, if spawned through [`task::Builder::name`](crate::task::Builder::name).
    pub name: Option<String>,
    /// Where it was spawned.
    pub location: &'static Location<'static>,
    /// Runnable, running or waiting.
    pub state: GoroutineState,
    /// What it waits for, when waiting.
    pub wait_reason: Option<WaitReason>,
    /// How long it has been in `state` (to within a few milliseconds).
    pub since: Duration,
    /// How many times it has been polled (saturates at 16,777,215).
    pub polls: u64,
}

/// The goroutines of the current runtime that have parked at least once,
/// and the main goroutine, by id (main first).
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let (tx, rx) = goroutine::chan::bounded::<()>(0);
/// let h = goroutine::spawn(async move { rx.recv().await });
/// let id = h.id();
/// while !goroutine::debug::goroutines().iter().any(|g| g.id == id) {
///     goroutine::yield_now().await;
/// }
/// drop(tx);
/// h.await.unwrap();
/// # });
/// ```
pub fn goroutines() -> Vec<GoroutineInfo> {
    goroutines_of(&current().shared)
}

fn info(shared: &Shared, meta: &Meta, now_ms: u32, is_main: bool) -> GoroutineInfo {
    let (state, reason, polls, since) = meta.debug_view();
    GoroutineInfo {
        id: meta.id(),
        is_main,
        name: shared.name_of(meta).map(|n| n.to_string()),
        location: meta.location(),
        state,
        wait_reason: (state == GoroutineState::Waiting).then_some(reason),
        since: Duration::from_millis(u64::from(now_ms.wrapping_sub(since))),
        polls,
    }
}

/// Main goroutines (in `block_on`) first, then the registry, by id (a main
/// goroutine run on the workers has the lowest id of its program).
pub(crate) fn goroutines_of(shared: &Shared) -> Vec<GoroutineInfo> {
    shared.tick_clock(Instant::now());
    let now_ms = shared.clock_ms();
    let mut out: Vec<_> = lock(&shared.main_goroutines)
        .iter()
        .map(|m| info(shared, m, now_ms, true))
        .collect();
    let mains = out.len();
    // Relaxed: set before the main goroutine's spawn (see `spawn_main`).
    let main_task = shared.main_task_id.load(Relaxed);
    shared.registry.for_each(|meta| {
        let is_main = meta.id().as_u64() == main_task;
        out.push(info(shared, meta, now_ms, is_main));
    });
    out[mains..].sort_by_key(|g| g.id);
    out
}

/// A human-readable dump of [`goroutines`], in the spirit of Go's:
///
/// ```text
/// goroutine 7 [chan receive, 2s]:
///     name: ingest
///     created at src/main.rs:12:5, polled 3 times
/// ```
///
/// # Examples
///
/// ```
/// # goroutine::block_on(async {
/// let text = goroutine::debug::dump();
/// assert!(text.contains("goroutine")); // at least the main goroutine
/// # });
/// ```
pub fn dump() -> String {
    dump_of(&current().shared)
}

pub(crate) fn dump_of(shared: &Shared) -> String {
    let list = goroutines_of(shared);
    // Relaxed: see `goroutines_of`.
    let main_task = shared.main_task_id.load(Relaxed);
    let mut s = String::new();
    for g in &list {
        let what = match (g.state, g.wait_reason) {
            (GoroutineState::Waiting, Some(r)) => r.to_string(),
            (state, _) => state.to_string(),
        };
        let _ = write!(s, "goroutine {} [{what}", g.id);
        if g.since >= Duration::from_secs(60) {
            let _ = write!(s, ", {} minutes", g.since.as_secs() / 60);
        } else if g.since >= Duration::from_secs(1) {
            let _ = write!(s, ", {}s", g.since.as_secs());
        }
        let _ = writeln!(s, "]:");
        if let Some(name) = &g.name {
            let _ = writeln!(s, "    name: {name}");
        }
        let what = if g.is_main && g.id.as_u64() == main_task {
            "main goroutine, started at"
        } else if g.is_main {
            "main goroutine, in block_on at"
        } else {
            "created at"
        };
        let _ = writeln!(s, "    {what} {}, polled {} times", g.location, g.polls);
        s.push('\n');
    }
    let total = shared.num_goroutines();
    let unlisted = total.saturating_sub(list.len());
    if unlisted > 0 {
        let _ = writeln!(
            s,
            "... and {unlisted} more goroutines that have not waited yet (running or runnable)"
        );
    }
    s
}
