//! How late a 1 ms sleep ends beside goroutines that keep the workers
//! busy: `PAIRS` ping-pong pairs, each of whose polls computes for
//! `SPIN_US` µs, and one task that sleeps 1 ms 200 times and records how
//! late each sleep ended. Prints the p50/p90/p99 lateness in µs. Go's
//! side is `go/lateness/main.go`; `timer_lateness.sh` runs all.
//!
//! ```text
//! cargo run --release -p goroutine-benches --example timer_lateness -- goroutine 1 1 5
//! cargo run --release -p goroutine-benches --example timer_lateness -- tokio 1 1 5
//! ```

use std::time::{Duration, Instant};

const ROUNDS: usize = 200;
const SLEEP: Duration = Duration::from_millis(1);

fn spin(us: u64) {
    let t = Instant::now();
    while t.elapsed() < Duration::from_micros(us) {
        std::hint::spin_loop();
    }
}

/// The lateness of each 1 ms sleep, in µs, sorted.
async fn sleeps<S: std::future::Future<Output = ()>>(sleep: impl Fn(Duration) -> S) -> Vec<f64> {
    let mut late = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let t = Instant::now();
        sleep(SLEEP).await;
        late.push((t.elapsed() - SLEEP).as_secs_f64() * 1e6);
    }
    late.sort_by(f64::total_cmp);
    late
}

fn goroutine(workers: usize, pairs: u64, spin_us: u64) -> Vec<f64> {
    use goroutine::chan;
    let rt = goroutine::runtime::Builder::new()
        .workers(workers)
        .build()
        .unwrap();
    rt.block_on(async move {
        for _ in 0..pairs {
            let (ping_tx, ping_rx) = chan::bounded::<()>(0);
            let (pong_tx, pong_rx) = chan::bounded::<()>(0);
            goroutine::spawn(async move {
                loop {
                    spin(spin_us);
                    if ping_tx.send(()).await.is_err() || pong_rx.recv().await.is_none() {
                        return;
                    }
                }
            });
            goroutine::spawn(async move {
                while ping_rx.recv().await.is_some() {
                    spin(spin_us);
                    if pong_tx.send(()).await.is_err() {
                        return;
                    }
                }
            });
        }
        // The sleeper is a goroutine on the workers, as in Go.
        goroutine::spawn(sleeps(goroutine::time::sleep))
            .await
            .unwrap()
    })
}

fn tokio(workers: usize, pairs: u64, spin_us: u64) -> Vec<f64> {
    use tokio::sync::mpsc;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async move {
        for _ in 0..pairs {
            let (ping_tx, mut ping_rx) = mpsc::channel::<()>(1);
            let (pong_tx, mut pong_rx) = mpsc::channel::<()>(1);
            tokio::spawn(async move {
                loop {
                    spin(spin_us);
                    if ping_tx.send(()).await.is_err() || pong_rx.recv().await.is_none() {
                        return;
                    }
                }
            });
            tokio::spawn(async move {
                while ping_rx.recv().await.is_some() {
                    spin(spin_us);
                    if pong_tx.send(()).await.is_err() {
                        return;
                    }
                }
            });
        }
        tokio::spawn(sleeps(tokio::time::sleep)).await.unwrap()
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: timer_lateness goroutine|tokio WORKERS PAIRS SPIN_US";
    let num = |i: usize| -> u64 { args.get(i).and_then(|s| s.parse().ok()).expect(usage) };
    let (workers, pairs, spin_us) = (num(1) as usize, num(2), num(3));
    let late = match args.first().map(String::as_str) {
        Some("goroutine") => goroutine(workers, pairs, spin_us),
        Some("tokio") => tokio(workers, pairs, spin_us),
        _ => panic!("{usage}"),
    };
    let p = |q: f64| late[((late.len() - 1) as f64 * q) as usize];
    println!(
        "{:<10} workers {workers} pairs {pairs} spin {spin_us:>4} us: late p50 {:>9.1} p90 {:>9.1} p99 {:>9.1} us",
        args[0],
        p(0.5),
        p(0.9),
        p(0.99)
    );
    // The pairs never end; leave without waiting for them.
    std::process::exit(0);
}
