//! Unit tests of the protocol, single-threaded with hand-driven polls so
//! that Miri runs them quickly. Threaded behaviour is in `tests/`.

use crate::{bounded, select, unbounded, Receiver, SendError, Sender, TryRecvError, TrySendError};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A waker that counts its wake-ups.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting() -> (Arc<CountingWaker>, Waker) {
    let c = Arc::new(CountingWaker::default());
    (c.clone(), Waker::from(c))
}

fn poll<F: Future + Unpin>(f: &mut F, w: &Waker) -> Poll<F::Output> {
    std::pin::Pin::new(f).poll(&mut Context::from_waker(w))
}

#[test]
fn channel_allocation_and_futures_stay_small() {
    // The memory goal: a goroutine parked on its own unbuffered channel
    // costs at most 280 bytes (task + future + channel). These bounds catch
    // regressions of our part (an `Arc` allocation: two counts + `Chan`).
    let chan = std::mem::size_of::<crate::chan::Chan<u64>>() + 2 * std::mem::size_of::<usize>();
    let recv = std::mem::size_of::<crate::RecvFuture<'_, u64>>();
    let send = std::mem::size_of::<crate::SendFuture<'_, u64>>();
    println!(
        "Arc<Chan<u64>> allocation: {chan} B, RecvFuture: {recv} B, SendFuture<u64>: {send} B"
    );
    println!(
        "Receiver: {} B, Sender: {} B",
        std::mem::size_of::<Receiver<u64>>(),
        std::mem::size_of::<crate::Sender<u64>>()
    );
    assert!(chan <= 128, "{chan}");
    assert!(recv <= 16, "{recv}");
    assert!(send <= 32, "{send}");
}

#[test]
fn handles_and_errors_are_send_sync_and_handles_are_unpin_static() {
    fn send_sync<T: Send + Sync>() {}
    fn handle<T: Clone + Send + Sync + Unpin + 'static>() {}
    fn error<E: std::error::Error + Send + Sync + 'static>() {}
    struct NotDebug;
    handle::<crate::Sender<NotDebug>>();
    handle::<Receiver<NotDebug>>();
    send_sync::<crate::SendFuture<'static, NotDebug>>();
    send_sync::<crate::RecvFuture<'static, NotDebug>>();
    error::<SendError<NotDebug>>();
    error::<TrySendError<NotDebug>>();
    error::<TryRecvError>();
    // Debug without `T: Debug`.
    let (tx, rx) = bounded::<NotDebug>(2);
    assert!(format!("{tx:?} {rx:?}").contains("capacity: Some(2)"));
    assert_eq!(format!("{:?}", SendError(NotDebug)), "SendError(..)");
}

#[test]
fn unbuffered_send_parks_until_a_receiver_takes_the_value() {
    let (tx, rx) = bounded(0);
    let (wakes, w) = counting();
    let mut send = tx.send(1);
    assert!(poll(&mut send, &w).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    assert_eq!(poll(&mut send, &w), Poll::Ready(Ok(())));
}

#[test]
fn sender_hands_value_directly_to_a_parked_receiver() {
    let (tx, rx) = bounded(0);
    let (wakes, w) = counting();
    let mut recv = rx.recv();
    assert!(poll(&mut recv, &w).is_pending());
    assert_eq!(tx.try_send(5), Ok(()));
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    assert_eq!(
        tx.try_send(6),
        Err(TrySendError::Full(6)),
        "nobody waits any more"
    );
    assert_eq!(poll(&mut recv, &w), Poll::Ready(Some(5)));
}

#[test]
fn dropped_receiver_gives_a_handed_value_back_to_the_next_receiver() {
    let (tx, rx) = bounded(0);
    let w = Waker::noop();
    let mut first = rx.recv();
    assert!(poll(&mut first, w).is_pending());
    tx.try_send(10).unwrap();
    drop(first); // handed 10 but never took it
    assert_eq!(rx.try_recv(), Ok(10));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn given_back_value_goes_to_a_waiting_receiver_first() {
    let (tx, rx) = bounded(0);
    let (wakes, w) = counting();
    let mut a = rx.recv();
    let mut b = rx.recv();
    assert!(poll(&mut a, &w).is_pending());
    assert!(poll(&mut b, &w).is_pending());
    tx.try_send(1).unwrap(); // to a (FIFO)
    drop(a);
    assert_eq!(
        wakes.0.load(Ordering::SeqCst),
        2,
        "b was woken with the value"
    );
    assert_eq!(poll(&mut b, &w), Poll::Ready(Some(1)));
}

#[test]
fn dropped_parked_send_delivers_nothing() {
    for cap in [0, 1] {
        let (tx, rx) = bounded(cap);
        let w = Waker::noop();
        if cap == 1 {
            tx.try_send(0).unwrap();
        }
        let mut send = tx.send(1);
        assert!(poll(&mut send, w).is_pending());
        drop(send);
        if cap == 1 {
            assert_eq!(rx.try_recv(), Ok(0));
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    }
}

#[test]
fn waiters_are_served_first_come_first_served() {
    let (tx, rx) = bounded(0);
    let w = Waker::noop();
    let mut sends: Vec<_> = (0..5).map(|i| tx.send(i)).collect();
    for s in &mut sends {
        assert!(poll(s, w).is_pending());
    }
    for i in 0..5 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
}

#[test]
fn receive_from_full_buffer_pulls_in_a_parked_sender() {
    let (tx, rx) = bounded(2);
    let w = Waker::noop();
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let mut third = tx.send(3);
    assert!(poll(&mut third, w).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(
        poll(&mut third, w),
        Poll::Ready(Ok(())),
        "moved into the buffer"
    );
    assert_eq!(rx.len(), 2);
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn close_wakes_everyone_and_returns_parked_values() {
    let (tx, rx) = bounded::<String>(0);
    let (wakes, w) = counting();
    let mut s = tx.send("a".into());
    assert!(poll(&mut s, &w).is_pending());
    assert!(rx.close());
    assert!(!tx.close());
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    assert_eq!(
        poll(&mut s, &w),
        Poll::Ready(Err(SendError("a".to_string())))
    );

    let (tx, rx) = bounded::<u8>(0);
    let mut r = rx.recv();
    assert!(poll(&mut r, &w).is_pending());
    drop(tx);
    assert_eq!(poll(&mut r, &w), Poll::Ready(None));
}

#[test]
fn buffered_values_survive_close_and_last_receiver_drops_them() {
    let (tx, rx) = bounded(3);
    tx.try_send(Arc::new(1)).unwrap();
    let probe = Arc::new(2);
    tx.try_send(probe.clone()).unwrap();
    drop(tx);
    assert_eq!(*rx.try_recv().unwrap(), 1);
    assert_eq!(Arc::strong_count(&probe), 2);
    drop(rx);
    assert_eq!(
        Arc::strong_count(&probe),
        1,
        "last receiver dropped the buffer"
    );
}

#[test]
fn unbuffered_reports_len_zero_and_both_empty_and_full() {
    let (tx, rx) = bounded::<i32>(0);
    assert_eq!(
        (tx.len(), tx.capacity(), tx.is_empty(), tx.is_full()),
        (0, Some(0), true, true)
    );
    let (tx, _rx2) = unbounded::<i32>();
    tx.try_send(1).unwrap();
    assert_eq!((tx.len(), tx.capacity(), tx.is_full()), (1, None, false));
    drop(rx);
}

#[test]
fn stream_yields_until_closed_and_keeps_a_handed_value() {
    use futures_core::Stream;
    let (tx, mut rx) = bounded(0);
    let w = Waker::noop();
    let mut cx = Context::from_waker(w);
    assert!(std::pin::Pin::new(&mut rx).poll_next(&mut cx).is_pending());
    tx.try_send(4).unwrap();
    assert_eq!(
        std::pin::Pin::new(&mut rx).poll_next(&mut cx),
        Poll::Ready(Some(4))
    );
    drop(tx);
    assert_eq!(
        std::pin::Pin::new(&mut rx).poll_next(&mut cx),
        Poll::Ready(None)
    );
}

/// A `Next` future dropped while pending leaves the stream registered; a
/// value handed to it must come out of this receiver's next `try_recv` or
/// `recv`, not stay hidden in the registration.
#[test]
fn a_value_handed_to_an_abandoned_stream_poll_is_received_next() {
    use futures_core::Stream;
    let w = Waker::noop();
    let mut cx = Context::from_waker(w);
    for cap in [0, 1] {
        let (tx, mut rx) = bounded(cap);
        // The `Next` future of `timeout(d, rx.next())`, polled once, dropped.
        assert!(std::pin::Pin::new(&mut rx).poll_next(&mut cx).is_pending());
        tx.try_send(1).unwrap();
        assert_eq!(rx.len(), usize::from(cap > 0), "cap {cap}");
        assert_eq!(rx.try_recv(), Ok(1), "cap {cap}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "cap {cap}");

        assert!(std::pin::Pin::new(&mut rx).poll_next(&mut cx).is_pending());
        tx.try_send(2).unwrap();
        let mut recv = pin!(rx.recv());
        assert_eq!(
            recv.as_mut().poll(&mut cx),
            Poll::Ready(Some(2)),
            "cap {cap}"
        );
    }
}

/// Code that calls `poll_next` itself may use `&self` methods between its
/// polls: a registration that was handed nothing must stay, or the next
/// send would wake nobody.
#[test]
fn a_pending_stream_poll_stays_registered_across_len_and_try_recv() {
    use futures_core::Stream;
    for cap in [0, 1] {
        let (tx, mut rx) = bounded(cap);
        let (woken, w) = counting();
        let mut cx = Context::from_waker(&w);
        assert!(std::pin::Pin::new(&mut rx).poll_next(&mut cx).is_pending());
        assert_eq!(rx.len(), 0);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        tx.try_send(7).unwrap();
        assert_eq!(
            woken.0.load(Ordering::SeqCst),
            1,
            "cap {cap}: the send woke nobody"
        );
        assert_eq!(
            std::pin::Pin::new(&mut rx).poll_next(&mut cx),
            Poll::Ready(Some(7)),
            "cap {cap}"
        );
    }
}

// ---- select! ----

fn block_on<F: Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

#[test]
fn select_takes_the_ready_arm() {
    let (tx1, rx1) = bounded::<i32>(1);
    let (_tx2, rx2) = bounded::<i32>(1);
    tx1.try_send(1).unwrap();
    let got = block_on(async {
        select! {
            v = rx1.recv() => v.map(|v| v * 10),
            v = rx2.recv() => v,
        }
    });
    assert_eq!(got, Some(10));
}

#[test]
fn select_default_runs_when_nothing_is_ready() {
    let (tx, rx) = bounded::<i32>(0);
    let r = block_on(async {
        select! {
            _ = rx.recv() => 1,
            _ = tx.send(3) => 2,
            default => 3,
        }
    });
    assert_eq!(r, 3);
    assert_eq!(
        rx.try_recv(),
        Err(TryRecvError::Empty),
        "the send arm delivered nothing"
    );
}

#[test]
fn parked_select_send_arm_is_taken_by_a_receiver_and_other_arm_unlinked() {
    let (tx_a, rx_a) = bounded::<i32>(0);
    let (tx_b, rx_b) = bounded::<i32>(0);
    let w = Waker::noop();
    let mut sel = pin!(async {
        select! {
            r = tx_a.send(1) => { r.unwrap(); 'a' }
            r = tx_b.send(2) => { r.unwrap(); 'b' }
        }
    });
    assert!(sel.as_mut().poll(&mut Context::from_waker(w)).is_pending());
    assert_eq!(rx_b.try_recv(), Ok(2));
    // The select was claimed for arm b: arm a's parked send is dead.
    assert_eq!(rx_a.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(
        sel.as_mut().poll(&mut Context::from_waker(w)),
        Poll::Ready('b')
    );
    assert_eq!(rx_a.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn select_does_not_pair_with_itself() {
    // Go: TestSelfSelect — a select with a send and a receive on the same
    // unbuffered channel must not complete against itself.
    let (tx, rx) = bounded::<i32>(0);
    let w = Waker::noop();
    let mut sel = pin!(async {
        select! {
            r = tx.send(1) => { r.unwrap(); None }
            v = rx.recv() => v,
        }
    });
    let mut cx = Context::from_waker(w);
    assert!(sel.as_mut().poll(&mut cx).is_pending());
    assert!(
        sel.as_mut().poll(&mut cx).is_pending(),
        "second pass must not self-pair"
    );
    assert_eq!(rx.try_recv(), Ok(1), "its send arm is parked and live");
    assert_eq!(sel.as_mut().poll(&mut cx), Poll::Ready(None));
}

#[test]
fn two_parked_selects_on_one_unbuffered_channel_pair_exactly_once() {
    let (tx, rx) = bounded::<i32>(0);
    let (_ktx, krx) = bounded::<i32>(0);
    let w = Waker::noop();
    let mut cx = Context::from_waker(w);
    let mut sender = pin!(async {
        select! {
            r = tx.send(7) => r.is_ok(),
            _ = krx.recv() => false,
        }
    });
    let mut receiver = pin!(async {
        select! {
            v = rx.recv() => v,
            _ = krx.recv() => None,
        }
    });
    assert!(sender.as_mut().poll(&mut cx).is_pending());
    assert_eq!(receiver.as_mut().poll(&mut cx), Poll::Ready(Some(7)));
    assert_eq!(sender.as_mut().poll(&mut cx), Poll::Ready(true));
}

#[test]
fn losing_select_recv_arm_gives_back_a_handed_value() {
    // A select parks a recv arm; a sender hands it a value (claiming the
    // select), then the whole select is dropped before it ran: the value
    // must go to the next receiver.
    let (tx, rx) = bounded::<i32>(0);
    let (_tx2, rx2) = bounded::<i32>(0);
    let w = Waker::noop();
    {
        let mut sel = pin!(async {
            select! {
                v = rx.recv() => v,
                v = rx2.recv() => v,
            }
        });
        assert!(sel.as_mut().poll(&mut Context::from_waker(w)).is_pending());
        tx.try_send(3).unwrap();
    }
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn refutable_pattern_mismatch_disables_the_arm_and_keeps_waiting() {
    let (tx, rx) = bounded::<i32>(0);
    let (tx2, rx2) = bounded::<i32>(1);
    drop(tx); // rx.recv() yields None at once
    tx2.try_send(9).unwrap();
    let r = block_on(async {
        select! {
            biased;
            Some(v) = rx.recv() => v,
            Some(mut v) = rx2.recv() => { v += 1; v }
        }
    });
    assert_eq!(r, 10);
}

#[test]
fn guard_false_arm_is_not_evaluated() {
    let (tx, rx) = bounded::<i32>(1);
    tx.try_send(1).unwrap();
    let mut evaluated = false;
    let r = block_on(async {
        select! {
            v = rx.recv() => v,
            v = async { evaluated = true; Some(0) }, if false => v,
        }
    });
    assert_eq!(r, Some(1));
    assert!(!evaluated);
}

#[test]
fn bodies_can_break_continue_and_use_question_mark() {
    fn run() -> Result<i32, SendError<i32>> {
        block_on(async {
            let (tx, rx) = bounded::<i32>(5);
            let mut n = 0;
            loop {
                select! {
                    r = tx.send(n), if n < 3 => { r?; n += 1; continue }
                    v = rx.recv() => { if v == Some(2) { break } }
                }
            }
            rx.close();
            let r: Result<(), SendError<i32>> = select! { r = tx.send(99) => r };
            r?;
            Ok(n)
        })
    }
    assert_eq!(run(), Err(SendError(99)));
}

#[test]
fn temporaries_in_arm_expressions_live_until_the_choice() {
    fn make() -> Receiver<u8> {
        let (tx, rx) = bounded(1);
        tx.try_send(8).unwrap();
        rx
    }
    let v = block_on(async {
        select! { v = make().recv() => v }
    });
    assert_eq!(v, Some(8));
}

#[test]
fn arm_futures_are_dropped_before_the_body_runs() {
    let (tx, rx) = bounded::<i32>(1);
    tx.try_send(1).unwrap();
    let mut holder = Some(rx);
    block_on(async {
        select! {
            _ = holder.as_ref().unwrap().recv() => { holder = None; }
        }
    });
    assert!(holder.is_none());
}

#[test]
fn select_any_future_arm() {
    let (_tx, rx) = bounded::<i32>(0);
    let r = block_on(async {
        select! {
            _ = rx.recv() => 0,
            x = async { 5 } => x,
        }
    });
    assert_eq!(r, 5);
}

#[test]
fn select_with_64_arms_compiles_within_the_default_recursion_limit() {
    let chans: Vec<_> = (0..64).map(|_| bounded::<u32>(1)).collect();
    let rxs: Vec<_> = chans.iter().map(|c| c.1.clone()).collect();
    chans[63].0.try_send(1).unwrap();
    let v = block_on(async {
        select! {
            Some(v) = rxs[0].recv() => v,
            Some(v) = rxs[1].recv() => v + 1,
            Some(v) = rxs[2].recv() => v + 2,
            Some(v) = rxs[3].recv() => v + 3,
            Some(v) = rxs[4].recv() => v + 4,
            Some(v) = rxs[5].recv() => v + 5,
            Some(v) = rxs[6].recv() => v + 6,
            Some(v) = rxs[7].recv() => v + 7,
            Some(v) = rxs[8].recv() => v + 8,
            Some(v) = rxs[9].recv() => v + 9,
            Some(v) = rxs[10].recv() => v + 10,
            Some(v) = rxs[11].recv() => v + 11,
            Some(v) = rxs[12].recv() => v + 12,
            Some(v) = rxs[13].recv() => v + 13,
            Some(v) = rxs[14].recv() => v + 14,
            Some(v) = rxs[15].recv() => v + 15,
            Some(v) = rxs[16].recv() => v + 16,
            Some(v) = rxs[17].recv() => v + 17,
            Some(v) = rxs[18].recv() => v + 18,
            Some(v) = rxs[19].recv() => v + 19,
            Some(v) = rxs[20].recv() => v + 20,
            Some(v) = rxs[21].recv() => v + 21,
            Some(v) = rxs[22].recv() => v + 22,
            Some(v) = rxs[23].recv() => v + 23,
            Some(v) = rxs[24].recv() => v + 24,
            Some(v) = rxs[25].recv() => v + 25,
            Some(v) = rxs[26].recv() => v + 26,
            Some(v) = rxs[27].recv() => v + 27,
            Some(v) = rxs[28].recv() => v + 28,
            Some(v) = rxs[29].recv() => v + 29,
            Some(v) = rxs[30].recv() => v + 30,
            Some(v) = rxs[31].recv() => v + 31,
            Some(v) = rxs[32].recv() => v + 32,
            Some(v) = rxs[33].recv() => v + 33,
            Some(v) = rxs[34].recv() => v + 34,
            Some(v) = rxs[35].recv() => v + 35,
            Some(v) = rxs[36].recv() => v + 36,
            Some(v) = rxs[37].recv() => v + 37,
            Some(v) = rxs[38].recv() => v + 38,
            Some(v) = rxs[39].recv() => v + 39,
            Some(v) = rxs[40].recv() => v + 40,
            Some(v) = rxs[41].recv() => v + 41,
            Some(v) = rxs[42].recv() => v + 42,
            Some(v) = rxs[43].recv() => v + 43,
            Some(v) = rxs[44].recv() => v + 44,
            Some(v) = rxs[45].recv() => v + 45,
            Some(v) = rxs[46].recv() => v + 46,
            Some(v) = rxs[47].recv() => v + 47,
            Some(v) = rxs[48].recv() => v + 48,
            Some(v) = rxs[49].recv() => v + 49,
            Some(v) = rxs[50].recv() => v + 50,
            Some(v) = rxs[51].recv() => v + 51,
            Some(v) = rxs[52].recv() => v + 52,
            Some(v) = rxs[53].recv() => v + 53,
            Some(v) = rxs[54].recv() => v + 54,
            Some(v) = rxs[55].recv() => v + 55,
            Some(v) = rxs[56].recv() => v + 56,
            Some(v) = rxs[57].recv() => v + 57,
            Some(v) = rxs[58].recv() => v + 58,
            Some(v) = rxs[59].recv() => v + 59,
            Some(v) = rxs[60].recv() => v + 60,
            Some(v) = rxs[61].recv() => v + 61,
            Some(v) = rxs[62].recv() => v + 62,
            Some(v) = rxs[63].recv() => v + 63,
        }
    });
    assert_eq!(v, 64);
}

#[test]
fn nested_select_that_loses_the_outer_select_moves_nothing() {
    // Outer arms, polled in order: `b` parks on rx2 (in the first poll's
    // second pass, while `x` waits for one yield); then, in the second
    // poll, `x` first hands a value to `b` (so the outer select is won by
    // `b`), then runs an inner select whose receive could take a buffered
    // value. The inner receive must see that the enclosing select is lost
    // and leave the value.
    let (tx1, rx1) = bounded::<i32>(1);
    let (tx2, rx2) = bounded::<i32>(0);
    tx1.try_send(1).unwrap();
    let w = Waker::noop();
    let mut outer = pin!(async {
        select! {
            biased;
            v = rx2.recv() => ('b', v),
            v = async {
                let mut yielded = false;
                std::future::poll_fn(|_| {
                    if std::mem::replace(&mut yielded, true) {
                        Poll::Ready(())
                    } else {
                        Poll::Pending
                    }
                })
                .await;
                tx2.try_send(2).unwrap();
                select! { v = rx1.recv() => v }
            } => ('x', v),
        }
    });
    let mut cx = Context::from_waker(w);
    assert_eq!(outer.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(outer.as_mut().poll(&mut cx), Poll::Ready(('b', Some(2))));
    assert_eq!(
        rx1.try_recv(),
        Ok(1),
        "the losing inner select took the value"
    );
}

/// Polls `a` and `b` together until both are done (a two-future join).
async fn join2<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut av, mut bv) = (None, None);
    std::future::poll_fn(|cx| {
        if av.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                av = Some(v);
            }
        }
        if bv.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                bv = Some(v);
            }
        }
        if av.is_some() && bv.is_some() {
            Poll::Ready((av.take().unwrap(), bv.take().unwrap()))
        } else {
            Poll::Pending
        }
    })
    .await
}

/// Channels `a`, empty, and `b`, holding 2, both of capacity 1: an arm
/// `join2(a.recv(), b.recv())` finds `b` ready and has to wait for `a`.
type Pair = (Sender<i32>, Receiver<i32>);
fn a_empty_b_holding_two() -> (Pair, Pair) {
    let (atx, arx) = bounded::<i32>(1);
    let (btx, brx) = bounded::<i32>(1);
    btx.try_send(2).unwrap();
    ((atx, arx), (btx, brx))
}

/// Sends 1 on `a`, checks that this was the select's `wakes`-th wake-up
/// (the receive on `a` was registered), and polls the select again.
fn send_one_on_a<F: Future + Unpin>(
    fut: &mut F,
    w: &Waker,
    atx: &Sender<i32>,
    count: &CountingWaker,
    wakes: usize,
) -> Poll<F::Output> {
    atx.try_send(1).unwrap();
    assert_eq!(
        count.0.load(Ordering::SeqCst),
        wakes,
        "the send must wake the select"
    );
    poll(fut, w)
}

#[test]
fn arm_committed_by_one_operation_still_registers_its_other_waiting_one() {
    // In the first poll the arm's receive on `a` finds nothing (and may
    // not park yet), then its receive on `b` takes a value, which commits
    // the arm. The receive on `a` must still end up registered, or the
    // send below would wake nobody.
    let ((atx, arx), (_btx, brx)) = a_empty_b_holding_two();
    let (_ntx, nrx) = bounded::<i32>(1);
    let (count, w) = counting();
    let mut fut = pin!(async {
        select! {
            // Polled first, so not the first pass's last arm (which may
            // park at once).
            biased;
            v = join2(arx.recv(), brx.recv()) => v,
            _ = nrx.recv() => unreachable!("nothing is sent on it"),
        }
    });
    assert!(poll(&mut fut, &w).is_pending());
    assert_eq!(
        send_one_on_a(&mut fut, &w, &atx, &count, 1),
        Poll::Ready((Some(1), Some(2)))
    );
}

#[test]
fn arm_committed_beside_default_still_registers_its_other_waiting_one() {
    // As above with `default`: the arm won (its receive on `b` moved a
    // value), so `default` must not run and the receive on `a` must wait.
    let ((atx, arx), (_btx, brx)) = a_empty_b_holding_two();
    let (count, w) = counting();
    let mut fut = pin!(async {
        select! {
            v = join2(arx.recv(), brx.recv()) => Some(v),
            default => None,
        }
    });
    assert!(poll(&mut fut, &w).is_pending());
    assert_eq!(
        send_one_on_a(&mut fut, &w, &atx, &count, 1),
        Poll::Ready(Some((Some(1), Some(2))))
    );
}

#[test]
fn one_armed_select_whose_arm_parks_then_commits_is_woken() {
    // The only arm may park at once: its receive on `a` parks under the
    // select's cell, then its receive on `b` claims that cell. The parked
    // registration is dead from then on (counterparties skip a claimed
    // cell), so the winner must be driven again to register as its own.
    let ((atx, arx), (_btx, brx)) = a_empty_b_holding_two();
    let (count, w) = counting();
    let mut fut = pin!(async {
        select! {
            v = join2(arx.recv(), brx.recv()) => v,
        }
    });
    assert!(poll(&mut fut, &w).is_pending());
    assert_eq!(
        send_one_on_a(&mut fut, &w, &atx, &count, 1),
        Poll::Ready((Some(1), Some(2)))
    );
}

#[test]
fn parked_select_whose_arm_commits_later_is_woken_for_its_other_operation() {
    // First poll: arm 0's receive on `a` parks (second pass), its second
    // operation waits behind a gate (not a channel, so opening it claims
    // nothing). Second poll, in one pass: the gate is open, the receive on
    // `b` takes a value and commits the arm, whose receive on `a` is still
    // parked under the now claimed cell.
    let ((atx, arx), (_btx, brx)) = a_empty_b_holding_two();
    let (_ntx, nrx) = bounded::<i32>(1);
    let gate = Arc::new(ChildWaker::default());
    let (count, w) = counting();
    let mut fut = pin!(async {
        select! {
            biased;
            v = join2(arx.recv(), async {
                std::future::poll_fn(|cx| {
                    if gate.fired.load(Ordering::SeqCst) {
                        Poll::Ready(())
                    } else {
                        *gate.parent.lock().unwrap() = Some(cx.waker().clone());
                        Poll::Pending
                    }
                })
                .await;
                brx.recv().await
            }) => v,
            _ = nrx.recv() => unreachable!("nothing is sent on it"),
        }
    });
    assert!(poll(&mut fut, &w).is_pending());
    Waker::from(gate.clone()).wake(); // open the gate
    assert_eq!(count.0.load(Ordering::SeqCst), 1);
    assert!(poll(&mut fut, &w).is_pending());
    assert_eq!(
        send_one_on_a(&mut fut, &w, &atx, &count, 2),
        Poll::Ready((Some(1), Some(2)))
    );
}

/// A combinator that polls its child only after the child's own waker
/// fired, as `FuturesUnordered` does.
struct PollWhenWoken<F> {
    child: F,
    woken: Arc<ChildWaker>,
}

#[derive(Default)]
struct ChildWaker {
    fired: std::sync::atomic::AtomicBool,
    parent: std::sync::Mutex<Option<Waker>>,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.fired.store(true, Ordering::SeqCst);
        if let Some(w) = self.parent.lock().unwrap().take() {
            w.wake();
        }
    }
}

impl<F: Future + Unpin> Future for PollWhenWoken<F> {
    type Output = F::Output;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        *self.woken.parent.lock().unwrap() = Some(cx.waker().clone());
        if !self.woken.fired.swap(false, Ordering::SeqCst) {
            return Poll::Pending;
        }
        let child_waker = Waker::from(self.woken.clone());
        std::pin::Pin::new(&mut self.child).poll(&mut Context::from_waker(&child_waker))
    }
}

#[test]
fn operation_under_a_combinator_that_declines_is_polled_again_and_parks() {
    // The arm's receive runs with the combinator's child waker. In the
    // first pass it declines, and must wake that child waker, or the
    // combinator (which polls a child only when its waker fired) would
    // never poll it in the second pass; there it parks, so a sender on an
    // unbuffered channel finds it.
    let (tx, rx) = bounded::<i32>(0);
    let (_ntx, nrx) = bounded::<i32>(1);
    let (_count, w) = counting();
    let woken = Arc::new(ChildWaker::default());
    woken.fired.store(true, Ordering::SeqCst); // poll the child the first time
    let mut fut = pin!(async {
        select! {
            biased;
            v = PollWhenWoken { child: Box::pin(rx.recv()), woken: woken.clone() } => v,
            _ = nrx.recv() => unreachable!("nothing is sent on it"),
        }
    });
    assert!(poll(&mut fut, &w).is_pending());
    assert_eq!(
        tx.try_send(7),
        Ok(()),
        "the receive under the combinator did not park"
    );
}

#[test]
fn arm_whose_pattern_fails_after_a_counterparty_claimed_it_is_not_polled_again() {
    // Arm 0 races a parked receive on `a` against a gate; when the gate
    // opens it sends on `a` (the counterparty claims the select for arm 0
    // and hands the receive the value) and wins the race, so the arm ends
    // with a pattern that does not match. Its future is finished: the
    // select must abandon the claimed cell, not drive arm 0 as the winner.
    use futures::future::Either;
    let (atx, arx) = bounded::<i32>(1);
    let (_ntx, nrx) = bounded::<i32>(1);
    let open = std::cell::Cell::new(false);
    let gate = std::future::poll_fn(|_| {
        if open.get() {
            atx.try_send(1).unwrap();
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    });
    let (_count, w) = counting();
    let mut fut = pin!(async {
        select! {
            biased;
            Either::Left((Some(v), _)) = futures::future::select(Box::pin(arx.recv()), Box::pin(gate)) => v,
            _ = nrx.recv() => unreachable!("nothing is sent on it"),
        }
    });
    assert!(poll(&mut fut, &w).is_pending());
    open.set(true);
    assert!(
        poll(&mut fut, &w).is_pending(),
        "only the never-ready arm is left"
    );
}

/// A combinator's child waker that, when woken, polls a channel receive at
/// once, as some executors' wakers run code inline.
struct PollsWhenWoken(Receiver<i32>, AtomicUsize);

impl Wake for PollsWhenWoken {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.1.fetch_add(1, Ordering::SeqCst);
        let mut f = pin!(self.0.recv());
        assert!(poll(&mut f, Waker::noop()).is_pending());
    }
}

#[test]
fn a_child_waker_that_polls_a_channel_when_woken_by_a_declining_arm_is_safe() {
    // The arm's receive, polled under the child waker, declines in the
    // select's first pass and wakes that waker, whose code polls another
    // channel: it must not find the select's context still borrowed.
    let (_tx1, rx1) = bounded::<i32>(1);
    let (_tx2, rx2) = bounded::<i32>(1);
    let (_tx3, rx3) = bounded::<i32>(1);
    let inline = Arc::new(PollsWhenWoken(rx3, AtomicUsize::new(0)));
    let child = Waker::from(inline.clone());
    let mut outer = pin!(async {
        select! {
            v = rx1.recv() => v,
            v = async {
                let mut f = pin!(rx2.recv());
                std::future::poll_fn(|_| f.as_mut().poll(&mut Context::from_waker(&child))).await
            } => v,
        }
    });
    assert!(poll(&mut outer, Waker::noop()).is_pending());
    assert!(inline.1.load(Ordering::SeqCst) >= 1, "the child was woken");
    assert!(!crate::select::in_arm());
}

#[test]
fn a_panic_in_a_nested_select_arm_restores_the_outer_arm_context() {
    let (_tx1, rx1) = bounded::<i32>(1);
    let (tx2, rx2) = bounded::<i32>(1);
    let (_tx3, rx3) = bounded::<i32>(1);
    tx2.try_send(7).unwrap();
    let mut outer = pin!(async {
        select! {
            v = rx1.recv() => ('a', v),
            v = async {
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let mut inner = pin!(async {
                        select! {
                            _ = std::future::poll_fn(|_| -> Poll<()> { panic!("boom") }) => 0,
                            v = rx3.recv() => v.unwrap(),
                        }
                    });
                    let _ = poll(&mut inner, Waker::noop());
                }));
                assert!(r.is_err());
                assert!(crate::select::in_arm(), "the outer arm's context is back");
                rx2.recv().await
            } => ('b', v),
        }
    });
    // The panicking arm may run first or never (if the outer select picks
    // `rx1`, which is empty, it still polls the other arm).
    assert_eq!(poll(&mut outer, Waker::noop()), Poll::Ready(('b', Some(7))));
    assert!(!crate::select::in_arm(), "no context left behind");
}

#[test]
fn a_panic_in_a_select_arm_leaves_no_arm_context_behind() {
    let (_tx1, rx1) = bounded::<i32>(1);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut sel = pin!(async {
            select! {
                v = rx1.recv() => v,
                _ = std::future::poll_fn(|_| -> Poll<()> { panic!("boom") }) => None,
            }
        });
        let _ = poll(&mut sel, Waker::noop());
    }));
    assert!(r.is_err());
    assert!(!crate::select::in_arm(), "no context left behind");
    // A plain operation afterwards runs as plain.
    let (tx, rx) = bounded::<i32>(1);
    tx.try_send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
}
