//! Helpers shared by the sync tests.

use goroutine::debug::WaitReason;

/// Yields until the goroutine named `name` is parked with `reason`; false
/// if it does not get there within 100,000 yields.
pub(crate) async fn wait_for_reason(name: &str, reason: WaitReason) -> bool {
    for _ in 0..100_000 {
        let found = goroutine::debug::goroutines()
            .iter()
            .any(|g| g.name.as_deref() == Some(name) && g.wait_reason == Some(reason));
        if found {
            return true;
        }
        goroutine::yield_now().await;
    }
    false
}
