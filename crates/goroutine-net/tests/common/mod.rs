//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::future::{poll_fn, Future};
use std::time::{Duration, Instant};

use goroutine::timer::TimerEntry;

/// Sleeps on the runtime's timers (the time crate's `sleep` in spirit).
pub async fn pause(d: Duration) {
    let mut timer = TimerEntry::new(Some(Instant::now() + d));
    poll_fn(|cx| timer.poll_elapsed(cx)).await;
}

/// Runs `fut`, failing the test (instead of hanging it) after `limit`.
pub async fn within<F: Future>(limit: Duration, fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut timer = TimerEntry::new(Some(Instant::now() + limit));
    poll_fn(|cx| {
        if let std::task::Poll::Ready(v) = fut.as_mut().poll(cx) {
            return std::task::Poll::Ready(v);
        }
        if timer.poll_elapsed(cx).is_ready() {
            panic!("test step did not finish within {limit:?}");
        }
        std::task::Poll::Pending
    })
    .await
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
