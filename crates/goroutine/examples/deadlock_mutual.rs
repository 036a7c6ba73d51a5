//! Two goroutines waiting on each other, and main waiting on them: Go
//! reports "all goroutines are asleep - deadlock!", and so does this.
//!
//! ```go
//! func main() {
//!     a, b := make(chan int), make(chan int)
//!     done := make(chan bool)
//!     go func() { <-a; b <- 1; done <- true }()
//!     go func() { <-b; a <- 1; done <- true }()
//!     <-done
//! }
//! ```
//!
//! Run: `cargo run -p goroutine --example deadlock_mutual` (exits with 2).

use goroutine::chan;

#[goroutine::main]
async fn main() {
    let (a_tx, a_rx) = chan::bounded::<i32>(0);
    let (b_tx, b_rx) = chan::bounded::<i32>(0);
    let (done_tx, done_rx) = chan::bounded::<bool>(0);
    let (a_tx2, done_tx2) = (a_tx.clone(), done_tx.clone());
    goroutine::go!(async move {
        a_rx.recv().await; // waits for b's goroutine...
        b_tx.send(1).await.unwrap();
        done_tx.send(true).await.unwrap();
    });
    goroutine::go!(async move {
        b_rx.recv().await; // ...which waits for a's
        a_tx2.send(1).await.unwrap();
        done_tx2.send(true).await.unwrap();
    });
    done_rx.recv().await;
    drop(a_tx);
}
