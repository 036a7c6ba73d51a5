//! Heap bytes per parked goroutine, measured with a counting allocator.
//! Alone in its binary: the allocator counts every allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged, only counting bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), SeqCst);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), SeqCst);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, SeqCst);
        LIVE.fetch_sub(layout.size(), SeqCst);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

static STARTED: AtomicUsize = AtomicUsize::new(0);

#[test]
fn a_parked_trivial_goroutine_costs_at_most_128_bytes() {
    const N: usize = 100_000;
    let rt = goroutine::runtime::Builder::new()
        .workers(2)
        .build()
        .unwrap();
    // Warm up: let the runtime allocate what it allocates once.
    rt.block_on(async {
        for _ in 0..1000 {
            goroutine::spawn(async {}).await.unwrap();
        }
    });
    let before = LIVE.load(SeqCst);
    let per = rt.block_on(async {
        goroutine::spawn(async {
            for _ in 0..N {
                goroutine::go!(async {
                    STARTED.fetch_add(1, SeqCst);
                    std::future::pending::<()>().await
                });
            }
        })
        .await
        .unwrap();
        while STARTED.load(SeqCst) < N {
            goroutine::yield_now().await;
        }
        (LIVE.load(SeqCst) - before) / N
    });
    eprintln!("heap bytes per parked goroutine: {per}");
    assert!(per <= 128, "a parked goroutine costs {per} bytes");
}
