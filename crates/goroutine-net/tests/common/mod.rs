//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::time::{Duration, Instant};

/// Sleeps on the runtime's timers.
pub use goroutine::time::sleep as pause;

/// Runs `fut`, failing the test (instead of hanging it) after `limit`.
pub async fn within<F: Future>(limit: Duration, fut: F) -> F::Output {
    goroutine::time::timeout(limit, fut)
        .await
        .unwrap_or_else(|_| panic!("test step did not finish within {limit:?}"))
}

/// Polls `cond` every few milliseconds until it holds; panics after `limit`.
pub async fn eventually(limit: Duration, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < end, "condition not met within {limit:?}");
        pause(Duration::from_millis(5)).await;
    }
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}
