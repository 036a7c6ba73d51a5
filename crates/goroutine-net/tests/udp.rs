//! UDP on loopback.

mod common;

use std::collections::HashSet;
use std::io::ErrorKind;
use std::sync::Arc;
use std::time::Duration;

use common::within;
use futures::channel::mpsc;
use futures::StreamExt;
use goroutine::net::UdpSocket;

const LIMIT: Duration = Duration::from_secs(30);

#[goroutine::test(workers = 2)]
async fn udp_round_trip() {
    let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let server_addr = server.local_addr().unwrap();
    goroutine::go!(async move {
        let mut buf = [0u8; 1500];
        while let Ok((n, from)) = server.recv_from(&mut buf).await {
            buf[..n].reverse();
            server.send_to(&buf[..n], from).await.unwrap();
        }
    });
    let mut buf = [0u8; 1500];
    for i in 0..50u32 {
        let msg = format!("datagram {i}");
        client.send_to(msg.as_bytes(), server_addr).await.unwrap();
        let (n, from) = within(LIMIT, client.recv_from(&mut buf)).await.unwrap();
        assert_eq!(from, server_addr);
        let mut expect = msg.into_bytes();
        expect.reverse();
        assert_eq!(&buf[..n], &expect[..]);
    }
}

#[goroutine::test(workers = 2)]
async fn many_goroutines_receive_from_one_socket() {
    // Four receivers wait on one socket at once; every datagram reaches
    // exactly one of them. Sent in acknowledged batches so the socket's
    // receive buffer never overflows (UDP may drop, even on loopback).
    let server = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let server_addr = server.local_addr().unwrap();
    let (tx, mut rx) = mpsc::unbounded::<u32>();
    for _ in 0..4 {
        let (server, tx) = (server.clone(), tx.clone());
        goroutine::go!(async move {
            let mut buf = [0u8; 4];
            while let Ok((4, _)) = server.recv_from(&mut buf).await {
                if tx.unbounded_send(u32::from_le_bytes(buf)).is_err() {
                    break;
                }
            }
        });
    }
    let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut seen = HashSet::new();
    for batch in 0..20u32 {
        for i in 0..16 {
            let id = batch * 16 + i;
            client
                .send_to(&id.to_le_bytes(), server_addr)
                .await
                .unwrap();
        }
        for _ in 0..16 {
            let id = within(LIMIT, rx.next()).await.unwrap();
            assert!(seen.insert(id), "datagram {id} delivered twice");
        }
    }
    assert_eq!(seen.len(), 320);
}

#[goroutine::test(workers = 2)]
async fn connected_sockets_send_and_recv() {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    a.connect(b.local_addr().unwrap()).await.unwrap();
    b.connect(a.local_addr().unwrap()).await.unwrap();
    a.send(b"ping").await.unwrap();
    let mut buf = [0u8; 8];
    let n = within(LIMIT, b.recv(&mut buf)).await.unwrap();
    assert_eq!(&buf[..n], b"ping");
    b.send(b"pong").await.unwrap();
    let n = within(LIMIT, a.recv(&mut buf)).await.unwrap();
    assert_eq!(&buf[..n], b"pong");
}

#[goroutine::test(workers = 2)]
async fn recv_from_truncates_a_long_datagram() {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    a.send_to(&[9u8; 1000], b.local_addr().unwrap())
        .await
        .unwrap();
    a.send_to(b"next", b.local_addr().unwrap()).await.unwrap();
    let mut small = [0u8; 10];
    let (n, _) = within(LIMIT, b.recv_from(&mut small)).await.unwrap();
    assert_eq!(n, 10);
    // The rest of the long datagram is gone; the next one is whole.
    let (n, _) = within(LIMIT, b.recv_from(&mut small)).await.unwrap();
    assert_eq!(&small[..n], b"next");
}

#[goroutine::test(workers = 2)]
async fn connected_socket_reports_refused_after_sending_to_a_closed_port() {
    let closed = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    a.connect(closed).await.unwrap();
    a.send(b"anyone?").await.unwrap();
    // The ICMP "port unreachable" comes back as an error on the socket.
    let err = within(LIMIT, a.recv(&mut [0u8; 8])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
}

#[goroutine::test(workers = 2)]
async fn send_to_an_empty_address_list_is_invalid_input() {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let none: &[std::net::SocketAddr] = &[];
    let err = a.send_to(b"x", none).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}
