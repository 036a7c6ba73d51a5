//! `GOROUTINE_TRACEBACK=1`: send `SIGQUIT` (Ctrl-\) to a running program to
//! get a dump of every goroutine and exit status 2, as in Go.
//!
//! ```text
//! GOROUTINE_TRACEBACK=1 cargo run -p goroutine --example traceback &
//! kill -QUIT %1
//! ```
//!
//! Without the variable, `SIGQUIT` keeps its default behaviour.

use std::time::Duration;

#[goroutine::main]
async fn main() {
    let (_tx, rx) = goroutine::chan::bounded::<()>(0);
    goroutine::task::Builder::new()
        .name("waiter")
        .spawn(async move { rx.recv().await });
    goroutine::go!(async {
        loop {
            goroutine::time::sleep(Duration::from_millis(50)).await;
        }
    });
    println!("running; send SIGQUIT to dump the goroutines");
    goroutine::time::sleep(Duration::from_secs(30)).await;
}
