//! `unbounded()`: the segmented queue.

// These tests run goroutines on worker threads and OS threads by the
// thousand; under Miri they would take hours. The protocol itself is
// checked under Miri by the crate's unit tests and by `model.rs`.
#![cfg(not(miri))]

mod common;

use goroutine::chan::{self, Receiver, Sender};
use std::sync::Arc;

fn make() -> (Sender<usize>, Receiver<usize>) {
    chan::unbounded()
}

#[test]
fn unbounded_send_never_waits_and_stays_fifo() {
    let (tx, rx) = chan::unbounded();
    let n = common::scale(100_000);
    for i in 0..n {
        tx.try_send(i).unwrap();
    }
    assert_eq!(rx.len(), n);
    assert!(!tx.is_full());
    for i in 0..n {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert!(rx.is_empty());
}

#[test]
fn dropping_the_last_receiver_drops_queued_values() {
    let (tx, rx) = chan::unbounded();
    let probe = Arc::new(());
    for _ in 0..100 {
        tx.try_send(probe.clone()).unwrap();
    }
    assert_eq!(Arc::strong_count(&probe), 101);
    drop(rx);
    assert_eq!(Arc::strong_count(&probe), 1);
    assert!(tx.try_send(probe.clone()).unwrap_err().is_closed());
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
