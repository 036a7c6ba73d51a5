//! A TCP echo server, one goroutine per connection: every byte a client
//! sends comes back to it.
//!
//! ```text
//! cargo run --release --example echo_server -- [ADDR] [WORKERS]
//! nc 127.0.0.1 7000
//! ```
//!
//! `ADDR` defaults to `127.0.0.1:7000` (or `$ECHO_ADDR`), `WORKERS` to
//! `$GOMAXPROCS` or one per core. The address it listens on is printed
//! first (`listening on ADDR`).

use std::io;
use std::time::Duration;

use goroutine::net::{TcpListener, TcpStream};

/// The accept loop: one goroutine per connection, forever.
pub async fn serve(listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((conn, _)) => goroutine::go!(async move {
                // A connection's errors (reset, broken pipe) end only it.
                let _ = echo(conn).await;
            }),
            Err(e) => {
                eprintln!("echo_server: accept: {e}");
                goroutine::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Echoes until the client closes its side, then closes ours.
pub async fn echo(mut conn: TcpStream) -> io::Result<()> {
    // Lives inside the goroutine: no allocation beyond the goroutine's own.
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
    let addr = args
        .next()
        .or_else(|| std::env::var("ECHO_ADDR").ok())
        .unwrap_or_else(|| "127.0.0.1:7000".to_string());
    let mut builder = goroutine::runtime::Builder::new();
    if let Some(n) = args.next() {
        let n = n
            .parse()
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "WORKERS must be a number"))?;
        builder.workers(n);
    }
    let rt = builder.build()?;
    rt.block_on(async {
        let listener = TcpListener::bind(addr.as_str()).await?;
        println!(
            "listening on {} ({} workers)",
            listener.local_addr()?,
            goroutine::maxprocs()
        );
        serve(listener).await;
        Ok(())
    })
}
