//! `TcpStream`: a connected TCP socket.

use std::fmt;
use std::future::poll_fn;
use std::io::{self, IoSlice, Read, Write};
use std::net::{self, Shutdown, SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use goroutine_runtime::io::{Interest, IoSource};
use socket2::{Domain, Protocol, Socket, Type};

use crate::deadline::{timed_out, Deadline};
use crate::tcp::split::{OwnedReadHalf, OwnedWriteHalf};

/// The registered socket, shared by a stream's halves.
pub(crate) type Source = IoSource<net::TcpStream>;

/// A TCP connection: Go's `net.TCPConn`.
///
/// Reads and writes are `async` methods ([`read`](TcpStream::read),
/// [`write`](TcpStream::write), [`write_all`](TcpStream::write_all)) and
/// the `futures_io` traits [`AsyncRead`](futures_io::AsyncRead) and
/// [`AsyncWrite`](futures_io::AsyncWrite), so crates built on `futures-io`
/// (framing, TLS, WebSocket, `futures::io::copy`) work on it.
///
/// As in Go, `TCP_NODELAY` is on for every stream this crate creates
/// (connected or accepted): small writes go out at once. Turn it off with
/// [`set_nodelay(false)`](TcpStream::set_nodelay).
///
/// Dropping the stream closes the connection. To read and write from two
/// goroutines, [`split`](TcpStream::split) it.
///
/// # Errors
///
/// A refused connection gives [`ConnectionRefused`](io::ErrorKind::ConnectionRefused);
/// a reset one [`ConnectionReset`](io::ErrorKind::ConnectionReset) (or
/// [`BrokenPipe`](io::ErrorKind::BrokenPipe) when writing); a peer that
/// closed its side makes `read` return `Ok(0)`; an operation past its
/// deadline fails with [`TimedOut`](io::ErrorKind::TimedOut) ("i/o
/// timeout"). None of these panics or hangs.
///
/// # Examples
///
/// ```
/// use goroutine::net::{TcpListener, TcpStream};
///
/// # goroutine::block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// goroutine::go!(async move {
///     let (mut conn, _) = listener.accept().await.unwrap();
///     let mut buf = [0u8; 5];
///     let n = conn.read(&mut buf).await.unwrap();
///     conn.write_all(&buf[..n]).await.unwrap();
/// });
///
/// let mut stream = TcpStream::connect(addr).await?;
/// stream.write_all(b"hello").await?;
/// let mut buf = [0u8; 5];
/// let n = stream.read(&mut buf).await?;
/// assert_eq!(&buf[..n], b"hello");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct TcpStream {
    io: Arc<Source>,
    rd: Deadline,
    wr: Deadline,
}

impl TcpStream {
    /// Opens a connection to `addr`: Go's `net.Dial("tcp", addr)`.
    ///
    /// Every address `addr` resolves to is tried in turn; the first that
    /// connects wins, otherwise the last error is returned. The connect
    /// itself never blocks a worker: the socket is non-blocking and the
    /// goroutine waits for it to become writable.
    ///
    /// Name resolution uses the standard library's `ToSocketAddrs`, which
    /// blocks the worker for host names; IP literals and [`SocketAddr`]s do
    /// not block. Resolve names inside `goroutine::spawn_blocking` if they
    /// may be slow.
    ///
    /// # Errors
    ///
    /// [`ConnectionRefused`](io::ErrorKind::ConnectionRefused) when nobody
    /// listens, [`InvalidInput`](io::ErrorKind::InvalidInput) when `addr`
    /// resolves to nothing, or any other OS error.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the attempt and closes the socket.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = TcpStream::connect(listener.local_addr()?).await?;
    /// assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    ///
    /// A port nobody listens on is refused:
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let free = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?; // closed again at once
    /// let err = goroutine::net::TcpStream::connect(free).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let mut last = None;
        for addr in addr.to_socket_addrs()? {
            match connect_addr(addr).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "could not resolve to any address",
            )
        }))
    }

    /// Wraps a connected standard-library stream (switching it to
    /// non-blocking mode and registering it with the current runtime).
    /// Unlike streams this crate creates, its `TCP_NODELAY` setting is left
    /// as it is.
    ///
    /// # Errors
    ///
    /// If the socket cannot be made non-blocking or registered.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let std_stream = std::net::TcpStream::connect(l.local_addr()?)?;
    /// let stream = goroutine::net::TcpStream::from_std(std_stream)?;
    /// assert_eq!(stream.peer_addr()?, l.local_addr()?);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn from_std(stream: net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream::from_source(IoSource::new(stream)?))
    }

    /// Takes a non-blocking stream (`TCP_NODELAY` set by the caller as
    /// wanted) into the runtime.
    pub(crate) fn from_nonblocking(stream: net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream::from_source(IoSource::new(stream)?))
    }

    fn from_source(io: Source) -> TcpStream {
        TcpStream {
            io: Arc::new(io),
            rd: Deadline::new(),
            wr: Deadline::new(),
        }
    }

    pub(crate) fn from_parts(io: Arc<Source>, rd: Deadline, wr: Deadline) -> TcpStream {
        TcpStream { io, rd, wr }
    }

    /// Reads some bytes into `buf`; `Ok(0)` means the peer closed its side
    /// (or `buf` is empty). Waits until at least one byte is available.
    ///
    /// # Errors
    ///
    /// [`TimedOut`](io::ErrorKind::TimedOut) past the read deadline or
    /// timeout; [`ConnectionReset`](io::ErrorKind::ConnectionReset) and
    /// other OS errors as they come.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no data
    /// was read.
    ///
    /// # Examples
    ///
    /// ```
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// # let mut client = TcpStream::connect(l.local_addr()?).await?;
    /// let (mut conn, _) = l.accept().await?;
    /// client.write_all(b"ping").await?;
    /// drop(client); // the peer closes after writing
    /// let mut buf = [0u8; 16];
    /// let mut got = Vec::new();
    /// loop {
    ///     match conn.read(&mut buf).await? {
    ///         0 => break, // EOF
    ///         n => got.extend_from_slice(&buf[..n]),
    ///     }
    /// }
    /// assert_eq!(got, b"ping");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.rd.begin();
        poll_fn(|cx| poll_read(&self.io, &mut self.rd, cx, buf)).await
    }

    /// Writes some bytes from `buf`, returning how many were written (the
    /// kernel's send buffer may take fewer than `buf.len()`).
    ///
    /// # Errors
    ///
    /// [`TimedOut`](io::ErrorKind::TimedOut) past the write deadline or
    /// timeout; [`BrokenPipe`](io::ErrorKind::BrokenPipe) or
    /// [`ConnectionReset`](io::ErrorKind::ConnectionReset) if the peer is
    /// gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, nothing
    /// was written.
    ///
    /// # Examples
    ///
    /// ```
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut stream = TcpStream::connect(l.local_addr()?).await?;
    /// let n = stream.write(b"hello").await?;
    /// assert!(n > 0 && n <= 5);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.wr.begin();
        poll_fn(|cx| poll_write(&self.io, &mut self.wr, cx, buf)).await
    }

    /// Writes all of `buf`, waiting as often as the send buffer requires.
    /// The write timeout applies to each wait, the write deadline to the
    /// whole call.
    ///
    /// # Errors
    ///
    /// As [`write`](TcpStream::write); [`WriteZero`](io::ErrorKind::WriteZero)
    /// if the socket accepts no more bytes.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: a dropped future may have written part of `buf`,
    /// and nothing tells how much.
    ///
    /// # Examples
    ///
    /// ```
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut stream = TcpStream::connect(l.local_addr()?).await?;
    /// stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await?;
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        write_all(&self.io, &mut self.wr, buf).await
    }

    /// Splits the stream into a read half and a write half that can move
    /// to different goroutines. The halves share the socket; the read half
    /// keeps the read deadline, the write half the write deadline.
    /// Dropping the write half shuts down the write side (the peer reads
    /// EOF); the socket closes when both halves are gone.
    /// [`OwnedReadHalf::reunite`] puts them back together.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(l.local_addr()?).await?;
    /// let (mut server, _) = l.accept().await?;
    ///
    /// let (mut rd, mut wr) = client.split();
    /// let writer = goroutine::spawn(async move { wr.write_all(b"ping").await });
    /// let mut buf = [0u8; 4];
    /// let n = server.read(&mut buf).await?;
    /// server.write_all(&buf[..n]).await?;
    /// writer.await.unwrap()?;
    /// let n = rd.read(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"ping");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        crate::tcp::split::split(self.io, self.rd, self.wr)
    }

    /// Shuts down the read side, the write side or both (Go's `CloseRead`
    /// / `CloseWrite`). After `Shutdown::Write` the peer reads EOF while
    /// this side can still read: a half-closed connection.
    ///
    /// # Errors
    ///
    /// [`NotConnected`](io::ErrorKind::NotConnected) if the peer is gone
    /// already, or another OS error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Shutdown;
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(l.local_addr()?).await?;
    /// let (mut server, _) = l.accept().await?;
    /// client.write_all(b"request").await?;
    /// client.shutdown(Shutdown::Write)?; // "that's all"
    /// let mut req = Vec::new();
    /// let mut buf = [0u8; 64];
    /// while let n @ 1.. = server.read(&mut buf).await? {
    ///     req.extend_from_slice(&buf[..n]);
    /// }
    /// server.write_all(b"reply").await?; // the other direction still works
    /// let n = client.read(&mut buf).await?;
    /// assert_eq!((&req[..], &buf[..n]), (&b"request"[..], &b"reply"[..]));
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// The remote address.
    ///
    /// # Errors
    ///
    /// [`NotConnected`](io::ErrorKind::NotConnected) once the connection
    /// is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let s = TcpStream::connect(l.local_addr()?).await?;
    /// assert_eq!(s.peer_addr()?, l.local_addr()?);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// An OS error, rarely.
    ///
    /// # Examples
    ///
    /// ```
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let s = TcpStream::connect(l.local_addr()?).await?;
    /// assert!(s.local_addr()?.ip().is_loopback());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets `TCP_NODELAY` (on by default, as in Go).
    ///
    /// # Errors
    ///
    /// An OS error, rarely.
    ///
    /// # Examples
    ///
    /// ```
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let s = TcpStream::connect(l.local_addr()?).await?;
    /// assert!(s.nodelay()?);
    /// s.set_nodelay(false)?;
    /// assert!(!s.nodelay()?);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Errors
    ///
    /// An OS error, rarely.
    ///
    /// # Examples
    ///
    /// ```
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let s = TcpStream::connect(l.local_addr()?).await?;
    /// assert!(s.nodelay()?);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets an absolute deadline for reads: Go's `SetReadDeadline`. A read
    /// still waiting at `deadline`, or started after it, fails with
    /// [`TimedOut`](io::ErrorKind::TimedOut), even if data is available;
    /// `None` removes the deadline. A timed-out stream stays usable: move
    /// the deadline and read again.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut s = TcpStream::connect(l.local_addr()?).await?;
    /// s.set_read_deadline(Some(Instant::now() + Duration::from_millis(20)));
    /// let err = s.read(&mut [0u8; 8]).await.unwrap_err(); // the peer never writes
    /// assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn set_read_deadline(&mut self, deadline: Option<Instant>) {
        self.rd.set_deadline(deadline);
    }

    /// Sets an absolute deadline for writes: Go's `SetWriteDeadline`. See
    /// [`set_read_deadline`](TcpStream::set_read_deadline).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut s = TcpStream::connect(l.local_addr()?).await?;
    /// s.set_write_deadline(Some(Instant::now() - Duration::from_secs(1))); // already past
    /// let err = s.write(b"late").await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn set_write_deadline(&mut self, deadline: Option<Instant>) {
        self.wr.set_deadline(deadline);
    }

    /// Sets both deadlines: Go's `SetDeadline`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut s = TcpStream::connect(l.local_addr()?).await?;
    /// s.set_deadline(Some(Instant::now() + Duration::from_secs(30)));
    /// assert_eq!(s.read_deadline(), s.write_deadline());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.rd.set_deadline(deadline);
        self.wr.set_deadline(deadline);
    }

    /// The read deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let s = TcpStream::connect(l.local_addr()?).await?;
    /// assert_eq!(s.read_deadline(), None);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn read_deadline(&self) -> Option<Instant> {
        self.rd.deadline()
    }

    /// The write deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let s = TcpStream::connect(l.local_addr()?).await?;
    /// assert_eq!(s.write_deadline(), None);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn write_deadline(&self) -> Option<Instant> {
        self.wr.deadline()
    }

    /// Limits how long each read may wait (like std's `set_read_timeout`,
    /// and unlike Go's absolute deadline): a read that has waited `timeout`
    /// for data fails with [`TimedOut`](io::ErrorKind::TimedOut). The clock
    /// starts when the read first has to wait, so a read that finds data
    /// ready never times out. `None` removes the limit. Combined with a
    /// read deadline, whichever comes first applies.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut s = TcpStream::connect(l.local_addr()?).await?;
    /// s.set_read_timeout(Some(Duration::from_millis(20)));
    /// let err = s.read(&mut [0u8; 8]).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) {
        self.rd.set_timeout(timeout);
    }

    /// Limits how long each write may wait for send-buffer space. See
    /// [`set_read_timeout`](TcpStream::set_read_timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut s = TcpStream::connect(l.local_addr()?).await?;
    /// s.set_write_timeout(Some(Duration::from_secs(5)));
    /// assert_eq!(s.write_timeout(), Some(Duration::from_secs(5)));
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn set_write_timeout(&mut self, timeout: Option<Duration>) {
        self.wr.set_timeout(timeout);
    }

    /// The per-read timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let s = TcpStream::connect(l.local_addr()?).await?;
    /// assert_eq!(s.read_timeout(), None);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn read_timeout(&self) -> Option<Duration> {
        self.rd.timeout()
    }

    /// The per-write timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let s = TcpStream::connect(l.local_addr()?).await?;
    /// assert_eq!(s.write_timeout(), None);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn write_timeout(&self) -> Option<Duration> {
        self.wr.timeout()
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    ///
    /// # Errors
    ///
    /// If the option cannot be read.
    ///
    /// # Examples
    ///
    /// ```
    /// # use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// # let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let s = TcpStream::connect(l.local_addr()?).await?;
    /// assert!(s.take_error()?.is_none());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

impl TcpStream {
    /// The underlying standard-library socket.
    pub(crate) fn socket(&self) -> &net::TcpStream {
        self.io.get_ref()
    }
}

/// Connects to one address without blocking: a non-blocking socket, then
/// `connect` (`EINPROGRESS`), then wait until writable and read `SO_ERROR`.
async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_nonblocking(true)?;
    match socket.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    let stream: net::TcpStream = socket.into();
    stream.set_nodelay(true)?;
    let io = IoSource::new(stream)?;
    poll_fn(|cx| loop {
        // Sources start out ready: the first pass checks at once, and a
        // connect still in progress clears readiness and waits for the
        // writable edge.
        let tick = ready!(io.poll_ready(cx, Interest::Write))?;
        if let Some(e) = io.get_ref().take_error()? {
            return Poll::Ready(Err(e));
        }
        match io.get_ref().peer_addr() {
            Ok(_) => return Poll::Ready(Ok(())),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                io.clear_ready(Interest::Write, tick);
            }
            Err(e) => return Poll::Ready(Err(e)),
        }
    })
    .await?;
    Ok(TcpStream::from_source(io))
}

pub(crate) fn poll_read(
    io: &Source,
    dl: &mut Deadline,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    dl.check()?;
    let len = buf.len();
    match io.poll_io_partial(cx, Interest::Read, len, |mut s| s.read(buf)) {
        Poll::Ready(r) => {
            dl.done();
            Poll::Ready(r)
        }
        Poll::Pending if dl.poll_expired(cx) => Poll::Ready(Err(timed_out())),
        Poll::Pending => Poll::Pending,
    }
}

pub(crate) fn poll_write(
    io: &Source,
    dl: &mut Deadline,
    cx: &mut Context<'_>,
    buf: &[u8],
) -> Poll<io::Result<usize>> {
    dl.check()?;
    let len = buf.len();
    match io.poll_io_partial(cx, Interest::Write, len, |mut s| s.write(buf)) {
        Poll::Ready(r) => {
            dl.done();
            Poll::Ready(r)
        }
        Poll::Pending if dl.poll_expired(cx) => Poll::Ready(Err(timed_out())),
        Poll::Pending => Poll::Pending,
    }
}

pub(crate) fn poll_write_vectored(
    io: &Source,
    dl: &mut Deadline,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
) -> Poll<io::Result<usize>> {
    dl.check()?;
    match io.poll_io(cx, Interest::Write, |mut s| s.write_vectored(bufs)) {
        Poll::Ready(r) => {
            dl.done();
            Poll::Ready(r)
        }
        Poll::Pending if dl.poll_expired(cx) => Poll::Ready(Err(timed_out())),
        Poll::Pending => Poll::Pending,
    }
}

pub(crate) async fn write_all(io: &Source, dl: &mut Deadline, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        dl.begin();
        let n = poll_fn(|cx| poll_write(io, dl, cx, buf)).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        buf = &buf[n..];
    }
    Ok(())
}

pub(crate) fn shutdown_write(io: &Source) -> io::Result<()> {
    match io.get_ref().shutdown(Shutdown::Write) {
        // The peer is gone already: nothing left to shut down.
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
        r => r,
    }
}

impl futures_io::AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        poll_read(&this.io, &mut this.rd, cx, buf)
    }
}

impl futures_io::AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        poll_write(&this.io, &mut this.wr, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        poll_write_vectored(&this.io, &mut this.wr, cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Nothing is buffered in user space.
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(shutdown_write(&self.io))
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}
