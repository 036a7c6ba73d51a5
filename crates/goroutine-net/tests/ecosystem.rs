//! Crates built on `futures-io` run on goroutine sockets unchanged: here a
//! WebSocket server and client from `async-tungstenite`, which knows
//! nothing of this runtime, talk over `goroutine::net::TcpStream`s.

mod common;

use std::time::Duration;

use async_tungstenite::tungstenite::Message;
use common::within;
use futures::StreamExt;
use goroutine::net::{TcpListener, TcpStream};

#[goroutine::test(workers = 2)]
async fn async_tungstenite_websocket_echo_runs_on_goroutine_sockets() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // The server: one goroutine per connection, echoing every message.
    goroutine::go!(async move {
        while let Ok((conn, _)) = listener.accept().await {
            goroutine::go!(async move {
                let mut ws = async_tungstenite::accept_async(conn).await.unwrap();
                while let Some(Ok(msg)) = ws.next().await {
                    if msg.is_text() || msg.is_binary() {
                        ws.send(msg).await.unwrap();
                    }
                }
            });
        }
    });

    let clients: Vec<_> = (0..10)
        .map(|id| {
            goroutine::spawn(async move {
                let conn = TcpStream::connect(addr).await.unwrap();
                let url = format!("ws://{addr}/echo");
                let (mut ws, response) = async_tungstenite::client_async(url, conn).await.unwrap();
                assert_eq!(response.status(), 101);
                for i in 0..20 {
                    let text = format!("client {id} message {i}");
                    ws.send(Message::text(text.clone())).await.unwrap();
                    let reply = ws.next().await.unwrap().unwrap();
                    assert_eq!(reply.into_text().unwrap().as_str(), text);
                }
                let big = vec![id as u8; 200_000];
                ws.send(Message::binary(big.clone())).await.unwrap();
                let reply = ws.next().await.unwrap().unwrap();
                assert_eq!(reply.into_data(), big);
                ws.close(None).await.unwrap();
            })
        })
        .collect();
    within(Duration::from_secs(30), async {
        for c in clients {
            c.await.unwrap();
        }
    })
    .await;
}
