//! Comparison server for `benches/net.sh`: smol's stack (async-executor
//! on N threads, async-net, async-io timers) with the very same
//! hand-written HTTP/1.1 code as `goroutine`'s `http_hello` example.
//!
//! ```text
//! cargo run --release -p goroutine-benches --example net_smol_hand -- [ADDR] [WORKERS]
//! ```

#[allow(dead_code, unreachable_pub)]
#[path = "../../crates/goroutine/examples/http_hello.rs"]
mod http_hello;

use std::io;
use std::time::{Duration, Instant};

use async_executor::Executor;
use async_io::Timer;
use async_net::{TcpListener, TcpStream};
use futures_lite::{AsyncReadExt, AsyncWriteExt, FutureExt};
use http_hello::{http1, Config};

/// `fut`, or `TimedOut` at `at`.
async fn until<T>(
    at: Instant,
    fut: impl std::future::Future<Output = io::Result<T>>,
) -> io::Result<T> {
    fut.or(async {
        Timer::at(at).await;
        Err(io::ErrorKind::TimedOut.into())
    })
    .await
}

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
        let at = deadline.unwrap_or_else(|| Instant::now() + config.idle_timeout);
        match until(at, conn.read(http.read_buf())).await {
            Ok(0) => return Ok(()),
            Ok(n) => http.filled(n),
            Err(e) if e.kind() == io::ErrorKind::TimedOut && partial => {
                http.fail(http1::Status::RequestTimeout);
                until(
                    Instant::now() + config.read_timeout,
                    conn.write_all(http.output()),
                )
                .await?;
                return close_gracefully(conn, true).await;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn close_gracefully(mut conn: TcpStream, drain: bool) -> io::Result<()> {
    conn.shutdown(std::net::Shutdown::Write)?;
    if drain {
        let at = Instant::now() + Duration::from_millis(500);
        let mut sink = [0u8; 4096];
        let mut left = 256 * 1024usize;
        while left > 0 {
            match until(at, conn.read(&mut sink)).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left -= n.min(left),
            }
        }
    }
    Ok(())
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8080".to_string());
    let workers: usize = args
        .next()
        .or_else(|| std::env::var("GOMAXPROCS").ok())
        .and_then(|w| w.parse().ok())
        .unwrap_or(2);
    let ex: &'static Executor<'static> = Box::leak(Box::new(Executor::new()));
    for _ in 1..workers {
        std::thread::spawn(move || {
            async_io::block_on(ex.run(futures_lite::future::pending::<()>()))
        });
    }
    async_io::block_on(ex.run(async {
        let listener = TcpListener::bind(addr.as_str()).await?;
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
                    ex.spawn(async move {
                        let _ = handle(conn, config).await;
                    })
                    .detach();
                }
                Err(e) => {
                    eprintln!("net_smol_hand: accept: {e}");
                    Timer::after(Duration::from_millis(10)).await;
                }
            }
        }
    }))
}
