//! Comparison server for `benches/net.sh`: a smol-stack echo server
//! (async-executor on N threads, async-net) written like `goroutine`'s
//! `echo_server` example.
//!
//! ```text
//! cargo run --release -p goroutine-benches --example net_smol_echo -- [ADDR] [WORKERS]
//! ```

use std::io;

use async_executor::Executor;
use async_net::{TcpListener, TcpStream};
use futures_lite::{AsyncReadExt, AsyncWriteExt};

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
            "listening on {} ({workers} workers)",
            listener.local_addr()?
        );
        loop {
            let (conn, _) = match listener.accept().await {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("net_smol_echo: accept: {e}");
                    continue;
                }
            };
            // A peer that has already gone must not stop the server.
            let _ = conn.set_nodelay(true);
            ex.spawn(async move {
                let _ = echo(conn).await;
            })
            .detach();
        }
    }))
}
