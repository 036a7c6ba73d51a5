//! An unbuffered send with no receiver: Go stops the program with
//! "fatal error: all goroutines are asleep - deadlock!" and exit status 2,
//! and so does this.
//!
//! ```go
//! func main() {
//!     ch := make(chan int)
//!     ch <- 1
//!     fmt.Println("unreachable")
//! }
//! ```
//!
//! Run: `cargo run -p goroutine --example deadlock_send` (exits with 2).

#[goroutine::main]
async fn main() {
    let (tx, _rx) = goroutine::chan::bounded(0); // ch := make(chan int)
    tx.send(1).await.unwrap(); // ch <- 1: nobody will ever receive
    println!("unreachable");
}
