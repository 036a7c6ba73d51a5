//! Comparison server for `benches/net.sh`: tokio with the very same
//! hand-written HTTP/1.1 code as `goroutine`'s `http_hello` example (the
//! file is compiled in), the same timeouts (tokio's `timeout` per idle
//! read, `timeout_at` for a request under way) and the same lingering
//! close. Only the runtime differs.
//!
//! ```text
//! cargo run --release -p goroutine-benches --example net_tokio_hand -- [ADDR] [WORKERS]
//! ```

#[allow(dead_code, unreachable_pub)]
#[path = "../../crates/goroutine/examples/http_hello.rs"]
mod http_hello;

use std::io;
use std::time::Duration;

use http_hello::{http1, Config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{timeout, timeout_at, Instant};

async fn handle(mut conn: TcpStream, config: Config) -> io::Result<()> {
    let mut http = http1::Conn::new();
    let mut deadline: Option<Instant> = None;
    loop {
        let next = http.process();
        if !http.output().is_empty() {
            conn.write_all(http.output()).await?;
            http.clear_output();
        }
        if let http1::Next::Close { drain } = next {
            return close_gracefully(conn, drain).await;
        }
        let partial = http.in_request();
        if partial && deadline.is_none() {
            deadline = Some(Instant::now() + config.read_timeout);
        } else if !partial {
            deadline = None;
        }
        let read = conn.read(http.read_buf());
        let read = match deadline {
            Some(at) => timeout_at(at, read).await,
            None => timeout(config.idle_timeout, read).await,
        };
        match read {
            Ok(Ok(0)) => return Ok(()),
            Ok(Ok(n)) => http.filled(n),
            Ok(Err(e)) => return Err(e),
            Err(_elapsed) if partial => {
                http.fail(http1::Status::RequestTimeout);
                timeout(config.read_timeout, conn.write_all(http.output())).await??;
                return close_gracefully(conn, true).await;
            }
            Err(_elapsed) => return Ok(()),
        }
    }
}

async fn close_gracefully(mut conn: TcpStream, drain: bool) -> io::Result<()> {
    conn.shutdown().await?;
    if drain {
        let mut sink = [0u8; 4096];
        let _ = timeout(Duration::from_millis(500), async {
            let mut left = 256 * 1024usize;
            while left > 0 {
                match conn.read(&mut sink).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => left -= n.min(left),
                }
            }
        })
        .await;
    }
    Ok(())
}

fn main() -> io::Result<()> {
    let (addr, workers) = args("127.0.0.1:8080");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = TcpListener::bind(&addr).await?;
        println!(
            "listening on http://{} ({workers} workers)",
            listener.local_addr()?
        );
        let config = Config::from_env();
        loop {
            match listener.accept().await {
                Ok((conn, _)) => {
                    // A peer that has already gone must not stop the server.
                    let _ = conn.set_nodelay(true);
                    tokio::spawn(async move {
                        let _ = handle(conn, config).await;
                    });
                }
                Err(e) => {
                    eprintln!("net_tokio_hand: accept: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
    })
}

/// `[ADDR] [WORKERS]`; workers default to `$GOMAXPROCS`, else 2.
fn args(default_addr: &str) -> (String, usize) {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| default_addr.to_string());
    let workers = args
        .next()
        .or_else(|| std::env::var("GOMAXPROCS").ok())
        .and_then(|w| w.parse().ok())
        .unwrap_or(2);
    (addr, workers)
}
