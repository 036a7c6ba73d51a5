//! Dropping a runtime ends its goroutines and its threads. One test per
//! binary: it counts the process's threads.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(0)
}

struct CountDrop(Arc<AtomicUsize>);
impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn dropping_a_runtime_drops_parked_goroutines_and_joins_every_thread() {
    let before = threads();
    let dropped = Arc::new(AtomicUsize::new(0));
    let rt = goroutine::runtime::Builder::new()
        .workers(3)
        .build()
        .unwrap();
    let d = dropped.clone();
    rt.block_on(async move {
        // Goroutines parked forever, each holding something to drop.
        for _ in 0..1000 {
            let guard = CountDrop(d.clone());
            goroutine::go!(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            });
        }
        // And some still queued, never polled.
        for _ in 0..100 {
            let guard = CountDrop(d.clone());
            goroutine::go!(async move { drop(guard) });
        }
        // And some blocking-pool threads that finished their work.
        goroutine::spawn_blocking(|| ()).await.unwrap();
        goroutine::spawn_blocking(|| std::thread::sleep(Duration::from_millis(5)))
            .await
            .unwrap();
        while goroutine::num_goroutines() > 1001 {
            goroutine::yield_now().await;
        }
    });
    assert!(threads() > before, "workers are running");
    drop(rt);
    assert_eq!(dropped.load(SeqCst), 1100, "every goroutine was dropped");
    if std::path::Path::new("/proc/self/task").exists() {
        assert_eq!(threads(), before, "a runtime thread outlived the runtime");
    }
}
