//! Channel rows: `goroutine::chan` against tokio mpsc, async-channel and
//! flume, each on its own runtime and on ours, same workers for all
//! (`BENCH_WORKERS`, default 2).
//!
//! Run:
//!
//! ```text
//! cargo bench -p goroutine-benches --bench chan -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! | group | one element | shape |
//! |---|---|---|
//! | `chan_ping_pong` | one round trip | two tasks, two unbuffered channels, 10,000 round trips |
//! | `chan_prod_cons` | one message | 4 producers, 4 consumers, one channel of capacity 100, 100,000 messages |
//! | `chan_select4` | one message | 4 channels of capacity 100, one producer each; 4 consumers each `select` over all 4 |
//! | `chan_try_send_recv` | one `try_send` + `try_recv` pair | one task, capacity 100 |
//!
//! Row names are `<channel>@<runtime>`; `goroutine` alone is
//! `goroutine::chan` on the goroutine runtime. Where a peer cannot do the
//! shape the row is missing, not faked:
//! - tokio mpsc has one receiver: no `prod_cons` or `select4` rows;
//! - tokio mpsc and async-channel have no capacity 0: their "unbuffered"
//!   `ping_pong` uses capacity 1 (flume and ours use 0, as Go does);
//! - peers' `select` is `tokio::select!` (random start, like ours and Go's).

mod common;

use std::future::Future;
use std::sync::Arc;

use common::{AsyncExecutor, Countdown, Ctx, Goroutine, Rt, Tokio};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};

const ROUND_TRIPS: usize = 10_000;
const MESSAGES: usize = 100_000;
const TRY_PAIRS: usize = 100_000;
const SIDES: usize = 4;

/// A channel of `u64` as each crate spells it.
trait Chan: 'static {
    const NAME: &'static str;
    type Tx: Clone + Send + Sync + 'static;
    type Rx: Send + 'static;

    fn bounded(cap: usize) -> (Self::Tx, Self::Rx);
    fn send(tx: &Self::Tx, v: u64) -> impl Future<Output = ()> + Send + '_;
    /// `None` once closed and drained.
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;
    fn try_send(tx: &Self::Tx, v: u64) -> bool;
    fn try_recv(rx: &mut Self::Rx) -> Option<u64>;
}

/// Channels with many receivers, and a 4-way `select` over their receivers.
trait MpmcChan: Chan<Rx: Clone + Sync> {
    fn select4(rxs: &[Self::Rx; 4]) -> impl Future<Output = Option<u64>> + Send + '_;
}

struct GoChan;
impl Chan for GoChan {
    const NAME: &'static str = "goroutine";
    type Tx = goroutine::chan::Sender<u64>;
    type Rx = goroutine::chan::Receiver<u64>;

    fn bounded(cap: usize) -> (Self::Tx, Self::Rx) {
        goroutine::chan::bounded(cap)
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.expect("open")
    }
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_ {
        rx.recv()
    }
    fn try_send(tx: &Self::Tx, v: u64) -> bool {
        tx.try_send(v).is_ok()
    }
    fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.try_recv().ok()
    }
}
impl MpmcChan for GoChan {
    async fn select4(rxs: &[Self::Rx; 4]) -> Option<u64> {
        goroutine::select! {
            v = rxs[0].recv() => v,
            v = rxs[1].recv() => v,
            v = rxs[2].recv() => v,
            v = rxs[3].recv() => v,
        }
    }
}

struct TokioMpsc;
impl Chan for TokioMpsc {
    const NAME: &'static str = "tokio-mpsc";
    type Tx = tokio::sync::mpsc::Sender<u64>;
    type Rx = tokio::sync::mpsc::Receiver<u64>;

    fn bounded(cap: usize) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(cap.max(1))
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.expect("open")
    }
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_ {
        rx.recv()
    }
    fn try_send(tx: &Self::Tx, v: u64) -> bool {
        tx.try_send(v).is_ok()
    }
    fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.try_recv().ok()
    }
}

struct AsyncChannel;
impl Chan for AsyncChannel {
    const NAME: &'static str = "async-channel";
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;

    fn bounded(cap: usize) -> (Self::Tx, Self::Rx) {
        async_channel::bounded(cap.max(1))
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.expect("open")
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
    fn try_send(tx: &Self::Tx, v: u64) -> bool {
        tx.try_send(v).is_ok()
    }
    fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.try_recv().ok()
    }
}
impl MpmcChan for AsyncChannel {
    async fn select4(rxs: &[Self::Rx; 4]) -> Option<u64> {
        tokio::select! {
            v = rxs[0].recv() => v.ok(),
            v = rxs[1].recv() => v.ok(),
            v = rxs[2].recv() => v.ok(),
            v = rxs[3].recv() => v.ok(),
        }
    }
}

struct Flume;
impl Chan for Flume {
    const NAME: &'static str = "flume";
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;

    fn bounded(cap: usize) -> (Self::Tx, Self::Rx) {
        flume::bounded(cap)
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send_async(v).await.expect("open")
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv_async().await.ok()
    }
    fn try_send(tx: &Self::Tx, v: u64) -> bool {
        tx.try_send(v).is_ok()
    }
    fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.try_recv().ok()
    }
}
impl MpmcChan for Flume {
    async fn select4(rxs: &[Self::Rx; 4]) -> Option<u64> {
        tokio::select! {
            v = rxs[0].recv_async() => v.ok(),
            v = rxs[1].recv_async() => v.ok(),
            v = rxs[2].recv_async() => v.ok(),
            v = rxs[3].recv_async() => v.ok(),
        }
    }
}

fn id<C: Chan, R: Rt>() -> String {
    if C::NAME == "goroutine" && R::NAME == "goroutine" {
        "goroutine".to_owned()
    } else {
        format!("{}@{}", C::NAME, R::NAME)
    }
}

fn ping_pong<C: Chan, R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::new(common::workers());
    let ctx = rt.ctx();
    g.bench_function(id::<C, R>(), |b| {
        b.iter(|| {
            rt.block_on(rt.spawn_join(async move {
                let (ping_tx, mut ping_rx) = C::bounded(0);
                let (pong_tx, mut pong_rx) = C::bounded(0);
                let ponger = ctx.spawn_join(async move {
                    while let Some(v) = C::recv(&mut ping_rx).await {
                        C::send(&pong_tx, v).await;
                    }
                });
                for k in 0..ROUND_TRIPS as u64 {
                    C::send(&ping_tx, k).await;
                    C::recv(&mut pong_rx).await.expect("pong");
                }
                drop(ping_tx);
                ponger.await;
            }))
        })
    });
}

fn prod_cons<C: MpmcChan, R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::new(common::workers());
    let ctx = rt.ctx();
    g.bench_function(id::<C, R>(), |b| {
        b.iter(|| {
            rt.block_on(rt.spawn_join(async move {
                let (tx, rx) = C::bounded(100);
                let consumers = Countdown::new(SIDES);
                for _ in 0..SIDES {
                    let tx = tx.clone();
                    ctx.spawn(async move {
                        for k in 0..(MESSAGES / SIDES) as u64 {
                            C::send(&tx, k).await;
                        }
                    });
                }
                // The producers hold the only senders: the channel closes
                // when the last one finishes.
                drop(tx);
                for _ in 0..SIDES {
                    let mut rx = rx.clone();
                    let consumers = consumers.clone();
                    ctx.spawn(async move {
                        while C::recv(&mut rx).await.is_some() {}
                        consumers.finish_one();
                    });
                }
                drop(rx);
                consumers.done.wait().await;
            }))
        })
    });
}

fn select4<C: MpmcChan, R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::new(common::workers());
    let ctx = rt.ctx();
    g.bench_function(id::<C, R>(), |b| {
        b.iter(|| {
            rt.block_on(rt.spawn_join(async move {
                let (txs, rxs): (Vec<_>, Vec<_>) = (0..SIDES).map(|_| C::bounded(100)).unzip();
                let rxs: Arc<[C::Rx; 4]> = Arc::new(rxs.try_into().ok().expect("4 receivers"));
                let all = Countdown::new(2 * SIDES);
                for tx in &txs {
                    let (tx, all) = (tx.clone(), all.clone());
                    ctx.spawn(async move {
                        for k in 0..(MESSAGES / SIDES) as u64 {
                            C::send(&tx, k).await;
                        }
                        all.finish_one();
                    });
                }
                for _ in 0..SIDES {
                    let (rxs, all) = (rxs.clone(), all.clone());
                    ctx.spawn(async move {
                        for _ in 0..MESSAGES / SIDES {
                            C::select4(&rxs).await.expect("open");
                        }
                        all.finish_one();
                    });
                }
                all.done.wait().await;
                // Senders live until here so no channel closes under a
                // consumer's select.
                drop(txs);
            }))
        })
    });
}

fn try_send_recv<C: Chan, R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::new(common::workers());
    g.bench_function(id::<C, R>(), |b| {
        b.iter(|| {
            rt.block_on(rt.spawn_join(async move {
                let (tx, mut rx) = C::bounded(100);
                for k in 0..TRY_PAIRS as u64 {
                    assert!(C::try_send(&tx, std::hint::black_box(k)));
                    assert_eq!(C::try_recv(&mut rx), Some(k));
                }
            }))
        })
    });
}

fn group<'a>(c: &'a mut Criterion, name: &str, elements: usize) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(elements as u64));
    g
}

fn benches(c: &mut Criterion) {
    // Each row builds its runtime, runs, and drops it before the next.
    let mut g = group(c, "chan_ping_pong", ROUND_TRIPS);
    ping_pong::<GoChan, Goroutine>(&mut g);
    ping_pong::<TokioMpsc, Tokio>(&mut g);
    ping_pong::<TokioMpsc, Goroutine>(&mut g);
    ping_pong::<AsyncChannel, AsyncExecutor>(&mut g);
    ping_pong::<AsyncChannel, Goroutine>(&mut g);
    ping_pong::<Flume, Tokio>(&mut g);
    ping_pong::<Flume, Goroutine>(&mut g);
    g.finish();

    let mut g = group(c, "chan_prod_cons", MESSAGES);
    prod_cons::<GoChan, Goroutine>(&mut g);
    prod_cons::<AsyncChannel, AsyncExecutor>(&mut g);
    prod_cons::<AsyncChannel, Goroutine>(&mut g);
    prod_cons::<Flume, Tokio>(&mut g);
    prod_cons::<Flume, Goroutine>(&mut g);
    g.finish();

    let mut g = group(c, "chan_select4", MESSAGES);
    select4::<GoChan, Goroutine>(&mut g);
    select4::<AsyncChannel, AsyncExecutor>(&mut g);
    select4::<AsyncChannel, Goroutine>(&mut g);
    select4::<Flume, Tokio>(&mut g);
    select4::<Flume, Goroutine>(&mut g);
    g.finish();

    let mut g = group(c, "chan_try_send_recv", TRY_PAIRS);
    try_send_recv::<GoChan, Goroutine>(&mut g);
    try_send_recv::<TokioMpsc, Tokio>(&mut g);
    try_send_recv::<TokioMpsc, Goroutine>(&mut g);
    try_send_recv::<AsyncChannel, AsyncExecutor>(&mut g);
    try_send_recv::<AsyncChannel, Goroutine>(&mut g);
    try_send_recv::<Flume, Tokio>(&mut g);
    try_send_recv::<Flume, Goroutine>(&mut g);
    g.finish();
}

criterion_group! {
    name = chan;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}
criterion_main!(chan);
