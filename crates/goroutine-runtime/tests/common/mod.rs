//! Set-ups shared by the tests of where wake-ups queue (`rt_timer.rs`,
//! `rt_io.rs`): one busy worker with goroutines waiting in the global
//! queue.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use goroutine::runtime::{Builder, Handle, Runtime};

/// One worker and no monitor: nothing else moves goroutines around.
pub(crate) fn one_worker_no_monitor() -> Runtime {
    Builder::new()
        .workers(1)
        .blocking_threshold(None)
        .build()
        .unwrap()
}

/// Spawns `n` goroutines that yield until `stop`: they keep the worker's
/// local queue busy, so the global queue is served only once every 61
/// ticks. Call it from a goroutine or `block_on` of the runtime.
pub(crate) fn keep_local_queue_busy(n: usize, stop: &Arc<AtomicBool>) {
    for _ in 0..n {
        let stop = stop.clone();
        goroutine::spawn(async move {
            while !stop.load(SeqCst) {
                goroutine::yield_now().await;
            }
        });
    }
}

/// From a plain thread, where every spawn goes to the global queue: `n`
/// goroutines that each count themselves in `ran`.
pub(crate) fn inject_counted(handle: &Handle, n: usize, ran: &Arc<AtomicUsize>) {
    for _ in 0..n {
        let ran = ran.clone();
        drop(handle.spawn(async move {
            ran.fetch_add(1, SeqCst);
        }));
    }
}
