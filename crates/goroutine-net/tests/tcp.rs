//! TCP on loopback: echo, half-close, connection storms, resets, splits.

mod common;

use std::io::ErrorKind;
use std::net::{Shutdown, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use common::{eventually, pattern, within};
use futures::{AsyncReadExt, AsyncWriteExt};
use goroutine::net::{OwnedReadHalf, OwnedWriteHalf, ReuniteError, TcpListener, TcpStream};
use socket2::SockRef;

const LIMIT: Duration = Duration::from_secs(30);

/// An echo server on a free port; returns its address.
async fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    goroutine::go!(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            goroutine::go!(async move {
                let mut buf = [0u8; 8192];
                while let Ok(n @ 1..) = conn.read(&mut buf).await {
                    if conn.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

/// Closes `stream` with a reset (RST) instead of a FIN: linger 0.
fn reset(stream: TcpStream) {
    SockRef::from(&stream)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(stream);
}

#[test]
fn every_type_is_send_and_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<TcpListener>();
    check::<TcpStream>();
    check::<OwnedReadHalf>();
    check::<OwnedWriteHalf>();
    check::<ReuniteError>();
    check::<goroutine::net::UdpSocket>();
}

#[goroutine::test(workers = 2)]
async fn echo_serves_many_clients_concurrently() {
    let addr = echo_server().await;
    let clients: Vec<_> = (0..200u64)
        .map(|id| {
            goroutine::spawn(async move {
                let mut conn = TcpStream::connect(addr).await?;
                for round in 0..20u64 {
                    // Sizes up to 20 KB: reads and writes come in pieces.
                    let msg = pattern(
                        id * 1000 + round,
                        ((id * 7919 + round * 104_729) % 20_000 + 1) as usize,
                    );
                    conn.write_all(&msg).await?;
                    let mut back = vec![0u8; msg.len()];
                    conn.read_exact(&mut back).await?;
                    assert_eq!(back, msg, "client {id} round {round}");
                }
                Ok::<_, std::io::Error>(())
            })
        })
        .collect();
    within(LIMIT, async {
        for c in clients {
            c.await.unwrap().unwrap();
        }
    })
    .await;
}

#[goroutine::test(workers = 2)]
async fn half_closed_connection_still_carries_the_reply() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let server = goroutine::spawn(async move {
        let (mut conn, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        conn.read_to_end(&mut request).await.unwrap(); // ends at the client's FIN
        conn.write_all(&request.len().to_be_bytes()).await.unwrap();
        conn.write_all(&request).await.unwrap();
    });
    let request = pattern(1, 100_000);
    client.write_all(&request).await.unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let mut reply = Vec::new();
    within(LIMIT, client.read_to_end(&mut reply)).await.unwrap();
    assert_eq!(reply[..8], request.len().to_be_bytes());
    assert_eq!(reply[8..], request[..]);
    server.await.unwrap();
}

#[goroutine::test(workers = 2)]
async fn read_returns_zero_once_the_peer_closes() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (mut conn, _) = listener.accept().await.unwrap();
    drop(client);
    let mut buf = [0u8; 16];
    assert_eq!(within(LIMIT, conn.read(&mut buf)).await.unwrap(), 0);
    assert_eq!(conn.read(&mut buf).await.unwrap(), 0, "EOF is sticky");
}

#[goroutine::test(workers = 2)]
async fn accept_loop_survives_connection_storm() {
    // 1,000 clients connect at once; every third resets right away,
    // possibly before the server accepted it. The others must all be
    // served, and the server must keep accepting.
    let addr = echo_server().await;
    let served = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..1000u64)
        .map(|id| {
            let served = served.clone();
            goroutine::spawn(async move {
                let mut conn = TcpStream::connect(addr).await.unwrap();
                if id % 3 == 0 {
                    reset(conn);
                    return;
                }
                let msg = id.to_le_bytes();
                conn.write_all(&msg).await.unwrap();
                let mut back = [0u8; 8];
                conn.read_exact(&mut back).await.unwrap();
                assert_eq!(back, msg);
                served.fetch_add(1, Relaxed);
            })
        })
        .collect();
    within(LIMIT, async {
        for c in clients {
            c.await.unwrap();
        }
    })
    .await;
    assert_eq!(served.load(Relaxed), 666);
    // Still accepting after the storm.
    let mut conn = TcpStream::connect(addr).await.unwrap();
    conn.write_all(b"after").await.unwrap();
    let mut back = [0u8; 5];
    within(LIMIT, conn.read_exact(&mut back)).await.unwrap();
    assert_eq!(&back, b"after");
}

#[goroutine::test(workers = 2)]
async fn several_goroutines_accept_on_one_listener() {
    let listener = Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    for _ in 0..4 {
        let (listener, accepted) = (listener.clone(), accepted.clone());
        goroutine::go!(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                accepted.fetch_add(1, Relaxed);
                let _ = conn.write_all(b"x").await;
            }
        });
    }
    for _ in 0..100 {
        let mut conn = TcpStream::connect(addr).await.unwrap();
        let mut b = [0u8; 1];
        within(LIMIT, conn.read_exact(&mut b)).await.unwrap();
    }
    assert_eq!(accepted.load(Relaxed), 100);
}

#[goroutine::test(workers = 2)]
async fn connect_to_a_closed_port_is_refused() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap(); // the listener closes again here
    let err = within(LIMIT, TcpStream::connect(addr)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
}

#[goroutine::test(workers = 2)]
async fn connect_to_nothing_resolvable_is_invalid_input() {
    let none: &[SocketAddr] = &[];
    let err = TcpStream::connect(none).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = TcpListener::bind(none).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[goroutine::test(workers = 2)]
async fn bind_to_an_address_in_use_fails() {
    let first = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = TcpListener::bind(first.local_addr().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AddrInUse);
}

#[goroutine::test(workers = 2)]
async fn peer_reset_gives_connection_reset_on_read() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (mut conn, _) = listener.accept().await.unwrap();
    let reader = goroutine::spawn(async move {
        let mut buf = [0u8; 16];
        conn.read(&mut buf).await // waiting when the reset comes
    });
    common::pause(Duration::from_millis(20)).await;
    reset(client);
    let err = within(LIMIT, reader).await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset);
}

#[goroutine::test(workers = 2)]
async fn writing_to_a_vanished_peer_errors_instead_of_hanging() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (mut conn, _) = listener.accept().await.unwrap();
    reset(client);
    let chunk = [7u8; 16 * 1024];
    let err = within(LIMIT, async {
        for _ in 0..10_000 {
            if let Err(e) = conn.write_all(&chunk).await {
                return e;
            }
        }
        panic!("160 MB written to a peer that is gone");
    })
    .await;
    assert!(
        matches!(
            err.kind(),
            ErrorKind::BrokenPipe | ErrorKind::ConnectionReset
        ),
        "{err:?}"
    );
}

#[goroutine::test(workers = 2)]
async fn split_halves_carry_full_duplex_traffic_from_two_goroutines() {
    // Both sides write 4 MB while reading: with one goroutine per side and
    // no split this would deadlock once the socket buffers fill.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    let data = Arc::new(pattern(9, 4 << 20));
    let (mut writers, mut readers) = (Vec::new(), Vec::new());
    for stream in [client, server] {
        let (mut rd, mut wr) = stream.split();
        let d = data.clone();
        writers.push(goroutine::spawn(async move {
            for piece in d.chunks(100_000) {
                wr.write_all(piece).await.unwrap();
            }
            wr // dropping it here could reset the peer's unread data; hand it back
        }));
        let d = data.clone();
        readers.push(goroutine::spawn(async move {
            let mut got = vec![0u8; d.len()];
            rd.read_exact(&mut got).await.unwrap();
            assert!(got == *d, "stream corrupted");
        }));
    }
    within(LIMIT, async {
        let mut halves = Vec::new();
        for w in writers {
            halves.push(w.await.unwrap());
        }
        for r in readers {
            r.await.unwrap();
        }
    })
    .await;
}

#[goroutine::test(workers = 2)]
async fn dropping_the_write_half_sends_eof_but_reading_goes_on() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (mut server, _) = listener.accept().await.unwrap();
    let (mut rd, wr) = client.split();
    drop(wr);
    let mut buf = [0u8; 8];
    assert_eq!(within(LIMIT, server.read(&mut buf)).await.unwrap(), 0);
    server.write_all(b"still").await.unwrap();
    let n = within(LIMIT, rd.read(&mut buf)).await.unwrap();
    assert_eq!(&buf[..n], b"still");
}

#[goroutine::test(workers = 2)]
async fn reunited_halves_are_one_stream_again() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let b = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (mut server, _) = listener.accept().await.unwrap();
    let (ra, wa) = a.split();
    let (rb, wb) = b.split();
    let ReuniteError(ra, wb) = ra.reunite(wb).unwrap_err();
    let mut a = ra.reunite(wa).unwrap();
    drop((rb, wb));
    // Reuniting did not shut the write side down.
    a.write_all(b"whole").await.unwrap();
    let mut buf = [0u8; 5];
    within(LIMIT, server.read_exact(&mut buf)).await.unwrap();
    assert_eq!(&buf, b"whole");
}

#[goroutine::test(workers = 2)]
async fn futures_io_copy_runs_an_echo_over_split_halves() {
    // An echo server written only with `futures::io` combinators.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    goroutine::go!(async move {
        let (conn, _) = listener.accept().await.unwrap();
        let (rd, mut wr) = conn.split();
        futures::io::copy(rd, &mut wr).await.unwrap();
    });
    let conn = TcpStream::connect(addr).await.unwrap();
    let (rd, mut wr) = conn.split();
    wr.write_all(b"one\ntwo\nthree\n").await.unwrap();
    wr.close().await.unwrap();
    use futures::{AsyncBufReadExt, StreamExt};
    let lines: Vec<String> = within(
        LIMIT,
        futures::io::BufReader::new(rd)
            .lines()
            .map(Result::unwrap)
            .collect(),
    )
    .await;
    assert_eq!(lines, ["one", "two", "three"]);
}

#[goroutine::test(workers = 2)]
async fn streams_have_nodelay_on_as_in_go() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    assert!(client.nodelay().unwrap());
    assert!(server.nodelay().unwrap());
}

#[goroutine::test(workers = 2)]
async fn connection_goroutines_end_when_clients_vanish() {
    // A server goroutine blocked in read on a connection whose client
    // disappears must end (EOF or reset), not linger.
    let addr = echo_server().await;
    let baseline = goroutine::num_goroutines();
    let mut conns = Vec::new();
    for _ in 0..50 {
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"hi").await.unwrap();
        let mut b = [0u8; 2];
        c.read_exact(&mut b).await.unwrap();
        conns.push(c);
    }
    assert!(goroutine::num_goroutines() >= baseline + 50);
    for (i, c) in conns.into_iter().enumerate() {
        if i % 2 == 0 {
            reset(c);
        } else {
            drop(c);
        }
    }
    eventually(LIMIT, || goroutine::num_goroutines() <= baseline).await;
}
