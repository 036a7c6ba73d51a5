//! Checks shared by the per-flavor test files: each takes a constructor.
#![allow(dead_code)]

use futures::FutureExt;
use goroutine::chan::{Receiver, Sender};
use std::thread;

pub(crate) type Make = fn() -> (Sender<usize>, Receiver<usize>);

pub(crate) fn scale(n: usize) -> usize {
    if cfg!(miri) {
        (n / 100).max(3)
    } else {
        n
    }
}

/// Goroutine senders and receivers: every value arrives exactly once and
/// each sender's values arrive in its order.
pub(crate) fn mpmc_delivers_every_value_once_in_sender_order(make: Make) {
    goroutine::block_on(async move {
        let (p, n) = (4, scale(5_000));
        let (tx, rx) = make();
        for s in 0..p {
            let tx = tx.clone();
            goroutine::go!(async move {
                for i in 0..n {
                    tx.send(s * n + i).await.unwrap();
                }
            });
        }
        drop(tx);
        let (res_tx, res_rx) = goroutine::chan::unbounded::<Vec<usize>>();
        for _ in 0..p {
            let (rx, res_tx) = (rx.clone(), res_tx.clone());
            goroutine::go!(async move {
                let mut got = vec![];
                while let Some(v) = rx.recv().await {
                    got.push(v);
                }
                res_tx.send(got).await.unwrap();
            });
        }
        drop(res_tx);
        let mut all = vec![];
        while let Some(got) = res_rx.recv().await {
            // Per sender, one receiver sees increasing values.
            let mut last = vec![None; p];
            for &v in &got {
                let s = v / n;
                assert!(
                    last[s].is_none_or(|l| l < v),
                    "sender {s}'s values out of order"
                );
                last[s] = Some(v);
            }
            all.extend(got);
        }
        all.sort_unstable();
        assert_eq!(all, (0..p * n).collect::<Vec<_>>());
    });
}

/// Threads receive with futures that are polled once and dropped (possibly
/// right after a sender handed them a value): nothing is lost.
pub(crate) fn dropped_receive_futures_lose_nothing(make: Make) {
    let (p, n) = (2, scale(20_000));
    let (tx, rx) = make();
    let senders: Vec<_> = (0..p)
        .map(|s| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..n {
                    tx.send_blocking(s * n + i).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let receivers: Vec<_> = (0..2)
        .map(|r| {
            let rx = rx.clone();
            thread::spawn(move || {
                let mut got = vec![];
                let mut k = 0u32;
                loop {
                    k += 1;
                    let v = if (k + r) % 4 == 0 {
                        Some(rx.recv_blocking())
                    } else {
                        rx.recv().now_or_never()
                    };
                    match v {
                        Some(Some(v)) => got.push(v),
                        Some(None) => return got,
                        None => thread::yield_now(),
                    }
                }
            })
        })
        .collect();
    drop(rx);
    for s in senders {
        s.join().unwrap();
    }
    let mut all: Vec<usize> = receivers
        .into_iter()
        .flat_map(|r| r.join().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(all, (0..p * n).collect::<Vec<_>>());
}

/// Threads send with futures that are polled once and then cancelled: a
/// value is received if and only if its send reported `Ok` or its cancel
/// reported it delivered.
pub(crate) fn cancelled_send_futures_deliver_exactly_what_they_report(make: Make) {
    let (p, n) = (2, scale(20_000));
    let (tx, rx) = make();
    let senders: Vec<_> = (0..p)
        .map(|s| {
            let tx = tx.clone();
            thread::spawn(move || {
                let mut sent = vec![];
                for i in 0..n {
                    let v = s * n + i;
                    let mut send = tx.send(v);
                    match (&mut send).now_or_never() {
                        Some(Ok(())) => sent.push(v),
                        Some(Err(e)) => panic!("closed early: {e}"),
                        None => match send.cancel() {
                            Some(back) => assert_eq!(back, v, "cancel returned another value"),
                            None => sent.push(v), // a receiver took it after our poll
                        },
                    }
                }
                sent
            })
        })
        .collect();
    drop(tx);
    let receiver = thread::spawn(move || {
        let mut got = vec![];
        while let Some(v) = rx.recv_blocking() {
            got.push(v);
        }
        got
    });
    let mut sent: Vec<usize> = senders
        .into_iter()
        .flat_map(|s| s.join().unwrap())
        .collect();
    let mut got = receiver.join().unwrap();
    sent.sort_unstable();
    got.sort_unstable();
    assert_eq!(sent, got);
}

/// Close with parked senders and receivers: senders get their values back,
/// receivers get what was buffered then `None`.
pub(crate) fn close_releases_every_waiter(make: Make) {
    goroutine::block_on(async move {
        let (tx, rx) = make();
        let (res_tx, res_rx) = goroutine::chan::unbounded::<Result<(), usize>>();
        let cap = tx.capacity().unwrap_or(usize::MAX);
        let extra = 3;
        let sends = if cap == usize::MAX {
            extra
        } else {
            cap + extra
        };
        for i in 0..sends {
            let (tx, res_tx) = (tx.clone(), res_tx.clone());
            goroutine::go!(async move {
                let r = tx.send(i).await.map_err(|e| e.0);
                res_tx.send(r).await.unwrap();
            });
        }
        // Let every sender either complete or park.
        for _ in 0..50 {
            goroutine::yield_now().await;
        }
        tx.close();
        drop(res_tx);
        let mut ok = 0;
        let mut returned = 0;
        while let Some(r) = res_rx.recv().await {
            match r {
                Ok(()) => ok += 1,
                Err(_) => returned += 1,
            }
        }
        assert_eq!(ok + returned, sends);
        let mut received = 0;
        while rx.recv().await.is_some() {
            received += 1;
        }
        assert_eq!(
            received, ok,
            "exactly the sends that succeeded were received"
        );
    });
}
