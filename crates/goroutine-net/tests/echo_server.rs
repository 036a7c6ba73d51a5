//! The `echo_server` example (compiled in here from
//! `crates/goroutine/examples/echo_server.rs`) on loopback.

mod common;

#[allow(dead_code, unreachable_pub)]
#[path = "../../goroutine/examples/echo_server.rs"]
mod echo_server;

use std::net::Shutdown;
use std::time::Duration;

use common::{pattern, within};
use futures::AsyncReadExt;
use goroutine::net::{TcpListener, TcpStream};

const LIMIT: Duration = Duration::from_secs(60);

async fn start() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    goroutine::go!(echo_server::serve(listener));
    addr
}

#[goroutine::test(workers = 2)]
async fn echo_server_answers_100_concurrent_clients() {
    let addr = start().await;
    let clients: Vec<_> = (0..100u64)
        .map(|id| {
            goroutine::spawn(async move {
                let mut conn = TcpStream::connect(addr).await.unwrap();
                for round in 0..50u64 {
                    let msg = pattern(id << 8 | round, 64 + (round as usize * 331) % 9000);
                    conn.write_all(&msg).await.unwrap();
                    let mut back = vec![0u8; msg.len()];
                    conn.read_exact(&mut back).await.unwrap();
                    assert_eq!(back, msg);
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

#[goroutine::test(workers = 2)]
async fn echo_server_returns_everything_before_closing_a_half_closed_client() {
    let addr = start().await;
    let conn = TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = conn.split();
    let data = pattern(3, 1 << 20);
    let sent = data.clone();
    let writer = goroutine::spawn(async move {
        wr.write_all(&sent).await.unwrap();
        wr.shutdown().unwrap();
        wr
    });
    let mut back = Vec::new();
    within(LIMIT, rd.read_to_end(&mut back)).await.unwrap();
    assert!(back == data, "echo differs");
    drop(writer.await.unwrap());
}

#[goroutine::test(workers = 2)]
async fn echo_server_echoes_after_a_client_shuts_down_writing() {
    let addr = start().await;
    let mut conn = TcpStream::connect(addr).await.unwrap();
    conn.write_all(b"last words").await.unwrap();
    conn.shutdown(Shutdown::Write).unwrap();
    let mut back = Vec::new();
    within(LIMIT, conn.read_to_end(&mut back)).await.unwrap();
    assert_eq!(back, b"last words");
}
