//! Read and write deadlines and timeouts. Behaviour follows Go's
//! `net.Conn` deadlines (`golang/go: src/net/timeout_test.go`,
//! `TestReadTimeout`, `TestWriteTimeout`, `TestReadTimeoutMustNotReturn`):
//! a passed deadline fails the operation with a timeout error, a deadline
//! in the past fails it at once, and a moved deadline revives the conn.

mod common;

use std::future::Future;
use std::io::ErrorKind;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use common::{pause, within};
use goroutine::net::{TcpListener, TcpStream};
use socket2::SockRef;

const LIMIT: Duration = Duration::from_secs(30);

async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[goroutine::test(workers = 2)]
async fn read_deadline_fires_when_the_peer_is_silent() {
    let (mut a, _b) = pair().await;
    let start = Instant::now();
    a.set_read_deadline(Some(start + Duration::from_millis(30)));
    let err = within(LIMIT, a.read(&mut [0u8; 8])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
    assert_eq!(err.to_string(), "i/o timeout");
    assert!(start.elapsed() >= Duration::from_millis(30), "fired early");
}

#[goroutine::test(workers = 2)]
async fn read_timeout_fires_for_each_read_that_waits_too_long() {
    let (mut a, mut b) = pair().await;
    a.set_read_timeout(Some(Duration::from_millis(20)));
    for _ in 0..3 {
        let err = within(LIMIT, a.read(&mut [0u8; 8])).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TimedOut);
    }
    // Data that is there is read, however old the timeout.
    b.write_all(b"late").await.unwrap();
    pause(Duration::from_millis(40)).await;
    let mut buf = [0u8; 8];
    assert_eq!(a.read(&mut buf).await.unwrap(), 4);
}

#[goroutine::test(workers = 2)]
async fn read_timeout_does_not_fire_while_data_keeps_coming() {
    // Each read waits ~10 ms under a 2 s per-read timeout, 30 times over
    // (300 ms): longer in total than a stale deadline from the first read
    // would allow if the clock were not restarted per read.
    let (mut a, mut b) = pair().await;
    a.set_read_timeout(Some(Duration::from_millis(2000)));
    let writer = goroutine::spawn(async move {
        for i in 0..30u8 {
            pause(Duration::from_millis(10)).await;
            b.write_all(&[i]).await.unwrap();
        }
        b
    });
    let mut buf = [0u8; 1];
    for i in 0..30u8 {
        within(LIMIT, a.read(&mut buf)).await.unwrap();
        assert_eq!(buf[0], i);
    }
    writer.await.unwrap();
}

#[goroutine::test(workers = 2)]
async fn a_deadline_in_the_past_fails_even_with_data_ready() {
    // As Go: an expired deadline fails the call before trying it.
    let (mut a, mut b) = pair().await;
    b.write_all(b"ready").await.unwrap();
    pause(Duration::from_millis(20)).await;
    a.set_read_deadline(Some(Instant::now() - Duration::from_millis(1)));
    let err = a.read(&mut [0u8; 8]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
    // Clearing the deadline revives the stream; nothing was consumed.
    a.set_read_deadline(None);
    let mut buf = [0u8; 8];
    let n = a.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"ready");
}

#[goroutine::test(workers = 2)]
async fn moving_the_deadline_later_revives_a_timed_out_stream() {
    let (mut a, mut b) = pair().await;
    a.set_read_deadline(Some(Instant::now() + Duration::from_millis(20)));
    let err = within(LIMIT, a.read(&mut [0u8; 8])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);

    a.set_read_deadline(Some(Instant::now() + Duration::from_secs(10)));
    let writer = goroutine::spawn(async move {
        pause(Duration::from_millis(50)).await;
        b.write_all(b"ok").await.unwrap();
        b
    });
    let mut buf = [0u8; 2];
    let n = within(LIMIT, a.read(&mut buf)).await.unwrap();
    assert_eq!(&buf[..n], b"ok");
    writer.await.unwrap();
}

#[goroutine::test(workers = 2)]
async fn moving_the_deadline_earlier_takes_effect() {
    // The lazily armed timer is registered for 10 s; an earlier deadline
    // must re-arm it rather than wait for the old one.
    let (mut a, _b) = pair().await;
    a.set_read_deadline(Some(Instant::now() + Duration::from_secs(10)));
    {
        // One poll that has to wait arms the timer for 10 s.
        let mut buf = [0u8; 8];
        let mut read = std::pin::pin!(a.read(&mut buf));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(read.as_mut().poll(&mut cx).is_pending());
    }
    a.set_read_deadline(Some(Instant::now() + Duration::from_millis(20)));
    // Well before the stale 10 s timer would fire.
    let err = within(Duration::from_secs(5), a.read(&mut [0u8; 8]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
}

#[goroutine::test(workers = 2)]
async fn write_timeout_fires_when_the_peer_does_not_read() {
    let (mut a, b) = pair().await;
    // Small buffers so they fill quickly.
    SockRef::from(&a).set_send_buffer_size(4096).unwrap();
    SockRef::from(&b).set_recv_buffer_size(4096).unwrap();
    a.set_write_timeout(Some(Duration::from_millis(50)));
    let chunk = [1u8; 64 * 1024];
    let err = within(LIMIT, async {
        for _ in 0..10_000 {
            if let Err(e) = a.write(&chunk).await {
                return e;
            }
        }
        panic!("640 MB written to a peer that never reads");
    })
    .await;
    assert_eq!(err.kind(), ErrorKind::TimedOut);
    drop(b);
}

#[goroutine::test(workers = 2)]
async fn write_deadline_bounds_the_whole_write_all() {
    let (mut a, b) = pair().await;
    SockRef::from(&a).set_send_buffer_size(4096).unwrap();
    SockRef::from(&b).set_recv_buffer_size(4096).unwrap();
    a.set_write_deadline(Some(Instant::now() + Duration::from_millis(50)));
    let big = vec![2u8; 64 << 20];
    let err = within(LIMIT, a.write_all(&big)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
    drop(b);
}

#[goroutine::test(workers = 2)]
async fn split_halves_keep_their_own_deadlines() {
    let (a, _b) = pair().await;
    let mut a = a;
    a.set_read_timeout(Some(Duration::from_millis(20)));
    let (mut rd, mut wr) = a.split();
    // The write side has no deadline and works.
    wr.write_all(b"fine").await.unwrap();
    let err = within(LIMIT, rd.read(&mut [0u8; 4])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
    rd.set_read_timeout(None);
    rd.set_read_deadline(Some(Instant::now() + Duration::from_millis(20)));
    let err = within(LIMIT, rd.read(&mut [0u8; 4])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
}

#[goroutine::test(workers = 2)]
async fn clearing_deadlines_leaves_reads_waiting() {
    let (mut a, mut b) = pair().await;
    a.set_read_timeout(Some(Duration::from_millis(10)));
    a.set_read_timeout(None);
    let writer = goroutine::spawn(async move {
        pause(Duration::from_millis(60)).await;
        b.write_all(b"x").await.unwrap();
        b
    });
    let mut buf = [0u8; 1];
    assert_eq!(within(LIMIT, a.read(&mut buf)).await.unwrap(), 1);
    writer.await.unwrap();
}
