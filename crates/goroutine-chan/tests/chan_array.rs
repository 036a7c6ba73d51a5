//! `bounded(n)`: the ring buffer.

// These tests run goroutines on worker threads and OS threads by the
// thousand; under Miri they would take hours. The protocol itself is
// checked under Miri by the crate's unit tests and by `model.rs`.
#![cfg(not(miri))]

mod common;

use goroutine::chan::{self, Receiver, Sender, TrySendError};

fn make() -> (Sender<usize>, Receiver<usize>) {
    chan::bounded(3)
}

#[test]
fn buffered_send_completes_without_receiver_until_full() {
    let (tx, rx) = chan::bounded(3);
    for i in 0..3 {
        assert_eq!(tx.try_send(i), Ok(()));
        assert_eq!(rx.len(), i + 1);
    }
    assert!(tx.is_full());
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    assert_eq!(rx.recv_blocking(), Some(0));
    assert_eq!(tx.try_send(3), Ok(()));
    let rest: Vec<_> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert_eq!(rest, [1, 2, 3]);
}

#[test]
fn recv_after_close_drains_then_returns_none() {
    let (tx, rx) = chan::bounded(4);
    tx.try_send('a').unwrap();
    tx.try_send('b').unwrap();
    drop(tx);
    assert!(rx.is_closed());
    assert_eq!(rx.recv_blocking(), Some('a'));
    assert_eq!(rx.recv_blocking(), Some('b'));
    assert_eq!(rx.recv_blocking(), None);
}

#[test]
fn large_capacity_costs_nothing_until_used() {
    // A huge bound is fine: the ring grows only with what is buffered.
    let (tx, rx) = chan::bounded::<u64>(1 << 40);
    tx.try_send(1).unwrap();
    assert_eq!(rx.capacity(), Some(1 << 40));
    assert_eq!(rx.try_recv(), Ok(1));
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
