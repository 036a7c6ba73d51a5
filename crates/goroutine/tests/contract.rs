//! The public API contract (`shared/spec/API.md`), written down as code.
//!
//! Code outside this repository compiles against exact paths, signatures and
//! trait bounds. Every item the contract names is used here by its contract
//! path, so a rename, a dropped re-export or a lost auto trait fails to
//! compile this file. The few runtime assertions check fine print that a type
//! cannot say (display texts, `len`/`capacity` of an unbuffered channel).

use std::error::Error;
use std::fmt::{Debug, Display};
use std::future::Future;
use std::hash::Hash;
use std::time::{Duration, Instant};

use goroutine::chan::{self, Receiver, SendError, Sender, TryRecvError, TrySendError};
use goroutine::context::{self, CancelFunc, Context, ContextError};
use goroutine::coop::{consume_budget, unconstrained};
use goroutine::debug::{dump, goroutines, GoroutineInfo, GoroutineState};
use goroutine::net::{TcpListener, TcpStream, UdpSocket};
use goroutine::runtime::{Builder, Handle, PanicPolicy, Runtime};
use goroutine::sync::{
    Barrier, BarrierWaitResult, Cond, ErrGroup, Mutex, MutexGuard, Once, OnceCell, RwLock,
    RwLockReadGuard, RwLockWriteGuard, Semaphore, SemaphorePermit, WaitGroup,
};
use goroutine::time::{after, sleep, sleep_until, tick, timeout, Elapsed, Ticker, Timer};
use goroutine::{
    block_on, maxprocs, num_goroutines, spawn, spawn_blocking, yield_now, GoroutineId, JoinError,
    JoinHandle,
};

fn send_sync<T: Send + Sync>() {}
fn shared_handle<T: Clone + Send + Sync + 'static>() {}
fn error_type<T: Debug + Display + Error + Send + Sync + 'static>() {}
fn send<T: Send>(_: &T) {}

struct NotDebug;

#[test]
fn contract_paths_and_traits_compile() {
    // JoinHandle<T>: Send + Sync when T: Send, Unpin, a future of Result<T, JoinError>.
    fn join_handle<T: Send + 'static>()
    where
        JoinHandle<T>: Send + Sync + Unpin + Future<Output = Result<T, JoinError>>,
    {
    }
    join_handle::<u8>();
    join_handle::<std::cell::Cell<u8>>();

    fn goroutine_id<T: Copy + Eq + Ord + Hash + Debug + Display>() {}
    goroutine_id::<GoroutineId>();

    error_type::<JoinError>();
    error_type::<SendError<NotDebug>>();
    error_type::<TrySendError<NotDebug>>();
    error_type::<TryRecvError>();
    error_type::<Elapsed>();
    error_type::<ContextError>();

    fn eq<T: PartialEq + Eq>() {}
    eq::<SendError<u8>>();
    eq::<TrySendError<u8>>();
    eq::<TryRecvError>();
    fn copy<T: Copy>() {}
    copy::<ContextError>();

    shared_handle::<Context>();
    shared_handle::<CancelFunc>();
    shared_handle::<WaitGroup>();
    shared_handle::<ErrGroup<String>>();
    shared_handle::<Handle>();
    shared_handle::<Sender<u8>>();
    shared_handle::<Receiver<u8>>();
    // Channels of a Send but !Sync type are still shared by both ends.
    shared_handle::<Sender<std::cell::Cell<u8>>>();
    shared_handle::<Receiver<std::cell::Cell<u8>>>();

    send_sync::<Mutex<u8>>();
    send_sync::<RwLock<u8>>();
    send_sync::<Semaphore>();
    send_sync::<Once>();
    send_sync::<OnceCell<u8>>();
    send_sync::<Cond>();
    send_sync::<Barrier>();

    fn guard_send<T: Send>() {}
    guard_send::<MutexGuard<'static, u8>>();
    guard_send::<RwLockWriteGuard<'static, u8>>();
    guard_send::<RwLockReadGuard<'static, u8>>();
    guard_send::<SemaphorePermit<'static>>();

    // Exact signatures, by coercion to function pointers.
    let _: fn(usize) -> (Sender<u8>, Receiver<u8>) = chan::bounded::<u8>;
    let _: fn() -> (Sender<u8>, Receiver<u8>) = chan::unbounded::<u8>;
    let _: fn() -> usize = num_goroutines;
    let _: fn() -> usize = maxprocs;
    let _: fn() -> Vec<GoroutineInfo> = goroutines;
    let _: fn() -> String = dump;
    let _: fn(Duration) -> Receiver<Instant> = after;
    let _: fn(Duration) -> Receiver<Instant> = tick;
    let _: fn() -> Context = context::background;
    let _: fn(&Context) -> (Context, CancelFunc) = context::with_cancel;
    let _: fn(&Context, Duration) -> (Context, CancelFunc) = context::with_timeout;
    let _: fn(&Context, Instant) -> (Context, CancelFunc) = context::with_deadline;
    let _: fn(&Sender<u8>, u8) -> Result<(), TrySendError<u8>> = Sender::try_send;
    let _: fn(&Sender<u8>, u8) -> Result<(), SendError<u8>> = Sender::send_blocking;
    let _: fn(&Sender<u8>) -> bool = Sender::close;
    let _: fn(&Receiver<u8>) -> Result<u8, TryRecvError> = Receiver::try_recv;
    let _: fn(&Receiver<u8>) -> Option<u8> = Receiver::recv_blocking;
    let _: fn(&Receiver<u8>) -> bool = Receiver::close;
    let _: fn(&Sender<u8>) -> Option<usize> = Sender::capacity;
    let _: fn(&Receiver<u8>) -> Option<usize> = Receiver::capacity;
    let _: fn(&Timer) -> &Receiver<Instant> = Timer::receiver;
    let _: fn(&Timer) -> bool = Timer::stop;
    let _: fn(&Timer, Duration) -> bool = Timer::reset;
    let _: fn(&Ticker) -> &Receiver<Instant> = Ticker::receiver;
    let _: fn(&Mutex<u8>) -> Option<MutexGuard<'_, u8>> = Mutex::try_lock;
    let _: fn(&RwLock<u8>) -> Option<RwLockReadGuard<'_, u8>> = RwLock::try_read;
    let _: fn(&RwLock<u8>) -> Option<RwLockWriteGuard<'_, u8>> = RwLock::try_write;
    let _: fn(&WaitGroup, usize) = WaitGroup::add;
    let _: fn(&WaitGroup) = WaitGroup::done;
    let _: fn(&WaitGroup) = WaitGroup::wait_blocking;
    let _: fn(&ErrGroup<String>, usize) = ErrGroup::set_limit;
    let _: fn(&CancelFunc) = CancelFunc::cancel;
    let _: fn(&Context) -> Option<ContextError> = Context::err;
    let _: fn(&JoinError) -> bool = JoinError::is_panic;
    let _: fn(&JoinError) -> bool = JoinError::is_cancelled;
    let _: fn(JoinError) -> Box<dyn std::any::Any + Send> = JoinError::into_panic;
    let _: fn(&JoinHandle<u8>) = JoinHandle::abort;
    let _: fn(&JoinHandle<u8>) -> bool = JoinHandle::is_finished;
    let _: fn(&JoinHandle<u8>) -> GoroutineId = JoinHandle::id;
    let _: fn(&Runtime) -> Handle = Runtime::handle;
    let _: fn(Runtime, Duration) = Runtime::shutdown_timeout;
    let _: fn() -> std::io::Result<Runtime> = || Builder::new().build();
    let _ = |s: &Semaphore| s.add_permits(1);

    // Constructors the contract wants usable in statics.
    static _MUTEX: Mutex<u8> = Mutex::new(0);
    static _RWLOCK: RwLock<u8> = RwLock::new(0);
    static _ONCE: Once = Once::new();
    static _CELL: OnceCell<u8> = OnceCell::new();
    static _COND: Cond = Cond::new();
    static _SEMAPHORE: Semaphore = Semaphore::new(1);
    static _BARRIER: Barrier = Barrier::new(1);

    // The runtime builder's whole chain, as written in the contract.
    let rt = Builder::new()
        .workers(2)
        .budget(128)
        .thread_name("worker")
        .max_blocking_threads(512)
        .panic_policy(PanicPolicy::Report)
        .build()
        .unwrap();
    let handle: Handle = rt.handle();
    drop::<JoinHandle<u8>>(handle.spawn(async { 1 }));
    drop::<JoinHandle<u8>>(handle.spawn_blocking(|| 1));
    drop::<JoinHandle<u8>>(rt.spawn(async { 1 }));
    assert_eq!(rt.block_on(async { 2 }), 2);
    let named: JoinHandle<u8> = goroutine::task::Builder::new()
        .name("ingest")
        .spawn(async { 3 });
    assert_eq!(rt.block_on(named).unwrap(), 3);
    rt.shutdown_timeout(Duration::from_secs(1));
    let _ = [
        GoroutineState::Running,
        GoroutineState::Runnable,
        GoroutineState::Waiting,
    ];
    let _ = PanicPolicy::Abort;
    let _net = || async {
        let listener: TcpListener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let stream: TcpStream = TcpStream::connect(addr).await?;
        fn io<T: futures::AsyncRead + futures::AsyncWrite>(_: &T) {}
        io(&stream);
        let (_conn, _peer) = listener.accept().await?;
        let (_read, _write) = stream.split();
        let udp: UdpSocket = UdpSocket::bind("127.0.0.1:0").await?;
        udp.send_to(b"x", addr).await?;
        let mut buf = [0u8; 1];
        let (_n, _from) = udp.recv_from(&mut buf).await?;
        std::io::Result::Ok(())
    };
}

#[test]
fn contract_operations_run_with_their_contract_types() {
    block_on(async {
        let h: JoinHandle<i32> = spawn(async { 1 });
        assert_eq!(h.await.unwrap(), 1);
        assert_eq!(spawn_blocking(|| 2).await.unwrap(), 2);
        goroutine::go!(async {});
        yield_now().await;
        consume_budget().await;
        assert_eq!(unconstrained(async { 3 }).await, 3);

        let (tx, rx) = chan::bounded::<u32>(0);
        assert_eq!(tx.len(), 0);
        assert_eq!(tx.capacity(), Some(0));
        assert!(tx.is_empty() && tx.is_full());
        assert_eq!(rx.capacity(), Some(0));
        assert!(!rx.is_closed());
        let sending = spawn(async move { tx.send(7).await });
        let got: Option<u32> = rx.recv().await;
        assert_eq!(got, Some(7));
        let sent: Result<(), SendError<u32>> = sending.await.unwrap();
        sent.unwrap();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));

        let (tx, rx) = chan::unbounded::<u32>();
        assert_eq!(tx.capacity(), None);
        tx.send(1).await.unwrap();
        let mut stream = rx.clone();
        use futures::StreamExt;
        assert_eq!(stream.next().await, Some(1));

        let enabled = true;
        let v: u32 = goroutine::select! {
            biased;
            Some(x) = rx.recv(), if enabled => x,
            _ = after(Duration::from_millis(1)).recv() => 9,
            default => 10,
        };
        assert_eq!(v, 10);

        sleep(Duration::from_millis(1)).await;
        sleep_until(Instant::now()).await;
        let e: Result<(), Elapsed> =
            timeout(Duration::from_millis(1), std::future::pending()).await;
        assert!(e.is_err());
        let timer = Timer::new(Duration::from_secs(60));
        assert!(timer.stop());
        assert!(!timer.reset(Duration::from_millis(1)));
        timer.receiver().recv().await.unwrap();
        let ticker = Ticker::new(Duration::from_millis(1));
        ticker.receiver().recv().await.unwrap();
        ticker.reset(Duration::from_millis(2));
        ticker.stop();

        let m = Mutex::new(1);
        let guard = m.lock().await;
        send(&guard);
        drop(guard);
        *m.lock_blocking() += 1;
        let rw = RwLock::new(1);
        assert_eq!(*rw.read().await, 1);
        *rw.write().await = 2;
        let once = Once::new();
        once.call_once(|| {});
        let cell = OnceCell::new();
        assert_eq!(*cell.get_or_init(async { 5 }).await, 5);
        let sem = Semaphore::new(2);
        let p: SemaphorePermit<'_> = sem.acquire().await;
        let q = sem.acquire_many(1).await;
        assert!(sem.try_acquire().is_none());
        drop((p, q));
        let cond = Cond::new();
        cond.signal();
        cond.broadcast();
        let cm = Mutex::new(false);
        let g = cm.lock().await;
        let waiting = cond.wait(g);
        drop(waiting);
        let barrier = Barrier::new(1);
        let r: BarrierWaitResult = barrier.wait().await;
        assert!(r.is_leader());

        let wg = WaitGroup::new();
        wg.add(1);
        wg.done();
        drop::<JoinHandle<()>>(wg.go(async {}));
        wg.wait().await;

        let group = ErrGroup::<String>::new();
        group.set_limit(2);
        group.go(async { Ok(()) });
        group.go(async { Err("boom".to_string()) });
        assert_eq!(group.wait().await, Err("boom".to_string()));
        let (group, ctx): (ErrGroup<String>, Context) = ErrGroup::with_context();
        group.go(async { Err("x".into()) });
        assert!(group.wait().await.is_err());
        ctx.done().await;
        assert_eq!(ctx.err(), Some(ContextError::Canceled));

        let bg = context::background();
        let (ctx, cancel) = context::with_cancel(&bg);
        let (child, _c) = context::with_timeout(&ctx, Duration::from_secs(60));
        cancel.cancel();
        goroutine::select! {
            _ = child.done() => {},
        }
        assert_eq!(child.err().unwrap().to_string(), "context canceled");
        let (dead, _c) = context::with_deadline(&bg, Instant::now());
        let (grandchild, _c2) = context::with_cancel(&dead);
        assert_eq!(
            grandchild.err().map(|e| e.to_string()).as_deref(),
            Some("context deadline exceeded")
        );
        assert!(num_goroutines() >= 1);
        assert!(maxprocs() >= 1);
    });
}
