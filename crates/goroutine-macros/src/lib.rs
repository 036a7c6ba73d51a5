//! `#[goroutine::main]` and `#[goroutine::test]`: run an `async fn` as the
//! program's main goroutine, or as a test, on a fresh `goroutine` runtime.
//!
//! ```
//! #[goroutine::main]
//! async fn main() {
//!     let answer = goroutine::spawn(async { 6 * 7 }).await.unwrap();
//!     assert_eq!(answer, 42);
//! }
//! ```
//!
//! Use the macros through the `goroutine` crate (`#[goroutine::main]`), not
//! this one: the expansion names `::goroutine`. A crate that re-exports
//! `goroutine` under another path says so with `crate = "path"`.
//!
//! Both attributes take the same optional arguments, in any order:
//!
//! | argument | default | meaning |
//! |---|---|---|
//! | `workers = N` | `GOMAXPROCS`, else one per core | worker threads (`N` ≥ 1, an integer literal) |
//! | `detect_deadlock = true\|false` | `true` | exit with "all goroutines are asleep - deadlock!" when nothing can ever run again, as Go does |
//! | `panic = "abort"\|"report"` (`main` only) | `"report"` | `"abort"`: a goroutine's panic ends the program with status 2, as in Go |
//! | `crate = "path"` | `"goroutine"` | where the `goroutine` crate is, for crates that re-export it |
//!
//! Mistakes are compile errors that point at the offending token and say what
//! to write instead; the function is still emitted, so an IDE keeps working
//! inside it while the attribute is wrong.
#![forbid(unsafe_code)]
// The examples are whole programs, so they need their own `fn main`.
#![allow(clippy::needless_doctest_main)]

mod entry;

use proc_macro::TokenStream;

/// Runs an `async fn main` as the main goroutine of a new runtime.
///
/// ```
/// #[goroutine::main]
/// async fn main() {
///     let (a, b) = (goroutine::spawn(async { 1 }), goroutine::spawn(async { 2 }));
///     assert_eq!(a.await.unwrap() + b.await.unwrap(), 3);
/// }
/// ```
///
/// `main` may return anything a plain `fn main` may, so `?` works:
///
/// ```
/// use std::error::Error;
///
/// #[goroutine::main(workers = 2)]
/// async fn main() -> Result<(), Box<dyn Error>> {
///     let n: u32 = goroutine::spawn(async { "7".parse() }).await??;
///     assert_eq!(n, 7);
///     Ok(())
/// }
/// ```
///
/// # Arguments
///
/// - `workers = N`: the number of worker threads (Go's `GOMAXPROCS`). `N` is
///   an integer literal of at least 1. Without it the runtime reads the
///   `GOMAXPROCS` environment variable, and failing that uses one worker per
///   CPU core.
/// - `detect_deadlock = false`: turn off deadlock detection. By default,
///   when every goroutine is blocked and nothing (no timer, I/O or outside
///   waker) can wake one, the program exits with Go's
///   "all goroutines are asleep - deadlock!" and a goroutine dump. Turn it
///   off when goroutines wait on wakeups the runtime cannot see.
/// - `panic = "abort"`: a panic in any goroutine ends the program, as an
///   unrecovered panic does in Go: the panic is printed and the process
///   exits with status 2 at once (`PanicPolicy::Abort`). The default,
///   `"report"`, is the runtime's: the panic is printed, the goroutine's
///   `JoinHandle` gets a `JoinError`, and the program goes on.
///
///   ```no_run
///   #[goroutine::main(panic = "abort")]
///   async fn main() {
///       goroutine::go!(async { panic!("boom") }); // exits with status 2
///       goroutine::time::sleep(std::time::Duration::from_secs(1)).await;
///       println!("never printed");
///   }
///   ```
/// - `crate = "path"`: where to find the `goroutine` crate, for crates that
///   re-export it, e.g. `crate = "my_framework::goroutine"`.
///
/// # What it expands to
///
/// A plain `fn main` that starts the runtime, runs the body as the main
/// goroutine, and exits with its result (`R`'s `Termination`: an `Err`
/// prints `Error: {err:?}` and exits with 1, as Rust's own `main` does).
///
/// - When the body's future is `Send` (it holds nothing like an `Rc` across
///   an `.await`), main runs as a goroutine on the workers, as Go's main
///   runs on a P: the goroutines it starts or wakes go to its worker's
///   next slot (so once main blocks, its newest goroutine runs first, then
///   the others in order, as in Go), and a channel hand-off with main costs
///   what one between any two goroutines does. The program's thread only
///   waits. Otherwise main runs on the program's own thread, beside the
///   workers, and every hand-off with it crosses threads.
///   Running on the workers, main may move between worker threads at its
///   `.await`s, like any goroutine: thread-locals, the thread's name (a
///   panic reads "thread 'goroutine-worker-N' panicked") and APIs that
///   need the process's main thread do not see the main thread there.
/// - When `main` returns, no other goroutine starts; every goroutine still
///   alive is dropped and the worker threads are joined, as in Go. Go's
///   exit waits for nothing, so neither does this wait for what cannot
///   end: a worker whose poll has not ended for 10 ms (a goroutine
///   computing, or blocking its thread, without an `.await`), or a
///   `spawn_blocking` closure still running 10 ms after `main` returned.
///   The process exits with those threads still running; the wait for
///   threads is at most 100 ms in any case (dropping the goroutines left
///   takes what their destructors take).
/// - If the main goroutine panics, the process exits at once with status 2
///   (the panic message printed as usual), as an unrecovered panic does in
///   Go, rather than with Rust's 101.
///
/// ```text
/// #[goroutine::main(workers = 4)]          fn main() -> ExitCode {
/// async fn main() -> R {          ==>          async fn __goroutine_entry() -> R { body }
///     body                                     (&&ProgramMain::new(
/// }                                                EntryConfig { workers: Some(4), detect_deadlock: true, panic_abort: false },
///                                                  __goroutine_entry(),
///                                              )).run_program() // on the workers if Send
///                                          }
/// ```
///
/// Attributes, doc comments and visibility on the function are kept. The
/// function must be `async` and have no generic parameters; `main` takes no
/// arguments. Each mistake is a compile error that says what to write.
///
/// # On other functions
///
/// On a function not called `main` the attribute makes a blocking function
/// that starts a runtime each time it is called, for calling async code from
/// a synchronous program. Such a function may take arguments:
///
/// ```
/// #[goroutine::main(workers = 1)]
/// async fn double_in_goroutine(n: u64) -> u64 {
///     goroutine::spawn(async move { n * 2 }).await.unwrap()
/// }
///
/// fn main() {
///     assert_eq!(double_in_goroutine(21), 42);
/// }
/// ```
///
/// The body runs on the calling thread, as `goroutine::block_on` runs it.
/// When it returns, the runtime ends as `main`'s does: threads stuck in a
/// poll or a blocking closure are left running, detached.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::main(args.into(), item.into()).into()
}

/// Runs an `async fn` test on a fresh runtime of its own.
///
/// ```
/// #[goroutine::test]
/// async fn spawned_goroutine_returns_its_value() {
///     assert_eq!(goroutine::spawn(async { 42 }).await.unwrap(), 42);
/// }
/// ```
///
/// Each test gets its own runtime, so goroutines one test leaves running
/// cannot disturb another; they are dropped when the test returns. A test
/// may return `Result` (as plain tests may) and use `?`, and other test
/// attributes keep working:
///
/// ```
/// #[goroutine::test(workers = 1)]
/// #[should_panic(expected = "boom")]
/// async fn panic_in_test_body_fails_the_test() {
///     panic!("boom");
/// }
///
/// #[goroutine::test]
/// async fn parses() -> Result<(), std::num::ParseIntError> {
///     let n: u8 = "12".parse()?;
///     assert_eq!(n, 12);
///     Ok(())
/// }
/// ```
///
/// # Arguments
///
/// The same as [`macro@main`]: `workers = N`, `detect_deadlock = true|false`
/// and `crate = "path"`; `panic = "abort"` is refused (it would end the
/// whole test binary): a goroutine's panic reaches its `JoinHandle`.
///
/// # What it expands to
///
/// A `#[test] fn` with the same name that runs the body to completion on a
/// new runtime. Do not add `#[test]` yourself: it would register the test
/// twice, so it is a compile error. The function must be `async` and take
/// no arguments.
///
/// Unlike a program's `main`, the body stays on the test's own thread (as
/// `goroutine::block_on` runs it), where the test harness captures what it
/// prints; the goroutines it starts run on the runtime's workers.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::test(args.into(), item.into()).into()
}
