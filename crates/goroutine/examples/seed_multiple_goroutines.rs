//! "Example 2: Multiple Goroutines" from the Go text this project starts
//! from.
//!
//! ```go
//! func worker(id int) {
//!     fmt.Printf("Worker %d starting\n", id)
//!     time.Sleep(time.Second)
//!     fmt.Printf("Worker %d done\n", id)
//! }
//!
//! func main() {
//!     for i := 1; i <= 3; i++ {
//!         go worker(i)
//!     }
//!     time.Sleep(2 * time.Second)
//! }
//! ```
//!
//! Prints the three "starting" lines, then, a second later, the three
//! "done" lines; within each group the order varies from run to run, in Go
//! as here.
//!
//! Run: `cargo run -p goroutine --example seed_multiple_goroutines`

use std::time::Duration;

async fn worker(id: u32) {
    println!("Worker {id} starting");
    goroutine::time::sleep(Duration::from_secs(1)).await;
    println!("Worker {id} done");
}

#[goroutine::main]
async fn main() {
    for i in 1..=3 {
        goroutine::go!(worker(i)); // go worker(i)
    }
    goroutine::time::sleep(Duration::from_secs(2)).await;
}
