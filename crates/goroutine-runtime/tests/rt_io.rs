//! The reactor, through `goroutine::io::IoSource`.

mod common;

use std::future::poll_fn;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use goroutine::io::{Interest, IoSource};
use goroutine::runtime::Builder;

async fn read_some(s: &IoSource<TcpStream>, buf: &mut [u8]) -> std::io::Result<usize> {
    poll_fn(|cx| s.poll_io(cx, Interest::Read, |mut s| s.read(buf))).await
}

async fn write_all(s: &IoSource<TcpStream>, mut buf: &[u8]) -> std::io::Result<()> {
    while !buf.is_empty() {
        let n = poll_fn(|cx| s.poll_io(cx, Interest::Write, |mut s| s.write(buf))).await?;
        buf = &buf[n..];
    }
    Ok(())
}

#[test]
fn goroutines_echo_over_loopback_tcp() {
    let rt = Builder::new().workers(2).build().unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let listener = IoSource::new(listener).unwrap();
        let server = goroutine::spawn(async move {
            for _ in 0..10 {
                let (conn, _) = poll_fn(|cx| listener.poll_io(cx, Interest::Read, |l| l.accept()))
                    .await
                    .unwrap();
                conn.set_nonblocking(true).unwrap();
                let conn = IoSource::new(conn).unwrap();
                goroutine::go!(async move {
                    let mut buf = [0u8; 1024];
                    loop {
                        match read_some(&conn, &mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => write_all(&conn, &buf[..n]).await.unwrap(),
                        }
                    }
                });
            }
        });
        let clients: Vec<_> = (0..10u8)
            .map(|i| {
                goroutine::spawn(async move {
                    let s = TcpStream::connect(addr).unwrap();
                    s.set_nonblocking(true).unwrap();
                    let s = IoSource::new(s).unwrap();
                    let msg = vec![i; 10_000];
                    write_all(&s, &msg).await.unwrap();
                    let mut got = Vec::new();
                    let mut buf = [0u8; 4096];
                    while got.len() < msg.len() {
                        let n = read_some(&s, &mut buf).await.unwrap();
                        got.extend_from_slice(&buf[..n]);
                    }
                    assert_eq!(got, msg);
                })
            })
            .collect();
        for c in clients {
            c.await.unwrap();
        }
        server.await.unwrap();
    });
}

/// A sender socket, and a non-blocking receiver socket with its address.
fn udp_pair() -> (UdpSocket, UdpSocket, std::net::SocketAddr) {
    let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    b.set_nonblocking(true).unwrap();
    let b_addr = b.local_addr().unwrap();
    (a, b, b_addr)
}

/// Receives one datagram on `b` through the reactor.
async fn recv_datagram(b: &IoSource<UdpSocket>) -> Vec<u8> {
    let mut buf = [0u8; 16];
    let (n, _) = poll_fn(|cx| b.poll_io(cx, Interest::Read, |s| s.recv_from(&mut buf)))
        .await
        .unwrap();
    buf[..n].to_vec()
}

#[test]
fn an_idle_worker_sleeping_in_the_poller_wakes_for_a_datagram() {
    let rt = Builder::new().workers(1).build().unwrap();
    let (a, b, b_addr) = udp_pair();
    let start = Instant::now();
    let got = rt.block_on(async move {
        let recv = goroutine::spawn(async move { recv_datagram(&IoSource::new(b).unwrap()).await });
        // Let the worker go to sleep in the poller first.
        std::thread::sleep(Duration::from_millis(30));
        a.send_to(b"wake", b_addr).unwrap();
        recv.await.unwrap()
    });
    assert_eq!(got, b"wake");
    assert!(start.elapsed() < Duration::from_secs(5));
}

/// With no sockets, the worker that sleeps for the timers waits on its
/// condition variable, not in the poller. Registering a socket must move
/// it into the poller, or the socket's events would wait for the timer.
#[test]
fn a_socket_registered_while_the_timer_owner_sleeps_off_the_poller_is_watched() {
    let rt = Builder::new().workers(1).build().unwrap();
    let (a, b, b_addr) = udp_pair();
    let start = Instant::now();
    let got = rt.block_on(async move {
        // A far timer, and no socket yet: the worker sleeps until it.
        let _sleeper = goroutine::spawn(goroutine::time::sleep(Duration::from_secs(60)));
        std::thread::sleep(Duration::from_millis(30));
        let b = IoSource::new(b).unwrap();
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            a.send_to(b"wake", b_addr).unwrap();
        });
        let got = recv_datagram(&b).await;
        sender.join().unwrap();
        got
    });
    assert_eq!(got, b"wake");
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "waited for the timer"
    );
}

/// A goroutine woken by I/O while older goroutines wait in the global
/// queue runs after them, not before: the driver's wake-ups queue behind
/// the injector instead of overtaking it through the local queue, which a
/// busy worker serves first (the p99 latency of a server with more
/// connections than the local ring holds; Go's netpoll readies onto the
/// global queue). Timers differ: `rt_timer.rs`.
#[test]
fn an_io_wake_up_queues_behind_goroutines_already_in_the_global_queue() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    const INJECTED: usize = 3_000;
    let rt = common::one_worker_no_monitor();
    let handle = rt.handle();
    let (a, b, b_addr) = udp_pair();
    let ran = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let seen = rt.block_on({
        let (ran, stop) = (ran.clone(), stop.clone());
        async move {
            common::keep_local_queue_busy(50, &stop);
            let waiting = Arc::new(AtomicBool::new(false));
            let receiver = {
                let (ran, waiting) = (ran.clone(), waiting.clone());
                goroutine::spawn(async move {
                    let b = IoSource::new(b).unwrap();
                    waiting.store(true, SeqCst);
                    // Parks on the socket in this same poll.
                    let got = recv_datagram(&b).await;
                    stop.store(true, SeqCst);
                    (got, ran.load(SeqCst))
                })
            };
            // From a plain thread, once the receiver waits on its socket:
            // every spawn goes to the global queue; the datagram comes
            // after all of them.
            let spawner = std::thread::spawn(move || {
                while !waiting.load(SeqCst) {
                    std::thread::yield_now();
                }
                std::thread::sleep(Duration::from_millis(10));
                common::inject_counted(&handle, INJECTED, &ran);
                a.send_to(b"late", b_addr).unwrap();
            });
            let seen = receiver.await.unwrap();
            spawner.join().unwrap();
            seen
        }
    });
    assert_eq!(seen.0, b"late");
    assert_eq!(
        seen.1, INJECTED,
        "the I/O wake-up overtook the global queue"
    );
}
