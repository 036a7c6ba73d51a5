//! Go's concurrency model for Rust: goroutines, channels, `select!`,
//! `WaitGroup`, timers and `context`, on stackless futures.
//!
//! ```
//! use goroutine::{chan, sync::WaitGroup};
//!
//! #[goroutine::main]
//! async fn main() {
//!     let (tx, rx) = chan::bounded(0);              // ch := make(chan string)
//!     let wg = WaitGroup::new();                    // var wg sync.WaitGroup
//!     for id in 1..=3 {
//!         let tx = tx.clone();
//!         wg.go(async move {                        // wg.Go(func() { ... })
//!             tx.send(format!("worker {id} done")).await.unwrap(); // ch <- ...
//!         });
//!     }
//!     drop(tx);
//!     let mut n = 0;
//!     while let Some(msg) = rx.recv().await {       // for msg := range ch
//!         println!("{msg}");
//!         n += 1;
//!     }
//!     wg.wait().await;                              // wg.Wait()
//!     assert_eq!(n, 3);
//! }
//! ```
//!
//! # The model in one page
//!
//! **Goroutines** are `async` blocks handed to [`spawn`] (or [`go!`]). They
//! are cheap — one allocation of about 100 bytes plus the future itself,
//! against Go's 2 KiB minimum stack — so a million of them is normal. The
//! runtime multiplexes them onto `GOMAXPROCS` worker threads (the
//! environment variable, as in Go; else one per core), each with its own
//! run queue; idle workers steal from busy ones.
//!
//! **Waiting** is `.await`: a goroutine that waits for a channel, a lock or
//! a timer gives its thread to other goroutines until it is woken. Code
//! that *blocks the thread* instead (a blocking system call, a long
//! computation without `.await`) is tolerated the way Go tolerates it: a
//! monitor notices a worker stuck in one poll for 10 ms and hands its other
//! goroutines to a fresh thread. For work known to block, use
//! [`spawn_blocking`].
//!
//! **Fairness**: a goroutine that always finds its channel ready would never
//! `.await` anything that waits. Each operation of this crate spends a unit
//! of a per-poll budget, and when it runs out the goroutine yields (see
//! [`coop`]) — the stackless counterpart of Go's preemption.
//!
//! **Channels** ([`chan`]) are Go's: unbuffered rendezvous (`bounded(0)`),
//! buffered, or unbounded; many senders and receivers; `close`; and
//! [`select!`] over any mix of sends, receives, timers and other futures,
//! with Go's uniform choice among ready arms. Unlike most async channels,
//! cancelling an operation (dropping it in a losing `select!` arm) loses
//! no value.
//!
//! **`main`**: [`#[goroutine::main]`](main) runs `main` as the main
//! goroutine. When it returns, the other goroutines end (they are dropped,
//! so their destructors run). When every goroutine is blocked for good, the
//! program stops with Go's `fatal error: all goroutines are asleep -
//! deadlock!` and a goroutine dump, instead of hanging. The main goroutine
//! runs on a worker like any goroutine, as Go's main runs on a P: as in
//! Go (for any goroutine, not only main), the goroutines it spawns or
//! wakes start when it blocks or yields (idle workers may take spawned
//! ones sooner), the newest first and then the others in order. A `main`
//! that holds values that are not `Send` across an `.await` runs on the
//! program's own thread instead, where every hand-off with it crosses
//! threads (as with [`block_on`]), so keep a hot channel loop there in a
//! goroutine.
//!
//! # Go → Rust
//!
//! | Go | goroutine | difference |
//! |---|---|---|
//! | `go f(x)` | `goroutine::go!(f(x))`, or [`spawn`]`(f(x))` for a [`JoinHandle`] | awaiting the handle gives the result |
//! | `runtime.Gosched()` | [`yield_now`]`().await` | |
//! | `runtime.NumGoroutine()` | [`num_goroutines`]`()` | |
//! | `runtime.GOMAXPROCS(0)` | [`maxprocs`]`()` | set with `GOMAXPROCS` or `#[goroutine::main(workers = N)]` |
//! | `make(chan T)` / `make(chan T, n)` | `chan::bounded::<T>(0)` / `chan::bounded(n)` | also `chan::unbounded()` |
//! | `ch <- v` | `tx.send(v).await` | on a closed channel: `Err(SendError(v))`; Go panics |
//! | `v, ok := <-ch` | `rx.recv().await` | `None` means closed and drained |
//! | `for v := range ch` | `while let Some(v) = rx.recv().await` | `Receiver` is a `Stream` |
//! | `close(ch)` | `tx.close()`, or drop the last `Sender` | a second close returns `false`; Go panics |
//! | `len(ch)`, `cap(ch)` | `rx.len()`, `rx.capacity()` | `capacity()` is `None` for unbounded |
//! | `select { case ...: default: }` | [`select!`]` { ..., default => .. }` | random among ready arms; `biased;` to opt out |
//! | `nil` channel in `select` | arm guard `, if cond` | |
//! | `sync.WaitGroup` | [`sync::WaitGroup`]: `add`, `done`, `wait().await`, `go` | clones share the counter |
//! | `sync.Mutex`, `sync.RWMutex` | [`sync::Mutex<T>`], [`sync::RwLock<T>`] | the data lives inside; `lock().await` |
//! | `sync.Once`, `sync.Cond` | [`sync::Once`], [`sync::OnceCell`], [`sync::Cond`] | |
//! | `errgroup.Group` | [`sync::ErrGroup`] | |
//! | `context.WithCancel(ctx)` | [`context::with_cancel`]`(&ctx)` | also `with_timeout`, `with_deadline` |
//! | `<-ctx.Done()` | `ctx.done().await` | usable as a `select!` arm |
//! | `context.WithValue(ctx, k, v)`; `v, ok := ctx.Value(k).(T)` | [`context::with_value`]`(&ctx, k, v)`; `ctx.value::<_, T>(&k)` | keys match by type and `==`; `None` for `!ok` |
//! | `context.Background()`, `context.TODO()` | [`context::background`]`()`, [`context::todo`]`()` | |
//! | `time.Sleep(d)` | [`time::sleep`]`(d).await` | |
//! | `<-time.After(d)` | `time::after(d).recv().await` | or `time::sleep(d)` as a `select!` arm |
//! | `time.NewTimer`, `time.NewTicker` | [`time::Timer`], [`time::Ticker`] | Go 1.23 `Stop`/`Reset` semantics |
//! | `net.Listen`, `net.Dial` | [`net::TcpListener::bind`], [`net::TcpStream::connect`] | one goroutine per connection |
//! | goroutine dump (`SIGQUIT`) | [`debug::dump`]`()` | |
//! | unrecovered `panic` in a goroutine | `panic!` | ends the program with status 2 under `#[goroutine::main(panic = "abort")]`; by default it is printed and handed to the [`JoinHandle`], and the program goes on |
//!
//! # Crates
//!
//! This crate re-exports the workspace: `goroutine-runtime` (executor,
//! [`runtime`], [`coop`], [`debug`], [`timer`], [`io`]), `goroutine-chan`
//! ([`chan`], [`select!`]), `goroutine-sync` ([`sync`], [`context`]),
//! `goroutine-time` ([`time`]), `goroutine-net` ([`net`]) and
//! `goroutine-macros` ([`main`], [`test`]). Channels, sync primitives and
//! timers are plain futures: they also work under other executors, just
//! without the coop budget.
#![forbid(unsafe_code)]

pub use goroutine_chan::select;
pub use goroutine_macros::{main, test};
pub use goroutine_runtime::{
    block_on, go, maxprocs, num_goroutines, spawn, spawn_blocking, yield_now, GoroutineId,
    JoinError, JoinHandle,
};
pub use goroutine_runtime::{coop, debug, io, runtime, task, timer};

pub mod chan {
    //! Channels: Go's `chan T`, see the `goroutine-chan` crate.
    //!
    //! ```
    //! # goroutine::block_on(async {
    //! let (tx, rx) = goroutine::chan::bounded(1); // make(chan i32, 1)
    //! tx.send(1).await.unwrap();                  // ch <- 1
    //! assert_eq!(rx.recv().await, Some(1));       // <-ch
    //! # });
    //! ```
    pub use goroutine_chan::*;
}

pub mod sync {
    //! Synchronisation: Go's `sync` and `x/sync`, see the `goroutine-sync`
    //! crate.
    //!
    //! ```
    //! # goroutine::block_on(async {
    //! let wg = goroutine::sync::WaitGroup::new();
    //! wg.go(async {});
    //! wg.wait().await;
    //! # });
    //! ```
    pub use goroutine_sync::*;
}

/// Go's `context`: cancellation, deadlines and request-scoped values across
/// goroutines.
///
/// ```
/// use std::time::Duration;
/// # goroutine::block_on(async {
/// let bg = goroutine::context::background();
/// let (ctx, _cancel) = goroutine::context::with_timeout(&bg, Duration::from_millis(5));
/// ctx.done().await;
/// assert_eq!(ctx.err(), Some(goroutine::context::ContextError::DeadlineExceeded));
/// # });
/// ```
pub use goroutine_sync::context;

pub mod time {
    //! Time: Go's `time.Sleep`, `time.After`, timers and tickers, see the
    //! `goroutine-time` crate.
    //!
    //! ```
    //! # goroutine::block_on(async {
    //! goroutine::time::sleep(std::time::Duration::from_millis(1)).await;
    //! # });
    //! ```
    pub use goroutine_time::*;
}

pub mod net {
    //! Networking: one goroutine per connection, see the `goroutine-net`
    //! crate.
    //!
    //! ```
    //! # goroutine::block_on(async {
    //! let listener = goroutine::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    //! let addr = listener.local_addr().unwrap();
    //! goroutine::go!(async move {
    //!     let (mut conn, _) = listener.accept().await.unwrap();
    //!     conn.write_all(b"hi").await.unwrap();
    //! });
    //! let mut conn = goroutine::net::TcpStream::connect(addr).await.unwrap();
    //! let mut buf = [0u8; 2];
    //! let n = conn.read(&mut buf).await.unwrap();
    //! assert_eq!(&buf[..n], b"hi");
    //! # });
    //! ```
    pub use goroutine_net::*;
}

#[doc(hidden)]
pub mod __private {
    pub use goroutine_runtime::__private::*;
}
