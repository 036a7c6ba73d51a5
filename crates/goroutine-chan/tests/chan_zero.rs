//! `bounded(0)`: the rendezvous channel.

// These tests run goroutines on worker threads and OS threads by the
// thousand; under Miri they would take hours. The protocol itself is
// checked under Miri by the crate's unit tests and by `model.rs`.
#![cfg(not(miri))]

mod common;

use futures::FutureExt;
use goroutine::chan::{self, Receiver, Sender, TrySendError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn make() -> (Sender<usize>, Receiver<usize>) {
    chan::bounded(0)
}

#[test]
fn send_on_unbuffered_waits_for_receiver() {
    goroutine::block_on(async {
        let (tx, rx) = chan::bounded::<u8>(0);
        let sent = Arc::new(AtomicBool::new(false));
        let s = sent.clone();
        let h = goroutine::spawn(async move {
            tx.send(1).await.unwrap();
            s.store(true, Ordering::SeqCst);
        });
        for _ in 0..20 {
            goroutine::yield_now().await;
        }
        assert!(
            !sent.load(Ordering::SeqCst),
            "send completed with no receiver"
        );
        assert_eq!(rx.recv().await, Some(1));
        h.await.unwrap();
        assert!(sent.load(Ordering::SeqCst));
    });
}

#[test]
fn try_send_succeeds_only_when_a_receiver_waits() {
    goroutine::block_on(async {
        let (tx, rx) = chan::bounded::<u8>(0);
        assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
        let h = goroutine::spawn(async move { rx.recv().await });
        let mut v = 2;
        loop {
            match tx.try_send(v) {
                Ok(()) => break,
                Err(e) => v = e.into_inner(),
            }
            goroutine::yield_now().await;
        }
        assert_eq!(h.await.unwrap(), Some(2));
    });
}

#[test]
fn unbuffered_ping_pong_between_goroutines() {
    goroutine::block_on(async {
        let (ping_tx, ping_rx) = chan::bounded::<u32>(0);
        let (pong_tx, pong_rx) = chan::bounded::<u32>(0);
        goroutine::go!(async move {
            while let Some(v) = ping_rx.recv().await {
                pong_tx.send(v + 1).await.unwrap();
            }
        });
        let mut v = 0;
        for _ in 0..common::scale(10_000) {
            ping_tx.send(v).await.unwrap();
            v = pong_rx.recv().await.unwrap();
        }
        assert_eq!(v as usize, common::scale(10_000));
    });
}

#[test]
fn recv_future_dropped_after_hand_off_passes_value_to_next_receive() {
    let (tx, rx) = chan::bounded::<String>(0);
    let mut first = Box::pin(rx.recv());
    assert!(first.as_mut().now_or_never().is_none());
    tx.try_send("hello".into()).unwrap();
    drop(first);
    assert_eq!(rx.len(), 0, "unbuffered len stays 0");
    assert_eq!(rx.try_recv().as_deref(), Ok("hello"));
}

#[test]
fn mpmc_delivers_every_value_once_in_sender_order() {
    common::mpmc_delivers_every_value_once_in_sender_order(make);
}

#[test]
fn dropped_receive_futures_lose_nothing() {
    common::dropped_receive_futures_lose_nothing(make);
}

#[test]
fn cancelled_send_futures_deliver_exactly_what_they_report() {
    common::cancelled_send_futures_deliver_exactly_what_they_report(make);
}

#[test]
fn close_releases_every_waiter() {
    common::close_releases_every_waiter(make);
}
