//! "WaitGroup Pattern" from the Go text this project starts from.
//!
//! ```go
//! func main() {
//!     var wg sync.WaitGroup
//!
//!     for i := 0; i < 5; i++ {
//!         wg.Add(1)
//!         go func(id int) {
//!             defer wg.Done()
//!             fmt.Printf("Goroutine %d\n", id)
//!         }(i)
//!     }
//!
//!     wg.Wait()
//! }
//! ```
//!
//! Prints "Goroutine 0" to "Goroutine 4", in an order that varies from run
//! to run, in Go as here.
//!
//! Run: `cargo run -p goroutine --example seed_waitgroup`

use goroutine::sync::WaitGroup;

#[goroutine::main]
async fn main() {
    let wg = WaitGroup::new(); // var wg sync.WaitGroup

    for i in 0..5 {
        wg.add(1);
        let wg = wg.clone();
        goroutine::go!(async move {
            // go func(id int) { defer wg.Done(); ... }(i)
            let id = i;
            println!("Goroutine {id}");
            wg.done();
        });
    }

    wg.wait().await;
}
