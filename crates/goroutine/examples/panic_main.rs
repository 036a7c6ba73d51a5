//! A panic in the main goroutine ends the program with exit status 2, as an
//! unrecovered panic does in Go (a Rust `main` that panics exits with 101).
//!
//! ```go
//! func main() {
//!     var wg sync.WaitGroup
//!     fmt.Println("before")
//!     wg.Done() // panic: sync: negative WaitGroup counter
//!     fmt.Println("unreachable")
//! }
//! ```
//!
//! Run: `cargo run -p goroutine --example panic_main` (exits with 2).

use goroutine::sync::WaitGroup;

#[goroutine::main]
async fn main() {
    let wg = WaitGroup::new();
    // A goroutine still running does not keep the process alive.
    goroutine::go!(async {
        loop {
            goroutine::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    });
    println!("before");
    wg.done(); // panics: sync: negative WaitGroup counter
    println!("unreachable");
}
