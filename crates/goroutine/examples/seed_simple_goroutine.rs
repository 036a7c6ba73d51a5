//! "Example 1: Simple Goroutine" from the Go text this project starts from.
//!
//! ```go
//! func sayHello() {
//!     fmt.Println("Hello from goroutine!")
//! }
//!
//! func main() {
//!     go sayHello()
//!     time.Sleep(1 * time.Second) // Wait for goroutine
//!     fmt.Println("Main function")
//! }
//! ```
//!
//! Prints, as Go does:
//!
//! ```text
//! Hello from goroutine!
//! Main function
//! ```
//!
//! Run: `cargo run -p goroutine --example seed_simple_goroutine`

use std::time::Duration;

async fn say_hello() {
    println!("Hello from goroutine!");
}

#[goroutine::main]
async fn main() {
    goroutine::go!(say_hello()); // go sayHello()
    goroutine::time::sleep(Duration::from_secs(1)).await; // time.Sleep(1 * time.Second)
    println!("Main function");
}
