//! Go by Example: Rate Limiting.
//!
//! ```go
//! requests := make(chan int, 5)
//! for i := 1; i <= 5; i++ {
//!     requests <- i
//! }
//! close(requests)
//! limiter := time.Tick(200 * time.Millisecond)
//! for req := range requests {
//!     <-limiter
//!     fmt.Println("request", req, time.Now())
//! }
//!
//! burstyLimiter := make(chan time.Time, 3)
//! for i := 0; i < 3; i++ {
//!     burstyLimiter <- time.Now()
//! }
//! go func() {
//!     for t := range time.Tick(200 * time.Millisecond) {
//!         burstyLimiter <- t
//!     }
//! }()
//! burstyRequests := make(chan int, 5)
//! for i := 1; i <= 5; i++ {
//!     burstyRequests <- i
//! }
//! close(burstyRequests)
//! for req := range burstyRequests {
//!     <-burstyLimiter
//!     fmt.Println("request", req, time.Now())
//! }
//! ```
//!
//! The first five requests come 200 ms apart; of the next five, three come
//! at once (the burst) and the last two 200 ms apart. Times are printed
//! since start rather than as wall-clock times.
//!
//! Run: `cargo run -p goroutine --example time_rate_limiting`

use std::time::{Duration, Instant};

use goroutine::{chan, time};

#[goroutine::main]
async fn main() {
    let start = Instant::now();
    let since = move || format!("{:.1}s", start.elapsed().as_secs_f64());

    let (requests_tx, requests) = chan::bounded(5);
    for i in 1..=5 {
        requests_tx.send(i).await.unwrap();
    }
    requests_tx.close();
    let limiter = time::tick(Duration::from_millis(200));
    while let Some(req) = requests.recv().await {
        limiter.recv().await;
        println!("request {req} {}", since());
    }

    let (bursty_tx, bursty_limiter) = chan::bounded(3);
    for _ in 0..3 {
        bursty_tx.send(Instant::now()).await.unwrap();
    }
    goroutine::go!(async move {
        let ticks = time::tick(Duration::from_millis(200));
        while let Some(t) = ticks.recv().await {
            if bursty_tx.send(t).await.is_err() {
                return;
            }
        }
    });
    let (bursty_requests_tx, bursty_requests) = chan::bounded(5);
    for i in 1..=5 {
        bursty_requests_tx.send(i).await.unwrap();
    }
    bursty_requests_tx.close();
    while let Some(req) = bursty_requests.recv().await {
        bursty_limiter.recv().await;
        println!("request {req} {}", since());
    }
}
