//! loom models of the channel protocol: the rendezvous hand-off (also with
//! a cancelled receive) and close racing a send.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p goroutine-chan --lib --release`

use crate::bounded;
use loom::future::block_on;
use loom::thread;

#[test]
fn rendezvous_hands_the_value_over_exactly_once() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(0);
        let t = thread::spawn(move || block_on(tx.send(7)));
        assert_eq!(block_on(rx.recv()), Some(7));
        assert_eq!(t.join().unwrap(), Ok(()));
    });
}

#[test]
fn cancelled_receive_after_hand_off_gives_the_value_back() {
    use futures::FutureExt;
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(0);
        let t = thread::spawn(move || block_on(tx.send(7)));
        // Poll a receive once and drop it: a sender may have handed it the
        // value in between; then receive for real.
        let first = rx.recv().now_or_never();
        let got = match first {
            Some(v) => v,
            None => block_on(rx.recv()),
        };
        assert_eq!(got, Some(7));
        assert_eq!(t.join().unwrap(), Ok(()));
        assert!(rx.try_recv().is_err(), "delivered twice");
    });
}

#[test]
fn close_racing_a_send_delivers_iff_the_send_succeeded() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(1);
        let closer = tx.clone();
        let t = thread::spawn(move || block_on(tx.send(1)));
        let c = thread::spawn(move || closer.close());
        let sent = t.join().unwrap();
        assert!(c.join().unwrap());
        match sent {
            Ok(()) => assert_eq!(block_on(rx.recv()), Some(1)),
            Err(e) => {
                assert_eq!(e.0, 1);
                assert_eq!(block_on(rx.recv()), None);
            }
        }
    });
}

#[test]
fn close_racing_a_parked_rendezvous() {
    loom::model(|| {
        let (tx, rx) = bounded::<u32>(0);
        let closer = rx.clone();
        let t = thread::spawn(move || block_on(tx.send(1)));
        let c = thread::spawn(move || closer.close());
        let got = block_on(rx.recv());
        let sent = t.join().unwrap();
        c.join().unwrap();
        // Delivered exactly when the send reports success.
        assert_eq!(got.is_some(), sent.is_ok());
    });
}
