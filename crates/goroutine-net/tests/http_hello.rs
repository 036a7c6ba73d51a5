//! The `http_hello` example (compiled in here from
//! `crates/goroutine/examples/http_hello.rs`): its parser, and the server
//! on loopback against well-behaved, malformed, slow and vanishing clients.

mod common;

#[allow(dead_code, unreachable_pub)]
#[path = "../../goroutine/examples/http_hello.rs"]
mod http_hello;

use std::net::SocketAddr;
use std::time::Duration;

use common::{eventually, pause, within};
use futures::{AsyncRead, AsyncReadExt};
use goroutine::net::{TcpListener, TcpStream};
use http_hello::http1::{self, Parse, Request, Status};
use http_hello::Config;
use socket2::SockRef;

const LIMIT: Duration = Duration::from_secs(30);

// ---- parser ----

fn complete(req: &[u8]) -> Request {
    match http1::parse(req) {
        Parse::Complete(r) => r,
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(req)),
    }
}

#[test]
fn parse_accepts_a_plain_get() {
    let raw = b"GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n";
    let r = complete(raw);
    assert_eq!(r.head_len, raw.len());
    assert_eq!(r.body_len, 0);
    assert!(r.keep_alive && !r.http10 && !r.head_only);
}

#[test]
fn parse_waits_for_the_rest_of_a_partial_head() {
    let raw = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
    for cut in 0..raw.len() {
        assert_eq!(http1::parse(&raw[..cut]), Parse::Partial, "cut at {cut}");
    }
}

#[test]
fn parse_reads_content_length_connection_and_version() {
    let r = complete(b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 42\r\nConnection: Keep-Alive, Close\r\n\r\n");
    assert_eq!((r.body_len, r.keep_alive), (42, false));
    let r = complete(b"GET / HTTP/1.0\r\n\r\n");
    assert!(r.http10 && !r.keep_alive);
    let r = complete(b"GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n");
    assert!(r.http10 && r.keep_alive);
    let r = complete(b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
    assert!(r.head_only);
}

#[test]
fn parse_accepts_bare_lf_and_leading_empty_lines() {
    let raw = b"\r\n\nGET / HTTP/1.1\nHost: h\n\n";
    assert_eq!(complete(raw).head_len, raw.len());
}

#[test]
fn parse_rejects_malformed_heads() {
    let bad: &[&[u8]] = &[
        b"GARBAGE\r\n\r\n",
        b"GET /\r\n\r\n",
        b"GET / HTTP/2.0\r\nHost: h\r\n\r\n",
        b"GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"G(T / HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",                       // no Host
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", // two Hosts
        b"GET / HTTP/1.1\r\nHost : h\r\n\r\n",           // space before colon
        b"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", // obsolete folding
        b"GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: x1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: h\r\nX: a\x01b\r\n\r\n",
    ];
    for raw in bad {
        assert_eq!(
            http1::parse(raw),
            Parse::Invalid(Status::BadRequest),
            "{:?}",
            String::from_utf8_lossy(raw)
        );
    }
    // A bad request line is refused before the head is complete.
    assert_eq!(
        http1::parse(b"NOT HTTP\r\nmore"),
        Parse::Invalid(Status::BadRequest)
    );
}

#[test]
fn parse_refuses_transfer_encoding_and_oversized_heads() {
    let te = b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_eq!(http1::parse(te), Parse::Invalid(Status::NotImplemented));
    let long = [
        b"GET / HTTP/1.1\r\nX: ".as_slice(),
        &[b'a'; http1::MAX_HEAD],
    ]
    .concat();
    assert_eq!(http1::parse(&long), Parse::Invalid(Status::HeadTooLarge));
    let mut many = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
    for _ in 0..http1::MAX_HEADERS {
        many.extend_from_slice(b"X: y\r\n");
    }
    many.extend_from_slice(b"\r\n");
    assert_eq!(http1::parse(&many), Parse::Invalid(Status::HeadTooLarge));
}

#[test]
fn http_date_formats_imf_fixdate() {
    // RFC 9110's example date.
    assert_eq!(
        &http1::http_date(784_111_777),
        b"Sun, 06 Nov 1994 08:49:37 GMT"
    );
    assert_eq!(&http1::http_date(0), b"Thu, 01 Jan 1970 00:00:00 GMT");
    assert_eq!(
        &http1::http_date(951_782_400),
        b"Tue, 29 Feb 2000 00:00:00 GMT"
    );
    assert_eq!(
        &http1::http_date(4_102_444_799),
        b"Thu, 31 Dec 2099 23:59:59 GMT"
    );
}

// ---- server ----

async fn start(config: Config) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    goroutine::go!(http_hello::serve(listener, config));
    addr
}

fn config() -> Config {
    Config {
        read_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(60),
    }
}

/// A parsed response.
#[derive(Debug)]
struct Response {
    status: u16,
    head: String,
    body: Vec<u8>,
}

/// Reads one response; `None` at a clean EOF before any byte of it.
async fn read_response<R: AsyncRead + Unpin>(
    conn: &mut R,
    pending: &mut Vec<u8>,
) -> Option<Response> {
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = conn.read(&mut buf).await.expect("read response head");
        if n == 0 {
            assert!(pending.is_empty(), "EOF inside a response head");
            return None;
        }
        pending.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8(pending[..head_end].to_vec()).unwrap();
    let status = head[9..12].parse().unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .expect("Content-Length")
        .parse()
        .unwrap();
    while pending.len() < head_end + len {
        let n = conn.read(&mut buf).await.expect("read response body");
        assert_ne!(n, 0, "EOF inside a response body");
        pending.extend_from_slice(&buf[..n]);
    }
    let body = pending[head_end..head_end + len].to_vec();
    pending.drain(..head_end + len);
    Some(Response { status, head, body })
}

async fn roundtrip(addr: SocketAddr, raw: &[u8]) -> Vec<Response> {
    let mut conn = TcpStream::connect(addr).await.unwrap();
    conn.write_all(raw).await.unwrap();
    let mut pending = Vec::new();
    let mut out = Vec::new();
    while let Some(r) = within(LIMIT, read_response(&mut conn, &mut pending)).await {
        out.push(r);
    }
    out
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: test\r\n\r\n";

#[goroutine::test(workers = 2)]
async fn keep_alive_connection_serves_many_requests() {
    let addr = start(config()).await;
    let mut conn = TcpStream::connect(addr).await.unwrap();
    let mut pending = Vec::new();
    for _ in 0..100 {
        conn.write_all(GET).await.unwrap();
        let r = within(LIMIT, read_response(&mut conn, &mut pending))
            .await
            .unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body, b"Hello, World!");
        assert!(r.head.contains("\r\nDate: "), "{}", r.head);
        assert!(!r.head.contains("Connection: close"));
    }
}

#[goroutine::test(workers = 2)]
async fn pipelined_requests_are_answered_in_order() {
    let addr = start(config()).await;
    let mut raw = Vec::new();
    raw.extend_from_slice(GET);
    raw.extend_from_slice(b"HEAD / HTTP/1.1\r\nHost: test\r\n\r\n");
    raw.extend_from_slice(b"POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello");
    raw.extend_from_slice(b"GET /last HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    let mut conn = TcpStream::connect(addr).await.unwrap();
    conn.write_all(&raw).await.unwrap();
    let mut pending = Vec::new();
    let mut statuses = Vec::new();
    for expect_body in [true, false, true, true] {
        // HEAD's response has Content-Length 13 and no body: read it by hand.
        let r = if expect_body {
            within(LIMIT, read_response(&mut conn, &mut pending))
                .await
                .unwrap()
        } else {
            let mut buf = [0u8; 4096];
            while !pending.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = conn.read(&mut buf).await.unwrap();
                pending.extend_from_slice(&buf[..n]);
            }
            let end = pending.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
            let head = String::from_utf8(pending.drain(..end).collect()).unwrap();
            Response {
                status: head[9..12].parse().unwrap(),
                head,
                body: Vec::new(),
            }
        };
        statuses.push(r.status);
        if expect_body {
            assert_eq!(r.body, b"Hello, World!");
        }
    }
    assert_eq!(statuses, [200, 200, 200, 200]);
    // `Connection: close` on the last one: EOF follows.
    let mut buf = [0u8; 16];
    assert_eq!(within(LIMIT, conn.read(&mut buf)).await.unwrap(), 0);
}

#[goroutine::test(workers = 2)]
async fn malformed_request_gets_400_and_the_server_keeps_serving() {
    let addr = start(config()).await;
    let rs = roundtrip(addr, b"THIS IS NOT HTTP\r\n\r\n").await;
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].status, 400);
    assert!(rs[0].head.contains("Connection: close"));
    // Garbage after a good request: the good one is answered first.
    let mut raw = GET.to_vec();
    raw.extend_from_slice(b"\x00\x01\x02 binary junk\r\n");
    let rs = roundtrip(addr, &raw).await;
    assert_eq!(rs.iter().map(|r| r.status).collect::<Vec<_>>(), [200, 400]);
    // And the server still serves everyone else.
    let rs = roundtrip(
        addr,
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(rs[0].status, 200);
}

#[goroutine::test(workers = 2)]
async fn error_response_survives_a_client_that_keeps_sending() {
    // The 400 must reach a client that is still sending (lingering close;
    // closing with unread input would reset the connection instead).
    let addr = start(config()).await;
    let mut conn = TcpStream::connect(addr).await.unwrap();
    let mut junk = b"BAD REQUEST LINE\r\n".to_vec();
    junk.extend(std::iter::repeat_n(b'x', 200_000));
    let _ = conn.write_all(&junk).await; // may fail once the server closes
    let mut pending = Vec::new();
    let r = within(LIMIT, read_response(&mut conn, &mut pending))
        .await
        .unwrap();
    assert_eq!(r.status, 400);
}

#[goroutine::test(workers = 2)]
async fn oversized_head_gets_431() {
    let addr = start(config()).await;
    let mut raw = b"GET / HTTP/1.1\r\nHost: h\r\nX-Big: ".to_vec();
    raw.extend(std::iter::repeat_n(b'a', 10_000));
    raw.extend_from_slice(b"\r\n\r\n");
    let rs = roundtrip(addr, &raw).await;
    assert_eq!(rs[0].status, 431);
}

#[goroutine::test(workers = 2)]
async fn transfer_encoding_gets_501() {
    let addr = start(config()).await;
    let rs = roundtrip(
        addr,
        b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    )
    .await;
    assert_eq!(rs[0].status, 501);
}

#[goroutine::test(workers = 2)]
async fn large_body_arriving_in_pieces_is_skipped() {
    let addr = start(config()).await;
    let mut conn = TcpStream::connect(addr).await.unwrap();
    conn.write_all(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n")
        .await
        .unwrap();
    for _ in 0..10 {
        conn.write_all(&[b'z'; 10_000]).await.unwrap();
        pause(Duration::from_millis(2)).await;
    }
    conn.write_all(GET).await.unwrap();
    let mut pending = Vec::new();
    for _ in 0..2 {
        let r = within(LIMIT, read_response(&mut conn, &mut pending))
            .await
            .unwrap();
        assert_eq!(r.status, 200);
    }
}

#[goroutine::test(workers = 2)]
async fn http10_closes_unless_asked_to_keep_alive() {
    let addr = start(config()).await;
    let rs = roundtrip(addr, b"GET / HTTP/1.0\r\n\r\n").await;
    assert_eq!(rs.len(), 1);
    assert!(rs[0].head.contains("Connection: close"));
    let mut conn = TcpStream::connect(addr).await.unwrap();
    let mut pending = Vec::new();
    for _ in 0..2 {
        conn.write_all(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            .await
            .unwrap();
        let r = within(LIMIT, read_response(&mut conn, &mut pending))
            .await
            .unwrap();
        assert!(r.head.contains("Connection: keep-alive"));
    }
}

#[goroutine::test(workers = 2)]
async fn slow_client_gets_408_after_the_read_timeout() {
    let addr = start(Config {
        read_timeout: Duration::from_millis(100),
        idle_timeout: Duration::from_secs(60),
    })
    .await;
    let (mut rd, mut wr) = TcpStream::connect(addr).await.unwrap().split();
    // Trickle a request that never completes: the deadline covers the
    // whole request, so bytes that keep coming do not keep it alive.
    let trickler = goroutine::spawn(async move {
        let _ = wr
            .write_all(b"GET / HTTP/1.1\r\nHost: slow\r\nX-Slow: ")
            .await;
        for _ in 0..400 {
            if wr.write_all(b"a").await.is_err() {
                break;
            }
            pause(Duration::from_millis(5)).await;
        }
        wr
    });
    let mut pending = Vec::new();
    let r = within(LIMIT, read_response(&mut rd, &mut pending))
        .await
        .expect("a response, not EOF");
    assert_eq!(r.status, 408);
    drop(trickler.await.unwrap());
}

#[goroutine::test(workers = 2)]
async fn idle_connection_is_closed_quietly_after_the_idle_timeout() {
    let addr = start(Config {
        read_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_millis(50),
    })
    .await;
    let mut conn = TcpStream::connect(addr).await.unwrap();
    conn.write_all(GET).await.unwrap();
    let mut pending = Vec::new();
    let r = within(LIMIT, read_response(&mut conn, &mut pending))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    // No request follows: the server closes without a response.
    assert!(within(LIMIT, read_response(&mut conn, &mut pending))
        .await
        .is_none());
}

#[goroutine::test(workers = 2)]
async fn clients_vanishing_mid_request_end_their_goroutines() {
    let addr = start(config()).await;
    let baseline = goroutine::num_goroutines();
    let mut conns = Vec::new();
    for i in 0..40 {
        let mut conn = TcpStream::connect(addr).await.unwrap();
        conn.write_all(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\npartial")
            .await
            .unwrap();
        if i % 2 == 0 {
            SockRef::from(&conn)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
        }
        conns.push(conn);
    }
    // Every connection has its goroutine, stuck mid-request ...
    eventually(LIMIT, || goroutine::num_goroutines() >= baseline + 40).await;
    // ... until its client vanishes (half with a reset, half with a FIN).
    drop(conns);
    eventually(LIMIT, || goroutine::num_goroutines() <= baseline).await;
    let rs = roundtrip(
        addr,
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(rs[0].status, 200);
}

#[goroutine::test(workers = 2)]
async fn many_keep_alive_clients_at_once() {
    let addr = start(config()).await;
    let clients: Vec<_> = (0..100)
        .map(|_| {
            goroutine::spawn(async move {
                let mut conn = TcpStream::connect(addr).await.unwrap();
                let mut pending = Vec::new();
                for _ in 0..50 {
                    conn.write_all(GET).await.unwrap();
                    let r = read_response(&mut conn, &mut pending).await.unwrap();
                    assert_eq!(r.status, 200);
                }
            })
        })
        .collect();
    within(LIMIT, async {
        for c in clients {
            c.await.unwrap();
        }
    })
    .await;
}
