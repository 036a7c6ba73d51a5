//! The `http_hello` server keeps answering with 10,000 idle connections
//! open (one goroutine each).
//!
//! Client and server in one process would need 20,000 descriptors, more
//! than the usual hard limit here (20,000, with a few taken already), and
//! raising it needs `unsafe` (`setrlimit`). So the idle clients live in a
//! child process: this test binary again, running only `idle_holder` with
//! an environment variable that tells it to connect and wait. If the
//! descriptor limit is lower than 10,000 plus a margin, the test uses what
//! the limit allows and says so.

mod common;

#[allow(dead_code, unreachable_pub)]
#[path = "../../goroutine/examples/http_hello.rs"]
mod http_hello;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{eventually, within};
use futures::AsyncReadExt;
use goroutine::net::{TcpListener, TcpStream};

const HOLDER_ENV: &str = "GOROUTINE_NET_IDLE_HOLDER";
const WANTED: usize = 10_000;
const LIMIT: Duration = Duration::from_secs(120);

/// Soft limit on open descriptors, from `/proc/self/limits` (Linux).
fn fd_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Child mode only: opens the idle connections, says "ready N", and holds
/// them until standard input closes. In the parent it does nothing.
#[test]
fn idle_holder() {
    let Ok(spec) = std::env::var(HOLDER_ENV) else {
        return;
    };
    let (addr, n) = spec.split_once(' ').unwrap();
    let n: usize = n.parse().unwrap();
    let mut conns = Vec::with_capacity(n);
    for i in 0..n {
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        if i % 10 == 0 {
            // Some are keep-alive connections idle after a request.
            c.write_all(b"GET / HTTP/1.1\r\nHost: idle\r\n\r\n")
                .unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 512];
            while !got.ends_with(b"Hello, World!") {
                let k = c.read(&mut buf).unwrap();
                assert_ne!(k, 0, "server closed an idle connection");
                got.extend_from_slice(&buf[..k]);
            }
        }
        conns.push(c);
    }
    // On a line of its own: the test harness has printed "test idle_holder ... ".
    println!("\nready {n}");
    std::io::stdout().flush().unwrap();
    let mut rest = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut rest);
}

#[goroutine::test(workers = 2)]
async fn server_with_10000_idle_connections_still_answers() {
    if std::env::var(HOLDER_ENV).is_ok() {
        return; // we are the child; `idle_holder` does the work
    }
    let wanted = std::env::var("GOROUTINE_NET_IDLE_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(WANTED);
    let n = match fd_limit() {
        Some(limit) if limit < wanted + 200 => {
            let n = limit.saturating_sub(200);
            eprintln!("note: descriptor limit {limit}: holding {n} idle connections, not {wanted}");
            n
        }
        _ => wanted,
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = http_hello::Config {
        read_timeout: Duration::from_secs(60),
        idle_timeout: Duration::from_secs(600),
    };
    goroutine::go!(http_hello::serve(listener, config));
    let baseline = goroutine::num_goroutines();

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "idle_holder", "--nocapture", "--test-threads=1"])
        .env(HOLDER_ENV, format!("{addr} {n}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let ready = goroutine::spawn_blocking(move || {
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        while stdout.read_line(&mut line).unwrap_or(0) > 0 {
            if line.starts_with("ready ") {
                return (Some(line.trim_end().to_string()), stdout);
            }
            line.clear();
        }
        (None, stdout)
    });
    let (ready, mut stdout) = within(LIMIT, ready).await.unwrap();
    assert_eq!(ready, Some(format!("ready {n}")), "the holder failed");

    // Every idle connection has its goroutine...
    eventually(LIMIT, || goroutine::num_goroutines() >= baseline + n).await;
    // ...and the server still answers new clients promptly.
    for _ in 0..50 {
        let mut conn = TcpStream::connect(addr).await.unwrap();
        conn.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut response = Vec::new();
        within(LIMIT, conn.read_to_end(&mut response))
            .await
            .unwrap();
        assert!(response.starts_with(b"HTTP/1.1 200 OK\r\n"));
        assert!(response.ends_with(b"Hello, World!"));
    }

    // The holder exits when its stdin closes; all those goroutines end.
    drop(child.stdin.take());
    let exit = goroutine::spawn_blocking(move || {
        // Keep reading, so the child never writes into a closed pipe.
        let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        child.wait()
    });
    let status = within(LIMIT, exit).await.unwrap().unwrap();
    assert!(status.success());
    eventually(LIMIT, || goroutine::num_goroutines() <= baseline).await;
}
