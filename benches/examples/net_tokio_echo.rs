//! Comparison server for `benches/net.sh`: a tokio echo server written
//! like `goroutine`'s `echo_server` example (a 4 KiB buffer per
//! connection, read then write_all).
//!
//! ```text
//! cargo run --release -p goroutine-benches --example net_tokio_echo -- [ADDR] [WORKERS]
//! ```

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn echo(mut conn: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 4096];
    loop {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        conn.write_all(&buf[..n]).await?;
    }
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:7000".to_string());
    let workers = args
        .next()
        .or_else(|| std::env::var("GOMAXPROCS").ok())
        .and_then(|w| w.parse().ok())
        .unwrap_or(2);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = TcpListener::bind(&addr).await?;
        println!(
            "listening on {} ({workers} workers)",
            listener.local_addr()?
        );
        loop {
            let (conn, _) = match listener.accept().await {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("net_tokio_echo: accept: {e}");
                    continue;
                }
            };
            // A peer that has already gone must not stop the server.
            let _ = conn.set_nodelay(true);
            tokio::spawn(async move {
                let _ = echo(conn).await;
            });
        }
    })
}
