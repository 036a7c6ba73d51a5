//! Barrier behaviours.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use goroutine::sync::{Barrier, WaitGroup};

#[goroutine::test(workers = 2)]
async fn nobody_passes_before_everyone_arrives_and_one_leads_each_round() {
    let n = 6;
    let rounds = 20;
    let barrier = Arc::new(Barrier::new(n));
    let arrived = Arc::new(AtomicUsize::new(0));
    let leaders = Arc::new(AtomicUsize::new(0));
    let wg = WaitGroup::new();
    for _ in 0..n {
        let (barrier, arrived, leaders) = (barrier.clone(), arrived.clone(), leaders.clone());
        wg.go(async move {
            for round in 0..rounds {
                arrived.fetch_add(1, SeqCst);
                let r = barrier.wait().await;
                assert!(
                    arrived.load(SeqCst) >= (round + 1) * n,
                    "passed before all arrived"
                );
                if r.is_leader() {
                    leaders.fetch_add(1, SeqCst);
                }
                // A second barrier so no one starts the next round's count early.
                barrier.wait().await;
            }
        });
    }
    wg.wait().await;
    assert_eq!(leaders.load(SeqCst), rounds);
}
