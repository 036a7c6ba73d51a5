//! Echo load generator for `benches/net.sh`: `CONNS` connections, each
//! sending a `SIZE`-byte message and waiting for it to come back, over and
//! over for `SECS` seconds. Prints messages per second and round-trip
//! latency percentiles. One thread (tokio's current-thread runtime), like
//! `wrk -t1`, so every server shares the machine with the same client.
//!
//! ```text
//! cargo run --release -p goroutine-benches --example net_echo_client -- ADDR [CONNS] [SECS] [SIZE]
//! ```
//!
//! Output, one line: `total=N secs=S msgs_per_s=R p50_us=A p99_us=B`.

use std::io;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:7000".to_string());
    let mut num = |default: u64| args.next().and_then(|a| a.parse().ok()).unwrap_or(default);
    let (conns, secs, size) = (num(100), num(5), num(64) as usize);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let mut streams = Vec::new();
        for _ in 0..conns {
            let s = TcpStream::connect(&addr).await?;
            s.set_nodelay(true)?;
            streams.push(s);
        }
        let start = Instant::now();
        let end = start + Duration::from_secs(secs);
        let tasks: Vec<_> = streams
            .into_iter()
            .enumerate()
            .map(|(i, mut s)| {
                tokio::spawn(async move {
                    let msg = vec![i as u8; size];
                    let mut back = vec![0u8; size];
                    let mut lat = Vec::with_capacity(1 << 16);
                    loop {
                        let t0 = Instant::now();
                        if t0 >= end {
                            break;
                        }
                        s.write_all(&msg).await?;
                        s.read_exact(&mut back).await?;
                        lat.push(t0.elapsed().as_micros() as u32);
                        if back != msg {
                            return Err(io::Error::other("echo differs"));
                        }
                    }
                    Ok::<_, io::Error>(lat)
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.map_err(io::Error::other)??);
        }
        let elapsed = start.elapsed().as_secs_f64();
        all.sort_unstable();
        let pct = |p: f64| {
            all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0)
        };
        println!(
            "total={} secs={:.2} msgs_per_s={:.0} p50_us={} p99_us={}",
            all.len(),
            elapsed,
            all.len() as f64 / elapsed,
            pct(0.50),
            pct(0.99)
        );
        Ok(())
    })
}
