//! Go by Example: Tickers.
//!
//! ```go
//! ticker := time.NewTicker(500 * time.Millisecond)
//! done := make(chan bool)
//! go func() {
//!     for {
//!         select {
//!         case <-done:
//!             return
//!         case t := <-ticker.C:
//!             fmt.Println("Tick at", t)
//!         }
//!     }
//! }()
//! time.Sleep(1600 * time.Millisecond)
//! ticker.Stop()
//! done <- true
//! fmt.Println("Ticker stopped")
//! ```
//!
//! Prints three ticks, then `Ticker stopped`. Go prints wall-clock times;
//! this prints the time since start (`std::time::Instant` has no calendar).
//!
//! Run: `cargo run -p goroutine --example time_tickers`

use std::sync::Arc;
use std::time::{Duration, Instant};

use goroutine::{chan, time};

#[goroutine::main]
async fn main() {
    let start = Instant::now();
    let ticker = Arc::new(time::Ticker::new(Duration::from_millis(500)));
    let (done_tx, done) = chan::bounded::<bool>(0);
    let t = ticker.clone();
    goroutine::go!(async move {
        loop {
            goroutine::select! {
                _ = done.recv() => return,
                Some(at) = t.receiver().recv() => {
                    println!("Tick at {:.1}s", (at - start).as_secs_f64());
                }
            }
        }
    });
    time::sleep(Duration::from_millis(1600)).await;
    ticker.stop();
    done_tx.send(true).await.unwrap();
    println!("Ticker stopped");
}
