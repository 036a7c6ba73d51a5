//! Arming a context's deadline: run a function once a duration has passed,
//! unless stopped first (Go's `time.AfterFunc`).
//!
//! TODO(lead): switch to goroutine_time::after_func. This whole file then
//! becomes
//!
//! ```ignore
//! pub(crate) type DeadlineGuard = goroutine_time::Timer;
//! pub(crate) fn arm_deadline(d: Duration, f: impl FnOnce() + Send + 'static) -> DeadlineGuard {
//!     goroutine_time::after_func(d, f)
//! }
//! ```
//!
//! Until then: one lazily started helper thread sleeps on a condition
//! variable until the earliest deadline in a binary heap. Stopped entries
//! stay in the heap until their time comes (then they are skipped).

use std::cmp::Ordering as CmpOrdering;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::loom::lock_std;
use crate::loom::std_sync::{Arc, Condvar, Mutex, OnceLock};

/// Stops an armed deadline; `stop` is `goroutine_time::Timer::stop`'s
/// contract: true if the call stopped the function from running.
#[derive(Debug)]
pub(crate) struct DeadlineGuard {
    fired_or_stopped: Arc<AtomicBool>,
}

impl DeadlineGuard {
    pub(crate) fn stop(&self) -> bool {
        // AcqRel: whoever flips the flag first owns the entry's fate.
        !self.fired_or_stopped.swap(true, Ordering::AcqRel)
    }
}

/// Runs `f` on the helper thread once `d` has passed, unless stopped.
pub(crate) fn arm_deadline(d: Duration, f: impl FnOnce() + Send + 'static) -> DeadlineGuard {
    let flag = Arc::new(AtomicBool::new(false));
    let timers = timers();
    let entry = Entry {
        at: Instant::now().checked_add(d).unwrap_or_else(far_future),
        flag: flag.clone(),
        f: Box::new(f),
    };
    let mut heap = lock_std(&timers.heap);
    let earliest = heap.peek().is_none_or(|top| entry.at < top.at);
    heap.push(entry);
    drop(heap);
    if earliest {
        timers.wake.notify_one();
    }
    DeadlineGuard {
        fired_or_stopped: flag,
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600)
}

struct Entry {
    at: Instant,
    flag: Arc<AtomicBool>,
    f: Box<dyn FnOnce() + Send>,
}

// Ordered by deadline, reversed: `BinaryHeap` is a max-heap.
impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        self.at == other.at
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Entry) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Entry) -> CmpOrdering {
        other.at.cmp(&self.at)
    }
}

struct Timers {
    heap: Mutex<BinaryHeap<Entry>>,
    wake: Condvar,
}

fn timers() -> &'static Timers {
    static TIMERS: OnceLock<&'static Timers> = OnceLock::new();
    TIMERS.get_or_init(|| {
        let timers: &'static Timers = Box::leak(Box::new(Timers {
            heap: Mutex::new(BinaryHeap::new()),
            wake: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("goroutine-context-deadlines".into())
            .spawn(move || run(timers))
            .expect("goroutine-sync: cannot start the context deadline thread");
        timers
    })
}

fn run(timers: &'static Timers) {
    let mut heap = lock_std(&timers.heap);
    loop {
        let now = Instant::now();
        let wait = match heap.peek() {
            None => None,
            Some(top) if top.at <= now => {
                let entry = heap.pop().expect("peeked");
                drop(heap);
                if !entry.flag.swap(true, Ordering::AcqRel) {
                    (entry.f)();
                }
                heap = lock_std(&timers.heap);
                continue;
            }
            Some(top) => Some(top.at - now),
        };
        heap = match wait {
            None => timers.wake.wait(heap).unwrap_or_else(|p| p.into_inner()),
            Some(d) => {
                timers
                    .wake
                    .wait_timeout(heap, d)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
        };
    }
}
