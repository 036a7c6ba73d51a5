//! Comparison server for `benches/net.sh`: the usual tokio + hyper 1.x
//! "Hello, World!" (HTTP/1.1, keep-alive, hyper's default settings).
//!
//! ```text
//! cargo run --release -p goroutine-benches --example net_tokio_hyper -- [ADDR] [WORKERS]
//! ```

use std::convert::Infallible;
use std::io;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = Response::new(Full::new(Bytes::from_static(b"Hello, World!")));
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(response)
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8080".to_string());
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
            "listening on http://{} ({workers} workers)",
            listener.local_addr()?
        );
        loop {
            let (conn, _) = match listener.accept().await {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("net_tokio_hyper: accept: {e}");
                    continue;
                }
            };
            // A peer that has already gone must not stop the server.
            let _ = conn.set_nodelay(true);
            tokio::spawn(async move {
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(conn), service_fn(hello))
                    .await;
            });
        }
    })
}
