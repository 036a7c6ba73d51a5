//! Behaviours checked by Go's own channel tests, ported to goroutines and
//! `select!`. Each test names the Go test it comes from; the code is ours.
//! (crossbeam-channel's `tests/golang.rs` shows which cases matter.)

// These tests run goroutines on worker threads and OS threads by the
// thousand; under Miri they would take hours. The protocol itself is
// checked under Miri by the crate's unit tests and by `model.rs`.
#![cfg(not(miri))]

use futures::FutureExt;
use goroutine::chan::{self, select, Receiver, Sender, TryRecvError, TrySendError};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn scale(n: usize) -> usize {
    if cfg!(miri) {
        (n / 50).max(2)
    } else {
        n
    }
}

/// A tiny WaitGroup made of a channel: `done()` sends, `wait(n)` receives n.
fn wait_group() -> (Sender<()>, Receiver<()>) {
    chan::unbounded()
}

async fn wait(rx: &Receiver<()>, n: usize) {
    for _ in 0..n {
        rx.recv()
            .await
            .expect("a goroutine ended without reporting");
    }
}

// Go: src/runtime/chan_test.go, TestChan.
#[test]
fn chan_behaves_like_go_for_capacities_0_to_7() {
    goroutine::block_on(async {
        let n = scale(200);
        for cap in 0..8 {
            // Receive from an empty channel does not complete.
            let (tx, rx) = chan::bounded::<usize>(cap);
            assert!(
                rx.recv().now_or_never().is_none(),
                "cap {cap}: recv from empty"
            );
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

            // Send to a full channel does not complete.
            for i in 0..cap {
                tx.send(i).await.unwrap();
            }
            assert!(
                tx.send(99).now_or_never().is_none(),
                "cap {cap}: send to full"
            );
            assert!(matches!(tx.try_send(99), Err(TrySendError::Full(99))));
            for i in 0..cap {
                assert_eq!(rx.recv().await, Some(i));
            }

            // Close: a blocked receiver is released with ok == false.
            let (tx, rx) = chan::bounded::<usize>(cap);
            let (done_tx, done_rx) = wait_group();
            goroutine::go!(async move {
                assert_eq!(rx.recv().await, None);
                assert_eq!(rx.recv().await, None);
                done_tx.send(()).await.unwrap();
            });
            goroutine::yield_now().await;
            tx.close();
            wait(&done_rx, 1).await;

            // Close: buffered values are still received first.
            let (tx, rx) = chan::bounded::<usize>(cap);
            for i in 0..cap {
                tx.send(i).await.unwrap();
            }
            tx.close();
            for i in 0..cap {
                assert_eq!(rx.recv().await, Some(i));
            }
            assert_eq!(rx.recv().await, None);
            assert_eq!(tx.send(1).await.unwrap_err().0, 1);

            // FIFO with one sender and one receiver.
            let (tx, rx) = chan::bounded::<usize>(cap);
            goroutine::go!(async move {
                for i in 0..n {
                    tx.send(i).await.unwrap();
                }
            });
            for i in 0..n {
                assert_eq!(rx.recv().await, Some(i), "cap {cap}");
            }

            // Many senders, many receivers: every value exactly once.
            let (tx, rx) = chan::bounded::<usize>(cap);
            let (res_tx, res_rx) = chan::unbounded::<Vec<usize>>();
            let p = 4;
            for s in 0..p {
                let tx = tx.clone();
                goroutine::go!(async move {
                    for i in 0..n {
                        tx.send(s * n + i).await.unwrap();
                    }
                });
            }
            drop(tx);
            for _ in 0..p {
                let rx = rx.clone();
                let res_tx = res_tx.clone();
                goroutine::go!(async move {
                    let mut got = vec![];
                    while let Some(v) = rx.recv().await {
                        got.push(v);
                    }
                    res_tx.send(got).await.unwrap();
                });
            }
            let mut all = vec![];
            for _ in 0..p {
                all.extend(res_rx.recv().await.unwrap());
            }
            all.sort_unstable();
            assert_eq!(all, (0..p * n).collect::<Vec<_>>(), "cap {cap}");

            // len and cap.
            let (tx, rx) = chan::bounded::<usize>(cap);
            assert_eq!(tx.capacity(), Some(cap));
            for i in 0..cap {
                assert_eq!(rx.len(), i);
                tx.send(i).await.unwrap();
            }
            assert_eq!(rx.len(), cap);
        }
    });
}

// Go: test/chan/fifo.go, AsynchFifo and SynchFifo.
#[test]
fn fifo_holds_for_buffered_and_for_a_chain_of_goroutines() {
    goroutine::block_on(async {
        let n = scale(100);
        let (tx, rx) = chan::bounded(n);
        for i in 0..n {
            tx.send(i).await.unwrap();
        }
        for i in 0..n {
            assert_eq!(rx.recv().await, Some(i));
        }

        // SynchFifo: goroutine i waits for its turn on `in`, receives from
        // the shared channel, then passes the turn on.
        let (shared_tx, shared_rx) = chan::bounded::<usize>(0);
        let (first_tx, mut turn_rx) = chan::bounded::<()>(0);
        for i in 0..n {
            let (next_tx, next_rx) = chan::bounded::<()>(0);
            let shared_rx = shared_rx.clone();
            let my_turn = turn_rx;
            goroutine::go!(async move {
                my_turn.recv().await.unwrap();
                assert_eq!(shared_rx.recv().await, Some(i));
                next_tx.send(()).await.unwrap();
            });
            turn_rx = next_rx;
        }
        first_tx.send(()).await.unwrap();
        for i in 0..n {
            shared_tx.send(i).await.unwrap();
        }
        turn_rx.recv().await.unwrap();
    });
}

// Go: test/chan/goroutines.go — a long chain of goroutines passing a value.
#[test]
fn value_passes_through_a_chain_of_goroutines() {
    goroutine::block_on(async {
        let n = scale(5_000);
        let (first_tx, mut rx) = chan::bounded::<usize>(0);
        for _ in 0..n {
            let (tx, next_rx) = chan::bounded::<usize>(0);
            let left = rx;
            goroutine::go!(async move {
                let v = left.recv().await.unwrap();
                tx.send(v + 1).await.unwrap();
            });
            rx = next_rx;
        }
        first_tx.send(0).await.unwrap();
        assert_eq!(rx.recv().await, Some(n));
    });
}

// Go: test/chan/nonblock.go.
#[test]
fn nonblocking_operations_never_wait() {
    goroutine::block_on(async {
        for cap in [0, 1, 10] {
            let (tx, rx) = chan::bounded::<i32>(cap);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            let r = select! { v = rx.recv() => v, default => Some(-1) };
            assert_eq!(r, Some(-1));

            // A sender parked in a goroutine makes try_recv succeed.
            let (done_tx, done_rx) = wait_group();
            let tx2 = tx.clone();
            goroutine::go!(async move {
                tx2.send(7).await.unwrap();
                done_tx.send(()).await.unwrap();
            });
            let mut got = None;
            while got.is_none() {
                got = rx.try_recv().ok();
                goroutine::yield_now().await;
            }
            assert_eq!(got, Some(7));
            wait(&done_rx, 1).await;

            // A receiver parked in a goroutine makes try_send succeed.
            let (done_tx, done_rx) = wait_group();
            let rx2 = rx.clone();
            goroutine::go!(async move {
                assert_eq!(rx2.recv().await, Some(8));
                done_tx.send(()).await.unwrap();
            });
            let mut v = 8;
            loop {
                match tx.try_send(v) {
                    Ok(()) => break,
                    Err(e) => v = e.into_inner(),
                }
                goroutine::yield_now().await;
            }
            wait(&done_rx, 1).await;
        }
    });
}

// Go: test/chan/sieve1.go — the concurrent prime sieve.
#[test]
fn prime_sieve_finds_the_first_primes() {
    async fn generate(tx: Sender<u32>) {
        let mut i = 2;
        while tx.send(i).await.is_ok() {
            i += 1;
        }
    }
    async fn filter(input: Receiver<u32>, out: Sender<u32>, prime: u32) {
        while let Some(i) = input.recv().await {
            if i % prime != 0 && out.send(i).await.is_err() {
                return;
            }
        }
    }
    goroutine::block_on(async {
        let (tx, mut rx) = chan::bounded(0);
        goroutine::go!(generate(tx));
        let mut primes = vec![];
        for _ in 0..scale(100).min(25) {
            let prime = rx.recv().await.unwrap();
            primes.push(prime);
            let (tx1, rx1) = chan::bounded(0);
            goroutine::go!(filter(rx, tx1, prime));
            rx = rx1;
        }
        // Dropping the last receiver makes every stage's send fail in turn.
        drop(rx);
        let expected = [
            2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83,
            89, 97,
        ];
        assert_eq!(primes, expected[..primes.len()]);
    });
}

// Go: test/chan/doubleselect.go — senders select over several channels,
// receivers (some themselves in select!) must see every value exactly once.
#[test]
fn double_select_loses_and_duplicates_nothing() {
    goroutine::block_on(async {
        let n = scale(10_000) as u32;
        let chans: Vec<_> = (0..4).map(|_| chan::bounded::<u32>(0)).collect();
        let (res_tx, res_rx) = chan::unbounded::<Vec<u32>>();
        {
            let (t0, t1, t2, t3) = (
                chans[0].0.clone(),
                chans[1].0.clone(),
                chans[2].0.clone(),
                chans[3].0.clone(),
            );
            goroutine::go!(async move {
                for i in 1..=n {
                    select! {
                        _ = t0.send(i) => {}
                        _ = t1.send(i) => {}
                        _ = t2.send(i) => {}
                        _ = t3.send(i) => {}
                    }
                }
            });
        }
        // Two plain receivers and two receivers that select over pairs.
        for (_, rx) in &chans[..2] {
            let rx = rx.clone();
            let res_tx = res_tx.clone();
            goroutine::go!(async move {
                let mut got = vec![];
                while let Some(v) = rx.recv().await {
                    got.push(v);
                }
                res_tx.send(got).await.unwrap();
            });
        }
        {
            let (r2, r3) = (chans[2].1.clone(), chans[3].1.clone());
            let res_tx = res_tx.clone();
            goroutine::go!(async move {
                let mut got = vec![];
                let (mut open2, mut open3) = (true, true);
                while open2 || open3 {
                    select! {
                        v = r2.recv(), if open2 => match v { Some(v) => got.push(v), None => open2 = false },
                        v = r3.recv(), if open3 => match v { Some(v) => got.push(v), None => open3 = false },
                    }
                }
                res_tx.send(got).await.unwrap();
            });
        }
        // The sending goroutine now holds the only senders: when it ends the
        // channels close and the receivers report.
        drop(chans);
        drop(res_tx);
        let mut all = vec![];
        while let Some(got) = res_rx.recv().await {
            all.extend(got);
        }
        all.sort_unstable();
        assert_eq!(all, (1..=n).collect::<Vec<_>>());
    });
}

// Go: src/runtime/chan_test.go, TestSelfSelect — a select that both sends
// and receives on one channel never pairs with itself.
#[test]
fn self_select_never_pairs_with_itself() {
    goroutine::block_on(async {
        for cap in [0, 1] {
            let (tx, rx) = chan::bounded::<usize>(cap);
            let (done_tx, done_rx) = wait_group();
            for p in 0..2usize {
                let (tx, rx, done_tx) = (tx.clone(), rx.clone(), done_tx.clone());
                goroutine::go!(async move {
                    for i in 0..scale(1000) {
                        if p == 0 || i % 2 == 0 {
                            select! {
                                r = tx.send(p) => r.unwrap(),
                                v = rx.recv() => {
                                    if cap == 0 && v == Some(p) {
                                        panic!("self select received its own value");
                                    }
                                }
                            }
                        } else {
                            select! {
                                v = rx.recv() => {
                                    if cap == 0 && v == Some(p) {
                                        panic!("self select received its own value");
                                    }
                                }
                                r = tx.send(p) => r.unwrap(),
                            }
                        }
                    }
                    done_tx.send(()).await.unwrap();
                });
            }
            wait(&done_rx, 2).await;
        }
    });
}

// Go: src/runtime/chan_test.go, TestSelectStress — goroutines send and
// receive on four channels (two unbuffered, two buffered) through selects
// that disable ("nil") each channel once it has carried its share.
#[test]
fn select_stress_delivers_every_value_once() {
    goroutine::block_on(async {
        let n = scale(2_000);
        let caps = [0, 0, 10, 10];
        let chans: Vec<_> = caps.iter().map(|&c| chan::bounded::<usize>(c)).collect();
        let (done_tx, done_rx) = wait_group();
        let (res_tx, res_rx) = chan::unbounded::<(usize, usize)>();
        // Four plain senders, one per channel.
        for (k, (tx, _)) in chans.iter().enumerate() {
            let (tx, done_tx) = (tx.clone(), done_tx.clone());
            goroutine::go!(async move {
                for i in 0..n {
                    tx.send(k * n + i).await.unwrap();
                }
                done_tx.send(()).await.unwrap();
            });
        }
        // One select sender over all four.
        {
            let txs: Vec<_> = chans.iter().map(|c| c.0.clone()).collect();
            let done_tx = done_tx.clone();
            goroutine::go!(async move {
                let mut left = [n; 4];
                let base = 4 * n;
                while left.iter().any(|&l| l > 0) {
                    select! {
                        r = txs[0].send(base + left[0]), if left[0] > 0 => { r.unwrap(); left[0] -= 1 }
                        r = txs[1].send(base + n + left[1]), if left[1] > 0 => { r.unwrap(); left[1] -= 1 }
                        r = txs[2].send(base + 2 * n + left[2]), if left[2] > 0 => { r.unwrap(); left[2] -= 1 }
                        r = txs[3].send(base + 3 * n + left[3]), if left[3] > 0 => { r.unwrap(); left[3] -= 1 }
                    }
                }
                done_tx.send(()).await.unwrap();
            });
        }
        // One select receiver over all four, taking 2n per channel.
        {
            let rxs: Vec<_> = chans.iter().map(|c| c.1.clone()).collect();
            let res_tx = res_tx.clone();
            let done_tx = done_tx.clone();
            goroutine::go!(async move {
                let mut left = [n; 4];
                while left.iter().any(|&l| l > 0) {
                    let (k, v) = select! {
                        v = rxs[0].recv(), if left[0] > 0 => (0, v),
                        v = rxs[1].recv(), if left[1] > 0 => (1, v),
                        v = rxs[2].recv(), if left[2] > 0 => (2, v),
                        v = rxs[3].recv(), if left[3] > 0 => (3, v),
                    };
                    left[k] -= 1;
                    res_tx.send((k, v.unwrap())).await.unwrap();
                }
                done_tx.send(()).await.unwrap();
            });
        }
        // Plain receivers take the rest.
        for (_, rx) in &chans {
            let (rx, res_tx, done_tx) = (rx.clone(), res_tx.clone(), done_tx.clone());
            goroutine::go!(async move {
                for _ in 0..n {
                    let k = usize::MAX;
                    res_tx.send((k, rx.recv().await.unwrap())).await.unwrap();
                }
                done_tx.send(()).await.unwrap();
            });
        }
        wait(&done_rx, 4 + 1 + 1 + 4).await;
        drop(res_tx);
        let mut values = HashSet::new();
        while let Some((_, v)) = res_rx.recv().await {
            assert!(values.insert(v), "value {v} received twice");
        }
        assert_eq!(values.len(), 8 * n);
    });
}

// Go: test/chan/select3.go — a closed channel is always ready in select;
// a disabled (nil) arm never is.
#[test]
fn closed_arm_is_always_ready_and_disabled_arm_never() {
    goroutine::block_on(async {
        let (tx, rx) = chan::bounded::<i32>(0);
        tx.close();
        for _ in 0..10 {
            let r = select! { v = rx.recv() => v.is_none(), default => false };
            assert!(r);
            let r = select! { r = tx.send(1) => r.is_err(), default => false };
            assert!(r);
        }
        let (_tx2, rx2) = chan::bounded::<i32>(1);
        let r = select! {
            _ = rx2.recv(), if false => 1,
            default => 2,
        };
        assert_eq!(r, 2);
    });
}

// Go: src/runtime/chan_test.go, TestSelectDuplicateChannel — the same
// channel in two arms.
#[test]
fn select_with_one_channel_in_two_arms() {
    goroutine::block_on(async {
        let (tx, rx) = chan::bounded::<i32>(0);
        let (done_tx, done_rx) = wait_group();
        let rx2 = rx.clone();
        goroutine::go!(async move {
            let v = select! {
                v = rx2.recv() => v,
                v = rx2.recv() => v,
            };
            assert_eq!(v, Some(5));
            done_tx.send(()).await.unwrap();
        });
        tx.send(5).await.unwrap();
        wait(&done_rx, 1).await;
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

// Go: test/chan/select7.go — receives done plainly, through a one-arm
// select and a two-arm select, each against a sender in a select.
#[test]
fn receive_styles_against_select_senders() {
    goroutine::block_on(async {
        for style in 0..3 {
            for _ in 0..scale(200) {
                let (tx, rx) = chan::bounded::<i32>(0);
                let (_other_tx, other_rx) = chan::bounded::<i32>(0);
                goroutine::go!(async move {
                    select! { r = tx.send(1) => r.unwrap() }
                });
                let v = match style {
                    0 => rx.recv().await,
                    1 => select! { v = rx.recv() => v },
                    _ => select! { v = rx.recv() => v, v = other_rx.recv() => v },
                };
                assert_eq!(v, Some(1));
            }
        }
    });
}

// Go: src/runtime/chan_test.go, TestMultiConsumer — work items passed
// through a buffered channel to consumers; the sum is exact.
#[test]
fn multi_consumer_sum_is_exact() {
    goroutine::block_on(async {
        let n = scale(10_000) as u64;
        let (q_tx, q_rx) = chan::bounded::<u64>(1);
        let (r_tx, r_rx) = chan::bounded::<u64>(1);
        for _ in 0..5 {
            let (q_rx, r_tx) = (q_rx.clone(), r_tx.clone());
            goroutine::go!(async move {
                while let Some(v) = q_rx.recv().await {
                    r_tx.send(v * v).await.unwrap();
                }
            });
        }
        drop((q_rx, r_tx));
        goroutine::go!(async move {
            for i in 0..n {
                q_tx.send(i).await.unwrap();
            }
        });
        let mut sum = 0;
        while let Some(v) = r_rx.recv().await {
            sum += v;
        }
        assert_eq!(sum, (0..n).map(|i| i * i).sum::<u64>());
    });
}

// Go: test/chan/zerosize.go — zero-sized values travel as well.
#[test]
fn zero_sized_values_travel() {
    goroutine::block_on(async {
        let (tx, rx) = chan::bounded::<()>(0);
        goroutine::go!(async move {
            for _ in 0..10 {
                tx.send(()).await.unwrap();
            }
        });
        let mut n = 0;
        while rx.recv().await.is_some() {
            n += 1;
        }
        assert_eq!(n, 10);
    });
}

/// A runtime with one worker and no monitor: Go's GOMAXPROCS=1, where the
/// order is the scheduler's alone.
fn one_worker() -> goroutine::runtime::Runtime {
    goroutine::runtime::Builder::new()
        .workers(1)
        .blocking_threshold(None)
        .build()
        .unwrap()
}

/// Everything left in a closed channel, in order.
async fn drain<T>(rx: &Receiver<T>) -> Vec<T> {
    let mut all = Vec::new();
    while let Some(v) = rx.recv().await {
        all.push(v);
    }
    all
}

// Go: runtime/chan.go, closechan (its waiters are readied off a stack).
#[test]
fn close_runs_its_first_waiter_first_then_the_others_newest_first() {
    let rt = one_worker();
    let order = rt.block_on(async {
        goroutine::spawn(async {
            let (start_tx, start_rx) = chan::bounded::<()>(0);
            let (done_tx, done_rx) = chan::unbounded();
            for i in 0..3 {
                let (start_rx, done_tx) = (start_rx.clone(), done_tx.clone());
                goroutine::spawn(async move {
                    assert_eq!(start_rx.recv().await, None);
                    done_tx.send(i).await.unwrap();
                });
                // Let it park before the next one spawns.
                goroutine::yield_now().await;
            }
            start_tx.close();
            let mut order = Vec::new();
            for _ in 0..3 {
                order.push(done_rx.recv().await.unwrap());
            }
            order
        })
        .await
        .unwrap()
    });
    assert_eq!(order, [0, 2, 1]);
}

// Go: proc.go, runqget's inheritTime. A goroutine woken through a channel
// runs next and inherits the time slice, so a producer and consumer
// handing values over an unbuffered channel keep the worker until one
// blocks for good, however many hand-offs that takes; a goroutine spawned
// before them waits. Go 1.19 at GOMAXPROCS=1 prints `got 0` .. `got 7`,
// then `other goroutine`.
#[test]
fn a_hand_off_chain_keeps_the_worker_for_its_time_slice() {
    let rt = one_worker();
    let order = rt.block_on(async {
        goroutine::spawn(async {
            let (log_tx, log_rx) = chan::unbounded::<String>();
            let (tx, rx) = chan::bounded::<u32>(0);
            let (done_tx, done_rx) = chan::bounded::<()>(0);
            let log = log_tx.clone();
            goroutine::spawn(async move {
                log.send("other goroutine".into()).await.unwrap();
                done_tx.send(()).await.unwrap();
            });
            goroutine::spawn(async move {
                for i in 0..8 {
                    tx.send(i).await.unwrap();
                }
            });
            while let Some(v) = rx.recv().await {
                log_tx.send(format!("got {v}")).await.unwrap();
            }
            done_rx.recv().await.unwrap();
            drop(log_tx);
            drain(&log_rx).await
        })
        .await
        .unwrap()
    });
    let mut want: Vec<String> = (0..8).map(|i| format!("got {i}")).collect();
    want.push("other goroutine".into());
    assert_eq!(order, want);
}

// The same, past the coop budget: a chain's goroutines each get a budget
// of their own (it is per poll), so a ping-pong of 200 round trips, 400
// channel operations, keeps the worker, and a goroutine spawned before it
// runs after, as in Go at GOMAXPROCS=1 ("pingpong done", then "C ran").
#[test]
fn a_hand_off_chain_is_not_cut_by_the_coop_budget() {
    let rt = one_worker();
    let run = || {
        rt.block_on(async {
            goroutine::spawn(async {
                let (log_tx, log_rx) = chan::unbounded::<&str>();
                let (ping_tx, ping_rx) = chan::bounded::<u32>(0);
                let (pong_tx, pong_rx) = chan::bounded::<u32>(0);
                let log = log_tx.clone();
                let a = goroutine::spawn(async move {
                    goroutine::spawn(async move { log.send("C ran").await.unwrap() });
                    for i in 0..200 {
                        ping_tx.send(i).await.unwrap();
                        pong_rx.recv().await.unwrap();
                    }
                    ping_tx.close();
                });
                goroutine::spawn(async move {
                    while let Some(v) = ping_rx.recv().await {
                        pong_tx.send(v).await.unwrap();
                    }
                });
                a.await.unwrap();
                log_tx.send("pingpong done").await.unwrap();
                // Let C run if it has not.
                goroutine::yield_now().await;
                drop(log_tx);
                drain(&log_rx).await
            })
            .await
            .unwrap()
        })
    };
    // The slice is 10 ms of wall time: a run in which the OS took the
    // thread away for that long may end the chain early, so one of three
    // must show Go's order (the budget-cut chain never does).
    let orders: Vec<_> = (0..3).map(|_| run()).collect();
    assert!(
        orders.iter().any(|o| o[..] == ["pingpong done", "C ran"]),
        "{orders:?}"
    );
}

// The chain's end: Go's sysmon preempts a `runnext` chain after its 10 ms
// slice, so an endless ping-pong on one P cannot keep a third goroutine
// out. Here the chain ends when its slice is over, and the goroutine in
// the queue runs (a hang, caught by the 20 s bound, without it).
#[test]
fn an_endless_hand_off_chain_ends_with_its_time_slice() {
    let rt = one_worker();
    let (ran, round_trips) = rt.block_on(async {
        goroutine::spawn(async {
            let ran = Arc::new(AtomicBool::new(false));
            let (ping_tx, ping_rx) = chan::bounded::<()>(0);
            let (pong_tx, pong_rx) = chan::bounded::<()>(0);
            let r = ran.clone();
            // As in Go's order: the pinger first, the ponger second (it
            // runs first and waits), then the pinger spawns the third
            // goroutine, which its first hand-off pushes to the queue.
            let pinger = goroutine::spawn(async move {
                let r2 = r.clone();
                goroutine::spawn(async move { r2.store(true, Ordering::SeqCst) });
                let start = Instant::now();
                let mut round_trips = 0u64;
                while !r.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(20) {
                    ping_tx.send(()).await.unwrap();
                    pong_rx.recv().await.unwrap();
                    round_trips += 1;
                }
                round_trips
            });
            goroutine::spawn(async move {
                while ping_rx.recv().await.is_some() {
                    if pong_tx.send(()).await.is_err() {
                        break;
                    }
                }
            });
            let round_trips = pinger.await.unwrap();
            (ran.load(Ordering::SeqCst), round_trips)
        })
        .await
        .unwrap()
    });
    assert!(ran, "the third goroutine never ran beside the chain");
    // It waited for the chain, as in Go: not the 3 hops of tokio's rule.
    assert!(round_trips > 2, "{round_trips} round trips");
}
