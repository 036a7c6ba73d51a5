//! The tour: the first thing to run.
//!
//! ```sh
//! cargo run --release --example tour -p goroutine
//! TOUR_N=100000 cargo run --example tour -p goroutine   # fewer goroutines (debug builds)
//! ```
//!
//! Part 1 runs the programs of the Go text this project starts from
//! ("Goroutines in Go": a goroutine, several, a channel, a worker pool, a
//! WaitGroup), then three things Go programmers look for: `select` with a
//! timeout, `context.WithTimeout` and `errgroup`. Each heading quotes the Go
//! line it corresponds to. The stand-alone versions are the `seed_*`
//! examples beside this file.
//!
//! Part 2 spawns a million goroutines, each parked on its own unbuffered
//! channel, and prints how fast they spawn, how much memory each costs while
//! parked, and how long it takes to wake and join them all. The count is
//! `TOUR_N` (environment) or the first argument; default 1,000,000.
//!
//! Memory is measured with a counting allocator (below): the growth of the
//! live heap, in bytes requested from `malloc`, between "before the first
//! channel" and "every goroutine parked". See `million` for what is and is
//! not counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{IsTerminal, Write};
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use goroutine::chan::{self, Receiver, Sender};
use goroutine::context;
use goroutine::sync::{ErrGroup, WaitGroup};
use goroutine::time;

// ---------------------------------------------------------------------------
// A counting allocator: every byte `malloc` hands out, minus every byte
// `free` takes back. Go's equivalent is `runtime.ReadMemStats().HeapAlloc`.
// ---------------------------------------------------------------------------

/// Forwards to the system allocator and keeps [`LIVE`] up to date.
struct Counting;

/// Live heap bytes (as requested; `malloc`'s own per-block header and size
/// rounding are not included).
static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees are ours; the counter is bookkeeping
// only (Relaxed: nothing is published through it).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is; `ptr` came from `alloc` with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            let old = layout.size();
            if new_size >= old {
                LIVE.fetch_add(new_size - old, Relaxed);
            } else {
                LIVE.fetch_sub(old - new_size, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

// ---------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------

/// `func main()`: `#[goroutine::main]` runs it as the main goroutine; when
/// it returns, the program ends, as in Go.
#[goroutine::main]
async fn main() {
    let n = goroutine_count();
    println!(
        "goroutine tour: Go's concurrency model in Rust ({} workers = GOMAXPROCS, {} build)",
        goroutine::maxprocs(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
    );

    println!();
    println!("PART 1: the programs of \"Goroutines in Go\"");
    println!("(their sleeps are shortened for the tour: 1 s -> 100 ms, 2 s -> 200 ms)");
    simple_goroutine().await;
    multiple_goroutines().await;
    channels().await;
    worker_pool().await;
    waitgroup().await;
    select_with_timeout().await;
    context_with_timeout().await;
    errgroup().await;

    println!();
    println!("PART 2: {} goroutines", thousands(n as u64));
    println!("(each: ch := make(chan uint64); go func() {{ v := <-ch; sum.Add(v); wg.Done() }}())");
    million(n).await;

    println!();
    println!("More: the examples beside this one (crates/goroutine/examples/), and the");
    println!("Go -> Rust table in the crate docs: cargo doc -p goroutine --open");
}

/// How many goroutines part 2 spawns: `TOUR_N`, else the first argument,
/// else one million. `_` and `,` may group digits.
fn goroutine_count() -> usize {
    let arg = std::env::var("TOUR_N")
        .ok()
        .or_else(|| std::env::args().nth(1));
    let Some(arg) = arg else {
        return 1_000_000;
    };
    let digits: String = arg.chars().filter(|c| !matches!(c, '_' | ',')).collect();
    match digits.trim().parse::<usize>() {
        Ok(n) if n > 0 => n,
        _ => {
            eprintln!("tour: the goroutine count must be a positive number, got {arg:?}");
            std::process::exit(2);
        }
    }
}

/// Prints a section heading: the Go code the section corresponds to.
fn heading(go: &str) {
    println!();
    println!("-- {go}");
}

// ---------------------------------------------------------------------------
// Part 1: the seed's programs
// ---------------------------------------------------------------------------

/// The shortened `time.Second` of the seed programs.
const SECOND: Duration = Duration::from_millis(100);

/// `func sayHello() { fmt.Println("Hello from goroutine!") }`
async fn say_hello() {
    println!("Hello from goroutine!");
}

/// Example 1: Simple Goroutine.
async fn simple_goroutine() {
    heading("go sayHello(); time.Sleep(1 * time.Second)");
    goroutine::go!(say_hello()); // go sayHello()
    time::sleep(SECOND).await; // time.Sleep(1 * time.Second) // Wait for goroutine
    println!("Main function"); // fmt.Println("Main function")
}

/// `func worker(id int)` of Example 2.
async fn worker(id: u32) {
    println!("Worker {id} starting");
    time::sleep(SECOND).await; // time.Sleep(time.Second)
    println!("Worker {id} done");
}

/// Example 2: Multiple Goroutines. The order within "starting" and within
/// "done" varies from run to run, in Go as here.
async fn multiple_goroutines() {
    heading("for i := 1; i <= 3; i++ { go worker(i) }; time.Sleep(2 * time.Second)");
    for i in 1..=3 {
        goroutine::go!(worker(i)); // go worker(i)
    }
    time::sleep(2 * SECOND).await; // time.Sleep(2 * time.Second)
}

/// Using Channels: an unbuffered channel hands a value from one goroutine
/// to another; the send waits until the receive takes it.
async fn channels() {
    heading("ch := make(chan string); go func() { ch <- \"Hello from goroutine\" }(); <-ch");
    let (tx, rx) = chan::bounded(0); // ch := make(chan string)
    goroutine::go!(async move {
        tx.send("Hello from goroutine").await.unwrap(); // ch <- "Hello from goroutine"
    });
    let message = rx.recv().await.unwrap(); // message := <-ch
    println!("{message}"); // fmt.Println(message)
}

/// `func worker(jobs <-chan int, results chan<- int)` of the Worker Pool.
async fn pool_worker(jobs: Receiver<i32>, results: Sender<i32>) {
    while let Some(j) = jobs.recv().await {
        // for j := range jobs
        results.send(j * 2).await.unwrap(); // results <- j * 2
    }
}

/// The Worker Pool pattern. The Go version prints nothing; the tour prints
/// the results it collects.
async fn worker_pool() {
    heading("jobs := make(chan int, 100); go worker(jobs, results); close(jobs)");
    let (jobs_tx, jobs_rx) = chan::bounded(100); // jobs := make(chan int, 100)
    let (results_tx, results_rx) = chan::bounded(100); // results := make(chan int, 100)

    for _w in 1..=3 {
        // for w := 1; w <= 3; w++ { go worker(jobs, results) }
        goroutine::go!(pool_worker(jobs_rx.clone(), results_tx.clone()));
    }
    for j in 1..=5 {
        jobs_tx.send(j).await.unwrap(); // jobs <- j
    }
    jobs_tx.close(); // close(jobs)

    let mut results = Vec::new();
    for _a in 1..=5 {
        results.push(results_rx.recv().await.unwrap()); // <-results
    }
    results.sort_unstable(); // three workers: they finish in any order
    println!("results (sorted): {results:?}");
}

/// The WaitGroup Pattern. The order of the lines varies, in Go as here.
async fn waitgroup() {
    heading("var wg sync.WaitGroup; wg.Add(1); go func(id int) { defer wg.Done() }(i); wg.Wait()");
    let wg = WaitGroup::new(); // var wg sync.WaitGroup
    for i in 0..5 {
        wg.add(1); // wg.Add(1)
        let wg = wg.clone(); // the goroutine's reference to the same group
        goroutine::go!(async move {
            // go func(id int) { defer wg.Done(); ... }(i)
            let id = i;
            println!("Goroutine {id}");
            wg.done();
        });
    }
    wg.wait().await; // wg.Wait()
}

/// `select` with a timeout (Go by Example: Timeouts): the result comes
/// after 100 ms, the timeout fires after 50 ms.
async fn select_with_timeout() {
    heading("select { case res := <-c: ...; case <-time.After(50 * time.Millisecond): ... }");
    let (tx, c) = chan::bounded(1); // c := make(chan string, 1)
    let late = goroutine::spawn(async move {
        time::sleep(SECOND).await; // 100 ms of work
                                   // Buffered, so this send does not wait for a reader that is gone:
                                   // the goroutine ends instead of leaking (Go's reason, too).
        let _ = tx.send("result").await; // c <- "result"
    });
    goroutine::select! {
        Some(res) = c.recv() => println!("{res}"),
        _ = time::after(Duration::from_millis(50)).recv() => println!("timeout after 50 ms"),
    }
    late.await.unwrap(); // the tour waits for it, so part 2 counts only its own goroutines
}

/// `context.WithTimeout`: the context's `Done` channel closes when the
/// deadline passes, and every goroutine watching it can stop.
async fn context_with_timeout() {
    heading("ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond); <-ctx.Done()");
    let bg = context::background();
    let (ctx, cancel) = context::with_timeout(&bg, Duration::from_millis(50));
    goroutine::select! {
        _ = time::sleep(SECOND) => println!("work finished"), // 100 ms of "work"
        _ = ctx.done() => println!("gave up: {}", ctx.err().unwrap()), // ctx.Err()
    }
    cancel.cancel(); // defer cancel()
}

/// `errgroup.WithContext`: three goroutines, one fails; `Wait` returns the
/// first error and the context tells the others to stop.
async fn errgroup() {
    heading("g, ctx := errgroup.WithContext(ctx); g.Go(func() error { ... }); err := g.Wait()");
    let (g, ctx) = ErrGroup::<String>::with_context();
    for part in 1..=3 {
        let ctx = ctx.clone();
        g.go(async move {
            if part == 2 {
                return Err(format!("part {part} failed")); // return errors.New(...)
            }
            ctx.done().await; // the others wait until the group gives up
            println!("part {part} stopped: {}", ctx.err().unwrap()); // ctx.Err()
            Ok(())
        });
    }
    let err = g.wait().await; // err := g.Wait()
    println!("g.Wait() = {err:?}");
}

// ---------------------------------------------------------------------------
// Part 2: a million goroutines
// ---------------------------------------------------------------------------

/// Bytes per goroutine parked on its own unbuffered channel (task + stack
/// or future + channel), one million of them, measured on the project's
/// 2-core machine (issue 5). Go's figure includes the goroutine's stack.
const PEERS: [(&str, u64); 4] = [
    ("Go (goroutine + chan)", 2_815),
    ("tokio + tokio::sync::mpsc", 1_138),
    ("tokio + flume", 774),
    ("async-executor + async-channel", 1_276),
];

/// The project's goal for a parked goroutine with its channel: a tenth of
/// Go's.
const GOAL: f64 = 280.0;

/// `var wg sync.WaitGroup` at package level, as Go programs often have it:
/// the goroutines then capture nothing for it (a clone each would add its
/// 8-byte pointer to every goroutine's future).
static WG: LazyLock<WaitGroup> = LazyLock::new(WaitGroup::new);
/// Goroutines that have started and are about to wait on their channel.
static PARKED: AtomicUsize = AtomicUsize::new(0);
/// Sum of the values the goroutines received: checks that each value
/// arrived exactly once.
static SUM: AtomicUsize = AtomicUsize::new(0);

/// Spawns `n` goroutines, each parked on its own unbuffered channel, then
/// wakes and joins them all. In Go:
///
/// ```go
/// var wg sync.WaitGroup
///
/// chans := make([]chan uint64, 0, n)
/// wg.Add(n)
/// for i := 0; i < n; i++ {
///     ch := make(chan uint64)
///     chans = append(chans, ch)
///     go func() { v := <-ch; sum.Add(v); wg.Done() }()
/// }
/// for i, ch := range chans { ch <- uint64(i) }
/// wg.Wait()
/// ```
///
/// What "bytes per parked goroutine" counts: the growth of the live heap
/// from just before the first `make(chan)` to the moment every goroutine
/// waits on its channel, divided by `n`. That is the task (its header and
/// metadata, the entry that lists it as parked) with its future inside (the
/// `async` block's state, which holds the receive in progress), the
/// channel, and whatever the runtime's queues still hold. Not counted: the
/// `Vec` of senders (allocated before, 8 B per goroutine), the runtime's
/// threads and fixed structures (they exist before), `malloc`'s own
/// per-block overhead (8 to 16 B per allocation; Go's `HeapAlloc` leaves
/// out its own too), and pages the allocator holds but does not use. The
/// process's resident memory, printed for reference, includes those.
async fn million(n: usize) {
    let progress = Progress::start(n);

    // The senders' Vec is the test's bookkeeping, not part of a goroutine:
    // allocate it before measuring.
    let mut senders: Vec<Sender<u64>> = Vec::with_capacity(n);
    let chan_bytes = channel_bytes();
    WG.add(n); // wg.Add(n)
    let before = settled_live().await;
    let rss_before = rss_bytes();

    // Spawn: make(chan) + go, n times. The main goroutine spawns, as in Go;
    // the workers start each new goroutine, which runs up to its receive and
    // parks, giving its thread back.
    progress.phase(Phase::Spawning);
    let start = Instant::now();
    let mut future_bytes = 0;
    for _ in 0..n {
        let (tx, rx) = chan::bounded::<u64>(0); // ch := make(chan uint64)
        senders.push(tx); // chans = append(chans, ch)

        // One `async` block that captures only `rx`: its state is all the
        // goroutine keeps while parked (what a stack is to Go). Wrapping it
        // in a second `async` block would store it twice.
        let goroutine = async move {
            PARKED.fetch_add(1, Relaxed);
            let v = rx.recv().await; // v := <-ch
            SUM.fetch_add(v.expect("the tour closes no channel") as usize, Relaxed);
            WG.done(); // wg.Done()
        };
        future_bytes = std::mem::size_of_val(&goroutine);
        goroutine::go!(goroutine); // go func() { ... }()
    }
    let spawn_time = start.elapsed();
    progress.done(format_args!(
        "spawned  {} goroutines in {}: {} goroutines/s (make(chan) + go each)",
        thousands(n as u64),
        millis(spawn_time),
        rate(n, spawn_time),
    ));

    // Wait until every goroutine has started and parked on its channel.
    progress.phase(Phase::Parking);
    while PARKED.load(Relaxed) < n {
        time::sleep(Duration::from_millis(1)).await;
    }
    let after = settled_live().await;
    let parked_time = start.elapsed();
    progress.done(format_args!(
        "parked   all of them, each waiting on its own channel, {} after the first go",
        millis(parked_time),
    ));
    println!(
        "         runtime.NumGoroutine() = {} (main included)",
        thousands(goroutine::num_goroutines() as u64)
    );
    let per = after.saturating_sub(before) as f64 / n as f64;
    println!("memory   {per:.0} B per parked goroutine (growth of the live heap / n):");
    println!(
        "         channel {chan_bytes:.0} B + task {:.0} B, of which its future is {future_bytes} B",
        per - chan_bytes,
    );
    if let (Some(rss_before), Some(rss_after)) = (rss_before, rss_bytes()) {
        let grown = rss_after.saturating_sub(rss_before);
        println!(
            "         (process RSS grew by {:.1} MiB, {:.0} B per goroutine with malloc's overhead)",
            grown as f64 / (1 << 20) as f64,
            grown as f64 / n as f64,
        );
    }

    // Wake them all: one send per channel. On an unbuffered channel a send
    // hands its value straight to the parked receiver and makes it
    // runnable; the workers run each goroutine to its end.
    progress.phase(Phase::Waking);
    let start = Instant::now();
    for (i, tx) in senders.iter().enumerate() {
        tx.send(i as u64).await.unwrap(); // ch <- uint64(i)
        progress.woke(i + 1);
    }
    progress.phase(Phase::Joining);
    WG.wait().await; // wg.Wait()
    let wake_time = start.elapsed();
    progress.done(format_args!(
        "woke     and joined all {} in {}: {} goroutines/s",
        thousands(n as u64),
        millis(wake_time),
        rate(n, wake_time),
    ));
    progress.stop();

    let expected = n * (n - 1) / 2; // 0 + 1 + ... + (n - 1)
    assert_eq!(SUM.load(Relaxed), expected, "a value was lost or doubled");
    println!("checked  every goroutine received its own value, exactly once");
    drop(senders);

    println!();
    print_comparison(n, per);
}

/// Live heap bytes of one unbuffered `chan u64`, from a sample of 1,000.
fn channel_bytes() -> f64 {
    const SAMPLE: usize = 1000;
    let mut sample = Vec::with_capacity(SAMPLE);
    let before = LIVE.load(Relaxed);
    sample.extend((0..SAMPLE).map(|_| chan::bounded::<u64>(0)));
    let after = LIVE.load(Relaxed);
    drop(sample);
    after.saturating_sub(before) as f64 / SAMPLE as f64
}

/// The live heap once it has stopped moving: workers that just parked may
/// still be freeing a little.
async fn settled_live() -> usize {
    let mut last = LIVE.load(Relaxed);
    for _ in 0..50 {
        time::sleep(Duration::from_millis(10)).await;
        let now = LIVE.load(Relaxed);
        if now == last {
            break;
        }
        last = now;
    }
    last
}

/// The process's resident memory, where `/proc` tells it (Linux).
fn rss_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// The peers' figures next to ours, and the verdict on the goal.
fn print_comparison(n: usize, per: f64) {
    println!("bytes per goroutine parked on its own unbuffered channel");
    println!("(1,000,000 of them; the peers measured on the project's 2-core machine)");
    for (who, bytes) in PEERS {
        println!("  {who:<32} {:>6} B", thousands(bytes));
    }
    let verdict = if per <= GOAL { "met" } else { "NOT met" };
    let us = if n == 1_000_000 {
        String::from("goroutine (this run)")
    } else {
        format!("goroutine (this run, {})", thousands(n as u64))
    };
    println!(
        "  {us:<32} {:>6} B   <- {:.0}x less than Go; goal <= {GOAL} B: {verdict}",
        thousands(per.round() as u64),
        PEERS[0].1 as f64 / per,
    );
}

// ---------------------------------------------------------------------------
// The live progress line
// ---------------------------------------------------------------------------

/// What part 2 is doing, for the progress line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle = 0,
    Spawning = 1,
    Parking = 2,
    Waking = 3,
    Joining = 4,
}

/// State the progress thread reads.
struct ProgressState {
    n: usize,
    phase: AtomicUsize,
    woken: AtomicUsize,
    /// When the current phase began, in ns after `origin`.
    phase_start_ns: std::sync::atomic::AtomicU64,
    origin: Instant,
    stop: std::sync::atomic::AtomicBool,
}

/// A line redrawn in place every 100 ms while part 2 works, when stdout is
/// a terminal. It runs on a plain thread, outside the runtime, so it does
/// not take a worker from the goroutines it watches (and is not one of
/// them: `NumGoroutine` stays n + 1). When stdout is not a terminal it
/// draws nothing and only the result lines are printed.
struct Progress {
    state: Arc<ProgressState>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(n: usize) -> Progress {
        let state = Arc::new(ProgressState {
            n,
            phase: AtomicUsize::new(Phase::Idle as usize),
            woken: AtomicUsize::new(0),
            phase_start_ns: std::sync::atomic::AtomicU64::new(0),
            origin: Instant::now(),
            stop: std::sync::atomic::AtomicBool::new(false),
        });
        let thread = std::io::stdout().is_terminal().then(|| {
            let state = state.clone();
            std::thread::spawn(move || draw_loop(&state))
        });
        Progress { state, thread }
    }

    fn phase(&self, phase: Phase) {
        let ns = self.state.origin.elapsed().as_nanos() as u64;
        self.state.phase_start_ns.store(ns, Relaxed);
        self.state.phase.store(phase as usize, Relaxed);
    }

    fn woke(&self, count: usize) {
        self.state.woken.store(count, Relaxed);
    }

    /// Replaces the progress line with a result line.
    fn done(&self, line: std::fmt::Arguments<'_>) {
        self.phase(Phase::Idle);
        // Holding stdout's lock keeps the progress thread from drawing
        // between the clear and the line.
        let mut out = std::io::stdout().lock();
        if self.thread.is_some() {
            let _ = write!(out, "\r\x1b[2K");
        }
        let _ = writeln!(out, "{line}");
    }

    fn stop(mut self) {
        self.state.stop.store(true, Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

/// The progress thread: every 100 ms, reads the counters and redraws the
/// line with the phase, how far it got, and its rate so far.
fn draw_loop(state: &ProgressState) {
    let n = thousands(state.n as u64);
    while !state.stop.load(Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        let phase = state.phase.load(Relaxed);
        let live = goroutine::num_goroutines(); // runtime.NumGoroutine()
        let parked = PARKED.load(Relaxed);
        let woken = state.woken.load(Relaxed);
        // Each phase's count starts near 0: its rate is count / time in it.
        let count = match phase {
            p if p == Phase::Spawning as usize => live,
            p if p == Phase::Waking as usize => woken,
            _ => 0,
        };
        let began = Duration::from_nanos(state.phase_start_ns.load(Relaxed));
        let secs = (state.origin.elapsed().saturating_sub(began)).as_secs_f64();
        let rate = per_second(count as f64 / secs.max(1e-3));
        let line = match phase {
            p if p == Phase::Spawning as usize => format!(
                "spawning  {} of {n}  ({rate} goroutines/s), {} parked",
                thousands(live as u64),
                thousands(parked as u64),
            ),
            p if p == Phase::Parking as usize => {
                format!("parking   {} of {n} parked", thousands(parked as u64))
            }
            p if p == Phase::Waking as usize => format!(
                "waking    {} of {n} sent  ({rate} sends/s), {} goroutines left",
                thousands(woken as u64),
                thousands(live as u64),
            ),
            p if p == Phase::Joining as usize => {
                format!("joining   {} goroutines left", thousands(live as u64))
            }
            _ => continue,
        };
        let mut out = std::io::stdout().lock();
        // Re-check under the lock: `done` may have ended the phase.
        if state.phase.load(Relaxed) == phase {
            let _ = write!(out, "\r\x1b[2K{line}");
            let _ = out.flush();
        }
    }
}

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

/// `1234567` -> `"1,234,567"`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration in milliseconds, e.g. `"412 ms"`.
fn millis(d: Duration) -> String {
    format!("{} ms", thousands(d.as_millis() as u64))
}

/// `n` per `d`, e.g. `"2.4 M"`.
fn rate(n: usize, d: Duration) -> String {
    per_second(n as f64 / d.as_secs_f64().max(1e-9))
}

/// A rate in a few digits: `"2.4 M"`, `"310 k"`.
fn per_second(r: f64) -> String {
    if r >= 1e6 {
        format!("{:.1} M", r / 1e6)
    } else if r >= 1e3 {
        format!("{:.0} k", r / 1e3)
    } else {
        format!("{r:.0}")
    }
}
