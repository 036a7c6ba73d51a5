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

use goroutine::debug::{GoroutineState, WaitReason};

#[goroutine::main]
async fn main() {
    let (_tx, rx) = goroutine::chan::bounded::<()>(0);
    goroutine::task::Builder::new()
        .name("waiter")
        .spawn(async move { rx.recv().await });
    goroutine::go!(async {
        // Say so once main sleeps and the waiter waits: a dump taken after
        // this line shows them that way.
        while !settled() {
            goroutine::time::sleep(Duration::from_millis(1)).await;
        }
        println!("running; send SIGQUIT to dump the goroutines");
        loop {
            goroutine::time::sleep(Duration::from_millis(50)).await;
        }
    });
    goroutine::time::sleep(Duration::from_secs(30)).await;
}

/// True once main sleeps and the goroutine named "waiter" waits on its
/// channel.
fn settled() -> bool {
    let gs = goroutine::debug::goroutines();
    let waits = |g: &goroutine::debug::GoroutineInfo, reason| {
        g.state == GoroutineState::Waiting && g.wait_reason == Some(reason)
    };
    gs.iter().any(|g| g.is_main && waits(g, WaitReason::Sleep))
        && gs
            .iter()
            .any(|g| g.name.as_deref() == Some("waiter") && waits(g, WaitReason::ChanRecv))
}
