//! `select` over a result channel and a quit channel, with a send arm,
//! as a Go programmer writes it:
//!
//! ```go
//! for {
//!     select {
//!     case c <- x:
//!         x, y = y, x+y
//!     case <-quit:
//!         fmt.Println("quit")
//!         return
//!     }
//! }
//! ```
//!
//! Run: `cargo run -p goroutine --example chan_select`

use goroutine::chan::{self, select, Receiver, Sender};

async fn fibonacci(c: Sender<u64>, quit: Receiver<()>) {
    let (mut x, mut y) = (0, 1);
    loop {
        select! {
            r = c.send(x) => {
                r.unwrap();
                (x, y) = (y, x + y);
            }
            _ = quit.recv() => {
                println!("quit");
                return;
            }
        }
    }
}

#[goroutine::main]
async fn main() {
    let (c_tx, c_rx) = chan::bounded(0);
    let (quit_tx, quit_rx) = chan::bounded(0);
    goroutine::go!(async move {
        for _ in 0..10 {
            println!("{}", c_rx.recv().await.unwrap());
        }
        quit_tx.send(()).await.unwrap();
    });
    fibonacci(c_tx, quit_rx).await;
}
