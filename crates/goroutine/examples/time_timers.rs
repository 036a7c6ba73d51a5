//! Go by Example: Timers.
//!
//! ```go
//! timer1 := time.NewTimer(2 * time.Second)
//! <-timer1.C
//! fmt.Println("Timer 1 fired")
//!
//! timer2 := time.NewTimer(time.Second)
//! go func() {
//!     <-timer2.C
//!     fmt.Println("Timer 2 fired")
//! }()
//! stop2 := timer2.Stop()
//! if stop2 {
//!     fmt.Println("Timer 2 stopped")
//! }
//! time.Sleep(2 * time.Second)
//! ```
//!
//! Prints `Timer 1 fired` then `Timer 2 stopped`, as Go does.
//!
//! Run: `cargo run -p goroutine --example time_timers`

use std::time::Duration;

use goroutine::time::{self, Timer};

#[goroutine::main]
async fn main() {
    let timer1 = Timer::new(Duration::from_secs(2));
    timer1.receiver().recv().await;
    println!("Timer 1 fired");

    let timer2 = Timer::new(Duration::from_secs(1));
    let c = timer2.receiver().clone();
    goroutine::go!(async move {
        c.recv().await;
        println!("Timer 2 fired");
    });
    let stop2 = timer2.stop();
    if stop2 {
        println!("Timer 2 stopped");
    }
    time::sleep(Duration::from_secs(2)).await;
}
