//! An idle runtime costs (almost) no CPU. Alone in its binary: it measures
//! the whole process's CPU time.

use std::time::Duration;

/// CPU time of the whole process, from the scheduler's per-thread stats
/// (nanosecond resolution, unlike /proc/self/stat's clock ticks).
fn cpu_ns() -> Option<u64> {
    let mut total = 0;
    for t in std::fs::read_dir("/proc/self/task").ok()? {
        let path = t.ok()?.path().join("schedstat");
        let s = std::fs::read_to_string(path).ok()?;
        total += s.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

#[test]
fn an_idle_runtime_burns_under_10ms_of_cpu_per_second() {
    let Some(_) = cpu_ns() else {
        eprintln!("no /proc schedstat here; skipping");
        return;
    };
    let rt = goroutine::runtime::Builder::new()
        .workers(4)
        .build()
        .unwrap();
    // Some activity first, including a timer far in the future, then idle.
    rt.block_on(async {
        let hs: Vec<_> = (0..1000)
            .map(|i| goroutine::spawn(async move { i }))
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
    let far = rt.spawn(async {
        let mut t = goroutine::timer::TimerEntry::new(Some(
            std::time::Instant::now() + Duration::from_secs(3600),
        ));
        std::future::poll_fn(|cx| t.poll_elapsed(cx)).await
    });
    std::thread::sleep(Duration::from_millis(100));
    let before = cpu_ns().unwrap();
    std::thread::sleep(Duration::from_secs(1));
    let used = cpu_ns().unwrap() - before;
    far.abort();
    assert!(
        used < 10_000_000,
        "idle runtime used {} µs of CPU in 1 s",
        used / 1000
    );
}
