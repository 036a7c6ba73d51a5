//! Time for goroutines: `time.Sleep`, `time.After`, timers and tickers,
//! with Go's semantics.
//!
//! ```
//! use std::time::Duration;
//! use goroutine::time;
//!
//! # goroutine::block_on(async {
//! time::sleep(Duration::from_millis(1)).await;                 // time.Sleep(time.Millisecond)
//!
//! let (_tx, rx) = goroutine::chan::bounded::<&str>(0);
//! goroutine::select! {
//!     msg = rx.recv() => println!("{msg:?}"),
//!     _ = time::after(Duration::from_millis(5)).recv() => println!("timeout"), // case <-time.After(..)
//! }
//!
//! let ticker = time::Ticker::new(Duration::from_millis(1));      // time.NewTicker
//! ticker.receiver().recv().await;                                // <-ticker.C
//! ticker.stop();
//! # });
//! ```
//!
//! | Go | goroutine |
//! |---|---|
//! | `time.Sleep(d)` | `time::sleep(d).await` |
//! | `<-time.After(d)` | `time::after(d).recv().await` |
//! | `time.NewTimer(d)`, `t.C`, `t.Stop()`, `t.Reset(d)` | `Timer::new(d)`, `t.receiver()`, `t.stop()`, `t.reset(d)` |
//! | `time.NewTicker(d)`, `time.Tick(d)` | `Ticker::new(d)`, `time::tick(d)` |
//! | `time.AfterFunc(d, f)` | `time::after_func(d, f)` |
//! | `ctx, _ := context.WithTimeout(..)` | [`timeout`] around any future, or `goroutine::context` |
//!
//! All of it rests on the runtime's timer driver, a hierarchical timing
//! wheel with 125 µs slots driven by the workers themselves: a timer never
//! fires before its deadline and fires once its exact deadline has passed
//! (of more than 64 in one slot, at the slot's end). On an idle machine
//! that is a thread's wake-up later (about 75 µs here in a program with no
//! sockets, where the sleeping worker waits on a condition variable; up to
//! about a millisecond more once sockets exist, because the poller's
//! timeout is in whole milliseconds); on a busy worker, the end of the
//! poll under way, as in Go (or, when its polls have just grown longer, of
//! the poll under way once the runtime's monitor sees the timer 2 ms
//! overdue). A timer costs O(1) to set and to cancel, and an idle runtime
//! with pending timers sleeps until the next one. The futures here
//! also work when polled by another executor (they then use the global
//! runtime's driver).
//!
//! Timers and tickers send from inside the driver, with no goroutine per
//! timer, and follow Go 1.23: after `stop` or `reset` returns, no value from
//! before it is received.
#![forbid(unsafe_code)]

mod core;
mod sleep;
mod ticker;
mod timeout;
mod timer;

pub use sleep::{sleep, sleep_until, Sleep};
pub use ticker::{tick, Ticker};
pub use timeout::{timeout, timeout_at, Elapsed, Timeout};
pub use timer::{after, after_func, Timer};
