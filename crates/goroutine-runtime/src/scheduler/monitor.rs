//! The monitor (Go's sysmon): a thread per runtime that watches the
//! workers and keeps the runtime moving when a goroutine blocks its worker.
//!
//! A goroutine is a stackless future, so the runtime cannot preempt it in
//! the middle of a poll: one that calls `std::thread::sleep`, does blocking
//! I/O, or computes for a long time without an `.await` holds its worker
//! thread for the whole time. The monitor samples each worker's
//! `poll_seq` (odd while a poll runs) every `INTERVAL`; a poll still running
//! after the blocking threshold (10 ms by default) marks its worker blocked,
//! and the monitor then:
//!
//! 1. moves the goroutine in the blocked worker's LIFO slot to the global
//!    queue (nothing else would run it until the poll ends);
//! 2. starts an *extra worker* in a spare slot, with a queue of its own,
//!    which steals the blocked worker's queue and drives timers and I/O like
//!    any worker. Extra workers are capped (`Builder::max_extra_workers`).
//!    Not when the poll is computing (its thread is on a CPU, per `/proc`)
//!    and another worker is healthy: that one steals the queue, and a new
//!    thread would only fight the computing one for the cores (see
//!    [`rescue`]).
//!
//! When the blocked poll ends, the monitor retires one extra worker: it
//! moves its goroutines to the global queue and exits. Each hand-off is
//! counted in `Handle::metrics`.
//!
//! Cost: the workers bump `poll_seq` with two plain stores per poll. The
//! monitor sleeps for good while every worker is parked (the first worker
//! to wake wakes it), so an idle runtime costs nothing.
//!
//! The module also holds the deadlock check used by `block_on`.

use std::panic::Location;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::shared::{DeadlockAction, Shared};
use super::Worker;
use crate::loom::lock_std as lock;
use crate::runtime::spawn_thread;

/// How often the monitor samples the workers while the runtime is busy.
const INTERVAL: Duration = Duration::from_millis(2);

/// A worker that has ended no poll for this long will not fire the timers
/// soon: the monitor fires them (Go's `forcePreemptNS`, after which Go
/// would preempt the goroutine and check them).
const STUCK_AFTER: Duration = Duration::from_millis(10);

/// What the monitor remembers about one worker slot.
#[derive(Clone, Copy)]
struct Sample {
    seq: u64,
    since: Instant,
    reported: bool,
    /// The monitor started an extra worker for this poll.
    rescued: bool,
}

/// Starts the monitor thread if the configuration asks for one.
pub(crate) fn start_monitor(shared: &Arc<Shared>) -> std::io::Result<()> {
    let cfg = &shared.config;
    if cfg.blocking_threshold.is_none() && cfg.long_poll.is_none() {
        return Ok(());
    }
    let s = shared.clone();
    let name = format!("{}-monitor", cfg.thread_name);
    let h = spawn_thread(&shared.threads, name, None, move || run(&s))?;
    lock(&shared.thread_handles).push(h);
    Ok(())
}

fn run(shared: &Arc<Shared>) {
    let now = Instant::now();
    let mut samples = vec![
        Sample {
            seq: 0,
            since: now,
            reported: false,
            rescued: false,
        };
        shared.remotes.len()
    ];
    // Whether main's spawns waited at the last round while a main
    // goroutine was polling.
    let mut main_q_held = false;
    while !shared.is_closed() {
        if !sleep(shared) {
            continue;
        }
        let now = Instant::now();
        shared.tick_clock(now);
        main_q_held = release_main_q(shared, main_q_held);
        let overdue = shared.driver.is_overdue(now, INTERVAL);
        if overdue
            && !no_poll_ended_for(shared, &samples, now)
            && shared.idle.any_sleeper().is_none()
        {
            // Every worker is running and some end polls: the next to end
            // one fires them (see below), even if it predicted that the
            // timer was far off in polls and its polls then got longer.
            shared.driver.poke();
        } else if overdue {
            // Every worker is stuck in a poll (goroutines that compute
            // without awaiting, more of them than the extra workers): no
            // worker fires the timers. Go would preempt them; we cannot,
            // so fire the timers here. Their goroutines queue for the next
            // free worker; a main goroutine on its own thread runs at once,
            // and so does one of the workers', on the thread that waits for
            // it (`Shared::main_rescued`). Here too when a worker is
            // parked (the one that slept for the timers left to run a
            // goroutine): it is woken to run what they wake. But not while
            // every worker runs and one has ended a poll in the last
            // `STUCK_AFTER`: poked, it fires them at the end of its current
            // poll, and its LIFO slot runs the woken goroutine next, where
            // from here it would wait in the global queue for that busy
            // worker's 61st tick (a 1 ms sleeper beside polls of 1 ms woke
            // 239 ms late). Go checks timers at every schedule too, and
            // preempts a goroutine only after 10 ms.
            // SeqCst: read by `quiescent` between its SeqCst loads.
            shared.monitor.firing.store(true, SeqCst);
            shared.driver.process(now);
            shared.monitor.firing.store(false, SeqCst);
        }
        for (i, sample) in samples.iter_mut().enumerate() {
            check_worker(shared, i, sample, now);
        }
        if let Some(threshold) = shared.config.blocking_threshold {
            for i in 0..samples.len() {
                if is_stuck(&samples[i], now, threshold) {
                    rescue(shared, i, &mut samples, now, threshold);
                }
            }
        }
    }
}

/// True if no worker has ended a poll for `STUCK_AFTER` (each looks at the
/// timers when it does): all are stuck in polls, or parked.
fn no_poll_ended_for(shared: &Shared, samples: &[Sample], now: Instant) -> bool {
    // Relaxed: sampling; a stale value only delays the firing by a round.
    samples
        .iter()
        .zip(shared.remotes.iter())
        .all(|(sample, remote)| {
            remote.poll_seq.load(Relaxed) == sample.seq && now - sample.since >= STUCK_AFTER
        })
}

/// A main goroutine that runs on (a long computation, a blocking call)
/// keeps its spawns in `main_q`, out of the workers' reach: after a whole
/// round of that, move them to the global queue, as Go's idle Ps steal a
/// running P's queue. Returns whether they are held now.
fn release_main_q(shared: &Shared, held_before: bool) -> bool {
    let held = !shared.main_q.is_empty() && shared.main_is_polling();
    if held && held_before {
        for task in shared.main_q.drain() {
            shared.push_remote(task);
        }
        return false;
    }
    held
}

/// A poll has run past the blocking threshold on this worker.
fn is_stuck(sample: &Sample, now: Instant, threshold: Duration) -> bool {
    sample.seq % 2 == 1 && now - sample.since >= threshold
}

/// Worker `i` is stuck in a poll: keep its goroutines moving.
///
/// Whatever the stuck goroutine woke lands in its LIFO slot, which no other
/// worker takes: move it to the global queue (on every round, since the
/// stuck code may keep waking goroutines). Then, as Go's sysmon does for a
/// thread in a system call, give the worker's place to an extra worker
/// thread, unless the goroutine is computing (its thread is running on a
/// CPU) and another worker is healthy: Go would preempt it; we cannot, and
/// a new thread would only compete with it for the cores, while the
/// healthy workers steal its queue anyway (one is woken to do so). A
/// computing goroutine with no healthy worker beside it (a 1-worker
/// runtime, or every worker stuck) gets the extra worker too.
fn rescue(
    shared: &Arc<Shared>,
    i: usize,
    samples: &mut [Sample],
    now: Instant,
    threshold: Duration,
) {
    let remote = &shared.remotes[i];
    if let Some(task) = remote.lifo.take() {
        shared.push_remote(task);
    }
    if samples[i].rescued {
        return;
    }
    // Relaxed: written once by the worker before its first poll.
    let computing = thread_is_running(remote.os_tid.load(Relaxed));
    if computing && has_healthy_worker(shared, i, samples, now, threshold) {
        if !remote.steal.is_empty() {
            shared.notify_parked();
        }
        return;
    }
    if start_extra_worker(shared) {
        samples[i].rescued = true;
        shared.metrics.handoffs.fetch_add(1, Relaxed);
    }
}

/// Is some running worker other than `i` not stuck (polling normally,
/// searching or parked, and so able to run `i`'s goroutines)?
fn has_healthy_worker(
    shared: &Shared,
    i: usize,
    samples: &[Sample],
    now: Instant,
    threshold: Duration,
) -> bool {
    let spare: Vec<usize> = lock(&shared.spare_queues).iter().map(|(j, _)| *j).collect();
    (0..samples.len())
        .filter(|&j| j != i && !spare.contains(&j))
        .any(|j| !is_stuck(&samples[j], now, threshold))
}

/// The calling thread's OS thread id, where the OS tells it (Linux).
pub(crate) fn current_os_tid() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// True if thread `tid` of this process is running or runnable (state `R`
/// in `/proc`), false if it sleeps (a system call, a lock) or is unknown.
fn thread_is_running(tid: u32) -> bool {
    if tid == 0 {
        return false;
    }
    let Ok(stat) = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")) else {
        return false;
    };
    // `pid (comm) S ...`: the state follows the last ')' (comm may hold one).
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .is_some_and(|state| state == "R")
}

/// Sleeps `INTERVAL`, or until woken if every worker is parked. Returns
/// false if it slept because of idleness (nothing to sample).
fn sleep(shared: &Shared) -> bool {
    let monitor = &shared.monitor;
    // Not while main's spawns wait in `main_q`: the rounds must go on for
    // `release_main_q`.
    if shared.idle.all_parked() && shared.main_q.is_empty() {
        // SeqCst store, then re-check: pairs with `Shared::monitor_wake`,
        // which a worker calls after counting itself unparked. Either it
        // sees `parked` and wakes us, or we see it unparked here.
        monitor.parked.store(true, SeqCst);
        if shared.idle.all_parked() && shared.main_q.is_empty() && !shared.is_closed() {
            monitor.parker.park(None);
            monitor.parked.store(false, SeqCst);
            return false;
        }
        monitor.parked.store(false, SeqCst);
    }
    monitor.parker.park(Some(Instant::now() + INTERVAL));
    true
}

fn check_worker(shared: &Arc<Shared>, i: usize, sample: &mut Sample, now: Instant) {
    let remote = &shared.remotes[i];
    // Relaxed: sampling; a stale value only delays a decision by a round.
    let seq = remote.poll_seq.load(Relaxed);
    if seq != sample.seq {
        if sample.rescued {
            // The blocked poll ended: one extra worker can go.
            retire_one_extra(shared);
        }
        *sample = Sample {
            seq,
            since: now,
            reported: false,
            rescued: false,
        };
        return;
    }
    if seq % 2 == 0 {
        return;
    }
    let running = now - sample.since;
    if let Some(limit) = shared.config.long_poll {
        if running >= limit && !sample.reported {
            sample.reported = true;
            report_long_poll(shared, i, running);
        }
    }
}

fn report_long_poll(shared: &Shared, i: usize, running: Duration) {
    let remote = &shared.remotes[i];
    let id = remote.current_id.load(Relaxed);
    let loc = remote.current_loc.load(Relaxed);
    // SAFETY: the worker stores only `&'static Location` pointers here
    // (from goroutine metadata), or null.
    let loc: Option<&'static Location<'static>> = unsafe { loc.as_ref() };
    let name = shared
        .name_by_id(id)
        .map(|n| format!(" \"{n}\""))
        .unwrap_or_default();
    let at = loc.map(|l| format!(", created at {l}")).unwrap_or_default();
    shared.metrics.long_polls.fetch_add(1, Relaxed);
    eprintln!(
        "goroutine: goroutine {id}{name}{at} has run for {} ms without yielding (worker {i})",
        running.as_millis()
    );
}

/// Starts an extra worker in a spare slot. False when the cap is reached.
fn start_extra_worker(shared: &Arc<Shared>) -> bool {
    let cap = shared.config.max_extra_workers;
    // Load, then add below: not a race, as the monitor thread is the only
    // one that increments this count (retiring workers only decrement it).
    if shared.metrics.extra_workers.load(Relaxed) >= cap {
        return false;
    }
    // The lowest spare slot, so that the slots searches look at stay few.
    let Some((index, local)) = ({
        let mut spare = lock(&shared.spare_queues);
        let lowest = (0..spare.len()).min_by_key(|&k| spare[k].0);
        lowest.map(|k| spare.swap_remove(k))
    }) else {
        return false;
    };
    shared.use_slot(index);
    shared.metrics.extra_workers.fetch_add(1, Relaxed);
    shared.idle.add_worker();
    let s = shared.clone();
    let name = format!("{}-extra-{index}", shared.config.thread_name);
    let started = spawn_thread(&shared.threads, name, shared.config.stack_size, move || {
        let local = Worker::run(s.clone(), index, local);
        lock(&s.spare_queues).push((index, local));
        s.metrics.extra_workers.fetch_sub(1, Relaxed);
    });
    match started {
        Ok(h) => {
            let mut handles = lock(&shared.thread_handles);
            handles.retain(|h| !h.is_finished());
            handles.push(h);
            true
        }
        Err(_) => {
            // Out of threads: the slot's queue was moved into the closure
            // and dropped with it; the slot is lost, which only lowers the
            // cap by one.
            shared.idle.remove_worker();
            shared.metrics.extra_workers.fetch_sub(1, Relaxed);
            false
        }
    }
}

fn retire_one_extra(shared: &Shared) {
    let first_extra = shared.workers();
    let spare: Vec<usize> = lock(&shared.spare_queues).iter().map(|(i, _)| *i).collect();
    let running = (first_extra..shared.remotes.len())
        .rev()
        .find(|i| !spare.contains(i) && !shared.remotes[*i].retire.load(Relaxed));
    if let Some(i) = running {
        shared.remotes[i].retire.store(true, Relaxed);
        shared.unpark(i);
    }
}

// ---- deadlock detection ---------------------------------------------------------

/// Threads in this process, from `/proc/self/task` (Linux only).
fn process_threads() -> Option<usize> {
    Some(std::fs::read_dir("/proc/self/task").ok()?.count())
}

/// A fingerprint of runtime activity: changes whenever any worker polls.
fn activity(shared: &Shared) -> u64 {
    shared
        .remotes
        .iter()
        .map(|r| r.poll_seq.load(SeqCst))
        .fold(0u64, u64::wrapping_add)
}

/// True if nothing in or around the runtime can ever wake a goroutine:
/// Go's `checkdead`, plus the condition Go does not need: no thread outside
/// the runtime exists that could hold a waker or a channel handle.
///
/// "Nothing can wake anything" means, all at once:
/// - this is the only main goroutine in `block_on`, and it waits;
/// - every worker is parked and every run queue and LIFO slot is empty;
/// - no timer is pending and no I/O source is registered;
/// - the blocking pool runs and queues nothing;
/// - the process has no thread but this runtime's own threads, the thread
///   running `block_on`, and (for tests) the test harness's main thread
///   and the threads of other runtimes (other tests').
///
/// What it cannot see, and so never reports: a wake-up from a signal
/// handler, from another process, or from code outside Linux's
/// `/proc/self/task` census (other platforms get no reports at all).
fn quiescent(shared: &Shared, action: DeadlockAction) -> bool {
    if shared.mains.load(SeqCst) != 1 || !shared.idle.all_parked() {
        return false;
    }
    if shared.has_global_work()
        || shared
            .remotes
            .iter()
            .any(|r| !r.steal.is_empty() || !r.lifo.is_empty())
    {
        return false;
    }
    if shared.driver.pending() > 0
        || shared.monitor.firing.load(SeqCst)
        || lock(&shared.main_rescued).is_some()
        || shared.io.has_sources()
        || shared.blocking.is_busy()
    {
        return false;
    }
    let Some(threads) = process_threads() else {
        return false;
    };
    let ours = shared.threads.live() + shared.blocking.threads() + crate::traceback::threads() + 1;
    let others = match action {
        DeadlockAction::Exit => 0,
        // A test binary: the harness's main thread, and the threads of the
        // other tests' runtimes (each `#[goroutine::test]` builds its own,
        // driven by its own test thread). Without these, two tests
        // deadlocked at once each saw the other's threads and neither
        // reported: the run hung.
        DeadlockAction::Panic => {
            1 + crate::runtime::all_runtimes()
                .iter()
                .filter(|other| other.index != shared.index)
                .map(|other| {
                    other.threads.live() + other.blocking.threads() + other.mains.load(SeqCst)
                })
                .sum::<usize>()
        }
    };
    threads >= ours && threads <= ours + others
}

/// Called by `block_on` while its future waits: reports and exits (or
/// panics) if the runtime is deadlocked. `main_woken` says whether the
/// main goroutine has been woken since it began to wait.
pub(crate) fn check_deadlock(shared: &Shared, main_woken: impl Fn() -> bool) {
    let Some(action) = shared.config.deadlock else {
        return;
    };
    let before = activity(shared);
    if !quiescent(shared, action) {
        return;
    }
    // Confirm: still quiescent a moment later, with no poll in between.
    std::thread::sleep(Duration::from_millis(5));
    if activity(shared) != before || !quiescent(shared, action) {
        return;
    }
    // Last: a wake-up of main itself. A timer that fired between the end
    // of main's wait and the first check above left nothing pending and
    // every worker parked again, but it woke main, which would run on:
    // reporting then was a false deadlock (seen under heavy load). Its
    // worker woke main before parking again, so reading this after the
    // second check cannot miss it.
    if main_woken() {
        return;
    }
    let msg = format!(
        "fatal error: all goroutines are asleep - deadlock!\n\n{}",
        crate::debug::dump_of(shared)
    );
    match action {
        DeadlockAction::Exit => {
            use std::io::Write;
            let _ = std::io::stdout().flush();
            eprint!("{msg}");
            std::process::exit(2);
        }
        DeadlockAction::Panic => panic!("{msg}"),
    }
}
