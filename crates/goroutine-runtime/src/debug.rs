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
//! The listing covers every goroutine that has parked at least once (a
//! goroutine enters the runtime's registry on its first `Pending`), which
//! includes every goroutine that is waiting on something. Goroutines that
//! have only ever been runnable or running are counted in the dump's last
//! line rather than listed: keeping them out of the registry is what makes
//! short-lived goroutines cheap.

use std::fmt::Write as _;
use std::panic::Location;
use std::time::{Duration, Instant};

pub use crate::task::GoroutineState;
pub use crate::wait::{set_wait_reason, WaitReason};

use crate::runtime::current;
use crate::task::GoroutineId;

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
/// by id.
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
    let handle = current();
    let shared = &handle.shared;
    let now = Instant::now();
    shared.tick_clock(now);
    let now_ms = shared.clock_ms();
    let mut out = Vec::new();
    shared.registry.for_each(|meta| {
        let (state, reason, polls, since) = meta.debug_view();
        out.push(GoroutineInfo {
            id: meta.id(),
            name: shared.name_of(meta).map(|n| n.to_string()),
            location: meta.location(),
            state,
            wait_reason: (state == GoroutineState::Waiting).then_some(reason),
            since: Duration::from_millis(u64::from(now_ms.wrapping_sub(since))),
            polls,
        });
    });
    out.sort_by_key(|g| g.id);
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
/// assert!(text.contains("goroutines"));
/// # });
/// ```
pub fn dump() -> String {
    let handle = current();
    let list = goroutines();
    let mut s = String::new();
    for g in &list {
        let what = match (g.state, g.wait_reason) {
            (GoroutineState::Waiting, Some(r)) => r.to_string(),
            (state, _) => state.to_string(),
        };
        let _ = write!(s, "goroutine {} [{what}", g.id);
        if g.since >= Duration::from_secs(1) {
            let _ = write!(s, ", {}s", g.since.as_secs());
        }
        let _ = writeln!(s, "]:");
        if let Some(name) = &g.name {
            let _ = writeln!(s, "    name: {name}");
        }
        let _ = writeln!(s, "    created at {}, polled {} times", g.location, g.polls);
        s.push('\n');
    }
    let total = handle.num_goroutines();
    let unlisted = total.saturating_sub(list.len());
    let _ = writeln!(
        s,
        "{total} goroutines in all ({unlisted} running, runnable or in block_on that never parked)"
    );
    s
}
