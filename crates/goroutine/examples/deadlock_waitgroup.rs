//! A WaitGroup that is never done: Go reports "all goroutines are asleep -
//! deadlock!" (main waits in `semacquire`), and so does this.
//!
//! ```go
//! func main() {
//!     var wg sync.WaitGroup
//!     wg.Add(2)
//!     go func() { defer wg.Done(); fmt.Println("one done") }()
//!     wg.Wait() // the second Done never comes
//! }
//! ```
//!
//! Run: `cargo run -p goroutine --example deadlock_waitgroup` (exits with 2).

use goroutine::sync::WaitGroup;

#[goroutine::main]
async fn main() {
    let wg = WaitGroup::new();
    wg.add(2);
    let w = wg.clone();
    goroutine::go!(async move {
        println!("one done");
        w.done();
    });
    wg.wait().await; // the second done() never comes
}
