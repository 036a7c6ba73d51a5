//! How `#[goroutine::main]` runs the program's `main`: as a goroutine on
//! the workers when its future is `Send`, as Go runs main on a P.
//!
//! Driven through the runner the attribute expands to, in one test: each
//! run installs its runtime as the global one, so the runs must not
//! overlap.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

#[allow(unused_imports)]
use goroutine::__private::{EntryConfig, MainOnThread as _, MainOnWorkers as _, ProgramMain};

fn config(workers: usize) -> EntryConfig {
    EntryConfig {
        workers: Some(workers),
        detect_deadlock: true,
        panic_abort: false,
    }
}

fn thread_name() -> String {
    std::thread::current().name().unwrap_or("").to_string()
}

/// Runs `f` on a thread of its own and waits at most 20 s for it.
fn within_20s(f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the program's main did not return");
}

#[test]
// `&&` is the point: it is what lets the `Send` runner be found first.
#[allow(clippy::needless_borrow)]
fn program_main_runs_like_gos_main() {
    // A `Send` main runs on a worker; one that is not, on its own thread.
    // It is goroutine 1, listed as main in the goroutine dump from its
    // first poll, and counted once.
    let name = Arc::new(Mutex::new(String::new()));
    let n = name.clone();
    let code = (&&ProgramMain::new(config(1), async move {
        *n.lock().unwrap() = thread_name();
        let list = goroutine::debug::goroutines();
        assert_eq!(list.len(), 1, "{list:?}");
        assert!(list[0].is_main && list[0].id.as_u64() == 1, "{list:?}");
        assert_eq!(goroutine::num_goroutines(), 1);
    }))
        .run_program();
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(
        name.lock().unwrap().starts_with("goroutine-worker"),
        "{name:?}"
    );
    // (An `async fn`, as the attribute makes: the choice needs the
    // future's `Send`-ness, which rustc knows for another item's future
    // but not yet for an `async` block inside the function it checks.)
    async fn not_send_main(on: String) {
        let not_send = std::rc::Rc::new(thread_name());
        goroutine::yield_now().await;
        assert_eq!(*not_send, on);
    }
    let code = (&&ProgramMain::new(config(1), not_send_main(thread_name()))).run_program();
    assert_eq!(code, ExitCode::SUCCESS);

    // Its spawns go to Go's `runnext`: once main blocks, the newest runs
    // first, then the others in order.
    let order = Arc::new(Mutex::new(Vec::new()));
    let o = order.clone();
    (&&ProgramMain::new(config(1), async move {
        let wg = goroutine::sync::WaitGroup::new();
        for i in 0..3 {
            let o = o.clone();
            wg.go(async move { o.lock().unwrap().push(i) });
        }
        wg.wait().await;
    }))
        .run_program();
    assert_eq!(*order.lock().unwrap(), [2, 0, 1]);

    // Goroutines a timer wakes go to `runnext` too: of main and a
    // goroutine whose sleeps end together (main's armed first, so fired
    // first), the goroutine runs first and prints before main returns.
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    (&&ProgramMain::new(config(1), async move {
        let at = std::time::Instant::now() + Duration::from_millis(20);
        let l2 = l.clone();
        goroutine::go!(async move {
            goroutine::time::sleep_until(at).await;
            l2.lock().unwrap().push("goroutine");
        });
        goroutine::time::sleep_until(at).await;
        l.lock().unwrap().push("main");
    }))
        .run_program();
    assert_eq!(*log.lock().unwrap(), ["goroutine", "main"]);

    // When main returns, no other goroutine starts.
    static RAN: AtomicBool = AtomicBool::new(false);
    (&&ProgramMain::new(config(1), async {
        goroutine::go!(async { RAN.store(true, SeqCst) });
    }))
        .run_program();
    assert!(!RAN.load(SeqCst), "a goroutine ran after main returned");

    // Every worker (and every extra worker) computes forever: main still
    // wakes from its sleep, run by the thread that waits for it, where Go
    // would preempt a worker for it.
    static STOP: AtomicBool = AtomicBool::new(false);
    static AFTER_SLEEP: AtomicUsize = AtomicUsize::new(0);
    within_20s(|| {
        (&&ProgramMain::new(config(1), async {
            for _ in 0..4 {
                goroutine::go!(async {
                    while !STOP.load(SeqCst) {
                        std::hint::spin_loop();
                    }
                });
            }
            goroutine::time::sleep(Duration::from_millis(30)).await;
            AFTER_SLEEP.fetch_add(1, SeqCst);
            STOP.store(true, SeqCst);
            // Parked again after running on the waiting thread, main shows
            // what it waits for (dumps and deadlock reports read it).
            let (tx, rx) = goroutine::chan::bounded::<bool>(0);
            goroutine::go!(async move {
                let mut seen = false;
                for _ in 0..2_000 {
                    let list = goroutine::debug::goroutines();
                    let main = list.iter().find(|g| g.is_main).expect("main is listed");
                    if main.wait_reason == Some(goroutine::debug::WaitReason::ChanRecv) {
                        seen = true;
                        break;
                    }
                    goroutine::time::sleep(Duration::from_millis(1)).await;
                }
                tx.send(seen).await.unwrap();
            });
            assert!(rx.recv().await.unwrap(), "main's wait was not recorded");
        }))
            .run_program();
    });
    assert_eq!(AFTER_SLEEP.load(SeqCst), 1);

    // From main on the workers, `block_on` and `*_blocking` calls run with
    // no coop budget of their own to spend: past 128 operations they used
    // to yield forever.
    within_20s(|| {
        (&&ProgramMain::new(config(1), async {
            let (tx, rx) = goroutine::chan::unbounded::<u32>();
            goroutine::block_on(async {
                for i in 0..1_000 {
                    tx.send(i).await.unwrap();
                }
            });
            for i in 0..1_000 {
                tx.send_blocking(i).unwrap();
            }
            assert_eq!(rx.len(), 2_000);
        }))
            .run_program();
    });

    // A runtime main builds and drops is shut down and waited for, as from
    // any thread (not as a runtime dropped by its own goroutine).
    static NESTED_DONE: AtomicBool = AtomicBool::new(false);
    (&&ProgramMain::new(config(1), async {
        let rt = goroutine::runtime::Builder::new()
            .workers(1)
            .build()
            .unwrap();
        let (started, is_started) = std::sync::mpsc::channel();
        rt.spawn(async move {
            started.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(20));
            NESTED_DONE.store(true, SeqCst);
        });
        // Dropped while that poll runs (not before it starts, when the
        // goroutine would just be dropped).
        is_started.recv().unwrap();
        drop(rt);
        assert!(
            NESTED_DONE.load(SeqCst),
            "the dropped runtime was not waited for"
        );
    }))
        .run_program();
}
