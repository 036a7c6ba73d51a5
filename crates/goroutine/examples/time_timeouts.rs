//! Go by Example: Timeouts.
//!
//! ```go
//! c1 := make(chan string, 1)
//! go func() {
//!     time.Sleep(2 * time.Second)
//!     c1 <- "result 1"
//! }()
//! select {
//! case res := <-c1:
//!     fmt.Println(res)
//! case <-time.After(1 * time.Second):
//!     fmt.Println("timeout 1")
//! }
//! // ... the same with a 3 s timeout, which the result beats
//! ```
//!
//! Prints `timeout 1` then `result 2`, as Go does.
//!
//! Run: `cargo run -p goroutine --example time_timeouts`

use std::time::Duration;

use goroutine::{chan, time};

#[goroutine::main]
async fn main() {
    let (tx1, c1) = chan::bounded(1);
    goroutine::go!(async move {
        time::sleep(Duration::from_secs(2)).await;
        let _ = tx1.send("result 1").await;
    });
    goroutine::select! {
        Some(res) = c1.recv() => println!("{res}"),
        _ = time::after(Duration::from_secs(1)).recv() => println!("timeout 1"),
    }

    let (tx2, c2) = chan::bounded(1);
    goroutine::go!(async move {
        time::sleep(Duration::from_secs(2)).await;
        let _ = tx2.send("result 2").await;
    });
    goroutine::select! {
        Some(res) = c2.recv() => println!("{res}"),
        _ = time::after(Duration::from_secs(3)).recv() => println!("timeout 2"),
    }
}
