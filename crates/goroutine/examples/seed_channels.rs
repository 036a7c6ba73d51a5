//! "Using Channels" from the Go text this project starts from:
//!
//! ```go
//! func main() {
//!     ch := make(chan string)
//!     go func() {
//!         ch <- "Hello from goroutine"
//!     }()
//!     message := <-ch
//!     fmt.Println(message)
//! }
//! ```
//!
//! Run: `cargo run -p goroutine --example seed_channels`

#[goroutine::main]
async fn main() {
    let (tx, rx) = goroutine::chan::bounded(0); // ch := make(chan string)

    goroutine::go!(async move {
        tx.send("Hello from goroutine").await.unwrap(); // ch <- "Hello from goroutine"
    });

    let message = rx.recv().await.unwrap(); // message := <-ch
    println!("{message}");
}
