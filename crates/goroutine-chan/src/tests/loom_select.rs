//! loom models of `select!`: a select racing a select over two unbuffered
//! channels, and a select racing a plain receiver.

use crate::{bounded, select};
use loom::future::block_on;
use loom::thread;

#[test]
fn select_racing_select_pairs_on_exactly_one_channel() {
    loom::model(|| {
        let (tx1, rx1) = bounded::<u32>(0);
        let (tx2, rx2) = bounded::<u32>(0);
        let (probe1, probe2) = (rx1.clone(), rx2.clone());
        let sender = thread::spawn(move || {
            block_on(async {
                select! {
                    r = tx1.send(1) => { r.unwrap(); 1 }
                    r = tx2.send(2) => { r.unwrap(); 2 }
                }
            })
        });
        let got = block_on(async {
            select! {
                v = rx1.recv() => v.unwrap(),
                v = rx2.recv() => v.unwrap(),
            }
        });
        let sent_on = sender.join().unwrap();
        assert_eq!(
            got, sent_on,
            "received on another channel than the one that sent"
        );
        // The losing arms delivered nothing.
        assert!(probe1.try_recv().is_err());
        assert!(probe2.try_recv().is_err());
    });
}

#[test]
fn select_send_racing_two_plain_receivers_delivers_once() {
    use futures::FutureExt;
    loom::model(|| {
        let (tx1, rx1) = bounded::<u32>(0);
        let (tx2, rx2) = bounded::<u32>(0);
        let keep1 = rx1.clone();
        let r1 = thread::spawn(move || rx1.recv().now_or_never());
        let sent_on = block_on(async {
            select! {
                r = tx1.send(1) => { r.unwrap(); 1 }
                r = tx2.send(2) => { r.unwrap(); 2 }
                default => 0,
            }
        });
        // A receive handed the value and then dropped gives it back.
        let got1 = r1
            .join()
            .unwrap()
            .flatten()
            .or_else(|| keep1.try_recv().ok());
        let got2 = rx2.try_recv().ok();
        match sent_on {
            0 => assert_eq!((got1, got2), (None, None)),
            1 => assert_eq!((got1, got2), (Some(1), None)),
            _ => unreachable!("nobody waits on channel 2"),
        }
    });
}

#[test]
fn three_selects_and_a_close_agree_on_every_transfer() {
    // A sends on ch1 or ch2; B receives on ch1 or sends on ch3; C receives
    // on ch2 or ch3. Closing ch2 ends whoever still waits on it. Every
    // reported send is received by the one party on that channel, and
    // nothing is received that was not sent.
    loom::model(|| {
        let (tx1, rx1) = bounded::<u32>(0);
        let (tx2, rx2) = bounded::<u32>(0);
        let (tx3, rx3) = bounded::<u32>(0);
        let closer = tx2.clone();
        let a = thread::spawn(move || {
            block_on(async {
                select! {
                    r = tx1.send(1) => r.ok().map(|()| 1),
                    r = tx2.send(2) => r.ok().map(|()| 2),
                }
            })
        });
        let b = thread::spawn(move || {
            block_on(async {
                select! {
                    v = rx1.recv() => ('r', v),
                    r = tx3.send(3) => ('s', r.ok().map(|()| 3)),
                }
            })
        });
        let c = block_on(async {
            select! {
                v = rx2.recv() => v,
                v = rx3.recv() => v,
            }
        });
        closer.close();
        let a = a.join().unwrap();
        let b = b.join().unwrap();
        // A's value went exactly where A says.
        match a {
            Some(1) => assert_eq!(b, ('r', Some(1))),
            Some(2) => assert_eq!(c, Some(2)),
            _ => assert!(b.0 == 's' && c == Some(3)),
        }
        if b == ('s', Some(3)) {
            assert_eq!(c, Some(3));
        }
    });
}
