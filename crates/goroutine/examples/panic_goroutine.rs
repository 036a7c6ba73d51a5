//! A panic in any goroutine ends the program with exit status 2, as an
//! unrecovered panic does in Go, under `#[goroutine::main(panic = "abort")]`.
//! (Without it, the runtime's default reports the panic, hands it to the
//! goroutine's `JoinHandle`, and the program goes on.)
//!
//! ```go
//! func main() {
//!     fmt.Println("before")
//!     go func() { panic("boom") }()
//!     time.Sleep(time.Second)
//!     fmt.Println("unreachable")
//! }
//! ```
//!
//! Run: `cargo run -p goroutine --example panic_goroutine` (exits with 2).

use std::time::Duration;

#[goroutine::main(panic = "abort")]
async fn main() {
    println!("before");
    goroutine::go!(async { panic!("boom") });
    goroutine::time::sleep(Duration::from_secs(1)).await;
    println!("unreachable");
}
