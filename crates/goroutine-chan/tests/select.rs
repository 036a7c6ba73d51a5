//! `select!`: fairness, exactly-one-arm, no loss or duplication between
//! selects, nesting, coop budget.

// These tests run goroutines on worker threads and OS threads by the
// thousand; under Miri they would take hours. The protocol itself is
// checked under Miri by the crate's unit tests and by `model.rs`.
#![cfg(not(miri))]

use futures::FutureExt;
use goroutine::chan::{self, select, Receiver, TryRecvError};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn scale(n: usize) -> usize {
    if cfg!(miri) {
        (n / 100).max(2)
    } else {
        n
    }
}

/// Among `k` always-ready arms each trial picks one uniformly, so each
/// arm's count is Binomial(n, 1/k), with mean n/k and standard deviation
/// sqrt(n (1/k)(1 - 1/k)). A deviation beyond 6 standard deviations has
/// probability below 2e-9 per arm under the normal approximation (n is
/// large), so with k arms the test fails spuriously with probability below
/// k * 2e-9, while an order bias of even 5% (500 of 10_000 per arm here,
/// about 6 standard deviations) is caught.
#[test]
fn select_chooses_uniformly_among_ready_arms() {
    let n = scale(40_000);
    let k = 4usize;
    // Closed channels: a receive on them is always ready (returns None).
    let rxs: Vec<Receiver<u8>> = (0..k)
        .map(|_| {
            let (_, rx) = chan::bounded::<u8>(0);
            rx
        })
        .collect();
    let mut counts = [0usize; 4];
    futures::executor::block_on(async {
        for _ in 0..n {
            let i = select! {
                _ = rxs[0].recv() => 0,
                _ = rxs[1].recv() => 1,
                _ = rxs[2].recv() => 2,
                _ = rxs[3].recv() => 3,
            };
            counts[i] += 1;
        }
    });
    let p = 1.0 / k as f64;
    let mean = n as f64 * p;
    let sd = (n as f64 * p * (1.0 - p)).sqrt();
    for (arm, &c) in counts.iter().enumerate() {
        let z = (c as f64 - mean) / sd;
        assert!(
            z.abs() < 6.0,
            "arm {arm} chosen {c} times of {n} (z = {z:.2}): {counts:?}"
        );
    }
}

#[test]
fn biased_select_polls_in_written_order() {
    let (tx1, rx1) = chan::bounded::<u8>(10);
    let (tx2, rx2) = chan::bounded::<u8>(10);
    for _ in 0..10 {
        tx1.try_send(1).unwrap();
        tx2.try_send(2).unwrap();
    }
    futures::executor::block_on(async {
        for _ in 0..10 {
            let v = select! { biased; v = rx1.recv() => v, v = rx2.recv() => v };
            assert_eq!(v, Some(1));
        }
    });
    assert_eq!(rx2.len(), 10);
}

/// The sender's view of which arm won must equal the receivers' view, also
/// when the receivers are themselves in a `select!` on unbuffered channels:
/// a losing send arm delivered nothing.
#[test]
fn losing_send_arm_delivers_nothing_against_select_receivers() {
    goroutine::block_on(async {
        let n = scale(20_000);
        let (tx_a, rx_a) = chan::bounded::<usize>(0);
        let (tx_b, rx_b) = chan::bounded::<usize>(0);
        let (quiet_tx, quiet_rx) = chan::bounded::<usize>(0);
        let (res_tx, res_rx) = chan::unbounded::<(char, Vec<usize>)>();

        let res = res_tx.clone();
        goroutine::go!(async move {
            let (mut a, mut b) = (vec![], vec![]);
            for i in 0..n {
                select! {
                    r = tx_a.send(i) => { r.unwrap(); a.push(i) }
                    r = tx_b.send(i) => { r.unwrap(); b.push(i) }
                }
            }
            res.send(('A', a)).await.unwrap();
            res.send(('B', b)).await.unwrap();
        });
        for (name, rx) in [('a', rx_a), ('b', rx_b)] {
            let (res, quiet_rx) = (res_tx.clone(), quiet_rx.clone());
            goroutine::go!(async move {
                let mut got = vec![];
                loop {
                    select! {
                        v = rx.recv() => match v {
                            Some(v) => got.push(v),
                            None => break,
                        },
                        _ = quiet_rx.recv() => unreachable!("nobody sends here"),
                    }
                }
                res.send((name, got)).await.unwrap();
            });
        }
        drop(res_tx);
        let mut sets = std::collections::HashMap::new();
        while let Some((name, v)) = res_rx.recv().await {
            sets.insert(name, v);
        }
        drop(quiet_tx);
        assert_eq!(sets[&'A'], sets[&'a']);
        assert_eq!(sets[&'B'], sets[&'b']);
        assert_eq!(sets[&'a'].len() + sets[&'b'].len(), n);
    });
}

/// Many selects sending and many selects receiving over the same two
/// unbuffered channels: every value is received exactly once.
#[test]
fn selects_racing_selects_pair_exactly_once() {
    goroutine::block_on(async {
        let per = scale(2_000);
        let p = 4;
        let (tx1, rx1) = chan::bounded::<usize>(0);
        let (tx2, rx2) = chan::bounded::<usize>(0);
        let (res_tx, res_rx) = chan::unbounded::<usize>();
        for s in 0..p {
            let (tx1, tx2) = (tx1.clone(), tx2.clone());
            goroutine::go!(async move {
                for i in 0..per {
                    let v = s * per + i;
                    select! {
                        r = tx1.send(v) => r.unwrap(),
                        r = tx2.send(v) => r.unwrap(),
                    }
                }
            });
        }
        drop((tx1, tx2));
        for _ in 0..p {
            let (rx1, rx2, res_tx) = (rx1.clone(), rx2.clone(), res_tx.clone());
            goroutine::go!(async move {
                let (mut o1, mut o2) = (true, true);
                while o1 || o2 {
                    select! {
                        v = rx1.recv(), if o1 => match v { Some(v) => res_tx.send(v).await.unwrap(), None => o1 = false },
                        v = rx2.recv(), if o2 => match v { Some(v) => res_tx.send(v).await.unwrap(), None => o2 = false },
                    }
                }
            });
        }
        drop(res_tx);
        let mut all = vec![];
        while let Some(v) = res_rx.recv().await {
            all.push(v);
        }
        all.sort_unstable();
        assert_eq!(all, (0..p * per).collect::<Vec<_>>());
    });
}

/// Selects that are cancelled half-way (dropped after one poll) around
/// plain senders on every flavor: nothing is lost or duplicated.
#[test]
fn cancelled_selects_lose_nothing_on_every_flavor() {
    for cap in [Some(0), Some(1), Some(8), None] {
        let (tx, rx) = match cap {
            Some(c) => chan::bounded::<usize>(c),
            None => chan::unbounded(),
        };
        let (_never_tx, never_rx) = chan::bounded::<usize>(0);
        let n = scale(20_000);
        let sender = std::thread::spawn(move || {
            for i in 0..n {
                tx.send_blocking(i).unwrap();
            }
        });
        let mut got = vec![];
        let mut i = 0u32;
        loop {
            i += 1;
            let fut = async {
                select! {
                    v = rx.recv() => v,
                    _ = never_rx.recv() => unreachable!(),
                }
            };
            // Every third select is awaited; the others are polled once and
            // dropped, possibly after a sender handed them a value.
            let r = if i % 3 == 0 {
                Some(futures::executor::block_on(fut))
            } else {
                fut.now_or_never()
            };
            match r {
                Some(Some(v)) => got.push(v),
                Some(None) => break,
                None => {}
            }
        }
        sender.join().unwrap();
        assert_eq!(got, (0..n).collect::<Vec<_>>(), "cap {cap:?}");
    }
}

#[test]
fn nested_select_in_an_arm_runs_inside_its_own_context() {
    let (tx1, rx1) = chan::bounded::<u8>(1);
    let (_tx2, rx2) = chan::bounded::<u8>(0);
    let (_tx3, rx3) = chan::bounded::<u8>(0);
    tx1.try_send(1).unwrap();
    let v = futures::executor::block_on(async {
        select! {
            v = async {
                select! {
                    v = rx1.recv() => v,
                    v = rx2.recv() => v,
                }
            } => v,
            v = rx3.recv() => v,
        }
    });
    assert_eq!(v, Some(1));
}

#[test]
fn async_block_arm_that_commits_wins_even_before_it_finishes() {
    // The arm's first receive commits it; the second operation of the same
    // arm then runs as a plain one and the select waits for it.
    goroutine::block_on(async {
        let (tx1, rx1) = chan::bounded::<u8>(1);
        let (tx2, rx2) = chan::bounded::<u8>(0);
        let (tx3, rx3) = chan::bounded::<u8>(1);
        tx1.try_send(1).unwrap();
        goroutine::go!(async move {
            goroutine::yield_now().await;
            tx2.send(2).await.unwrap();
        });
        let v = select! {
            biased;
            v = async { rx1.recv().await.unwrap() + rx2.recv().await.unwrap() } => v,
            _ = rx3.recv() => 0,
        };
        tx3.try_send(3).unwrap();
        assert_eq!(v, 3);
        assert_eq!(rx3.try_recv(), Ok(3), "the other arm took nothing");
    });
}

#[test]
fn empty_select_never_completes() {
    let fut = async {
        select! {}
    };
    let mut fut = std::pin::pin!(fut);
    let w = std::task::Waker::noop();
    assert!(fut
        .as_mut()
        .poll(&mut std::task::Context::from_waker(w))
        .is_pending());
    let (_tx, rx) = chan::bounded::<u8>(1);
    let fut = async {
        select! { Some(v) = rx.recv(), if false => v }
    };
    assert!(
        fut.now_or_never().is_none(),
        "every arm disabled: waits forever"
    );
}

/// The wait reason a dump shows for goroutine `id` once it has parked, or
/// `None` after 100,000 yields.
async fn parked_wait_reason(id: goroutine::GoroutineId) -> Option<goroutine::debug::WaitReason> {
    for _ in 0..100_000 {
        let reason = goroutine::debug::goroutines()
            .into_iter()
            .find(|g| g.id == id)
            .and_then(|g| g.wait_reason);
        if reason.is_some() {
            return reason;
        }
        goroutine::yield_now().await;
    }
    None
}

#[test]
fn a_select_with_every_arm_disabled_waits_as_select_and_an_empty_one_as_no_cases() {
    use goroutine::debug::WaitReason;
    goroutine::block_on(async {
        // Go dumps a select whose cases are all nil channels as
        // `[select]`, and `select {}` as `[select (no cases)]`.
        let (_tx, rx) = chan::bounded::<u8>(1);
        let disabled = goroutine::spawn(async move {
            select! { Some(v) = rx.recv(), if false => v }
        });
        let empty = goroutine::spawn(async {
            select! {}
        });
        assert_eq!(
            parked_wait_reason(disabled.id()).await,
            Some(WaitReason::Select)
        );
        assert_eq!(
            parked_wait_reason(empty.id()).await,
            Some(WaitReason::SelectNoCases)
        );
        disabled.abort();
        empty.abort();
    });
}

#[test]
fn an_arm_pattern_may_bind_by_mutable_reference() {
    let (tx, rx) = chan::bounded::<String>(1);
    tx.try_send("go".to_owned()).unwrap();
    let v = futures::executor::block_on(async {
        select! {
            Some(ref mut s) = rx.recv() => {
                s.push('!');
                s.clone()
            }
        }
    });
    assert_eq!(v, "go!");
}

#[test]
fn only_default_runs_its_body() {
    let v = futures::executor::block_on(async {
        select! { default => 7 }
    });
    assert_eq!(v, 7);
}

#[test]
fn select_arm_can_be_any_future_such_as_a_join_handle() {
    goroutine::block_on(async {
        let (_tx, rx) = chan::bounded::<u8>(0);
        let h = goroutine::spawn(async { 40 + 2 });
        let v = select! {
            _ = rx.recv() => 0,
            r = h => r.unwrap(),
        };
        assert_eq!(v, 42);
    });
}

#[test]
fn select_on_a_closed_channel_returns_the_send_value() {
    let (tx, rx) = chan::bounded::<String>(0);
    drop(rx);
    let r = futures::executor::block_on(async {
        select! { r = tx.send("x".to_string()) => r }
    });
    assert_eq!(r.unwrap_err().0, "x");
}

#[test]
fn channel_operations_spend_the_coop_budget() {
    // On one worker, a goroutine that always finds its channel ready must
    // still yield: the goroutine it spawned gets to run before it is done.
    let rt = goroutine::runtime::Builder::new()
        .workers(1)
        .build()
        .unwrap();
    let seen = rt.block_on(async {
        goroutine::spawn(async {
            let (tx, rx) = chan::unbounded::<u32>();
            for i in 0..10_000 {
                tx.try_send(i).unwrap();
            }
            let flag = Arc::new(AtomicBool::new(false));
            let f = flag.clone();
            goroutine::go!(async move { f.store(true, Ordering::SeqCst) });
            let mut seen_during_loop = false;
            for _ in 0..10_000 {
                rx.recv().await.unwrap();
                seen_during_loop |= flag.load(Ordering::SeqCst);
            }
            seen_during_loop
        })
        .await
        .unwrap()
    });
    assert!(seen, "the receiving goroutine never yielded");
}

#[test]
fn select_in_default_mode_does_not_leave_registrations() {
    let (tx, rx) = chan::bounded::<u8>(0);
    futures::executor::block_on(async {
        for _ in 0..3 {
            select! { _ = rx.recv() => unreachable!(), default => {} }
        }
    });
    assert!(tx.try_send(1).is_err(), "no receiver is parked");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

/// Go's `for { select { case v := <-ch: ...; default: } }` keeps receiving.
/// Once the goroutine's coop budget is spent, channel operations return
/// Pending without looking at their channel; `default` must then not run
/// (the loop would never yield, so the budget would never come back).
#[test]
fn select_with_default_in_a_loop_keeps_receiving_after_the_budget_is_spent() {
    let rt = goroutine::runtime::Builder::new()
        .workers(2)
        .build()
        .unwrap();
    let (tx, rx) = chan::bounded::<u32>(1000);
    for i in 0..1000 {
        tx.try_send(i).unwrap();
    }
    let (received, defaults) = rt.block_on(async move {
        goroutine::spawn(async move {
            let (mut received, mut defaults) = (0u32, 0u64);
            while received < 1000 && defaults < 10_000_000 {
                select! {
                    v = rx.recv() => if v.is_some() { received += 1 },
                    default => defaults += 1,
                }
            }
            (received, defaults)
        })
        .await
        .unwrap()
    });
    assert_eq!(
        received, 1000,
        "stopped receiving after {defaults} defaults"
    );
}

/// The same loop with a context: the cancellation is seen.
#[test]
fn select_with_default_in_a_loop_sees_a_cancellation() {
    let rt = goroutine::runtime::Builder::new()
        .workers(2)
        .build()
        .unwrap();
    let seen = rt.block_on(async {
        let (ctx, cancel) = goroutine::context::with_cancel(&goroutine::context::background());
        let (tx, rx) = chan::bounded::<u32>(200);
        for i in 0..200 {
            tx.try_send(i).unwrap();
        }
        let h = goroutine::spawn(async move {
            let mut spins = 0u64;
            loop {
                select! {
                    _ = ctx.done() => return true,
                    Some(_) = rx.recv() => {}
                    default => {
                        spins += 1;
                        if spins > 50_000_000 {
                            return false;
                        }
                    }
                }
            }
        });
        goroutine::time::sleep(std::time::Duration::from_millis(20)).await;
        cancel.cancel();
        h.await.unwrap()
    });
    assert!(seen, "the cancellation was never seen");
}
