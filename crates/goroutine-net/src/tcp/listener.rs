//! `TcpListener`: accepts connections.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{self, SocketAddr, ToSocketAddrs};

use goroutine_runtime::io::{Interest, IoSource};
use socket2::{Domain, Protocol, Socket, Type};

use crate::tcp::stream::TcpStream;

/// Pending connections the kernel queues before `accept` takes them. Linux
/// caps it at `net.core.somaxconn` (4096 on current kernels), which is
/// what Go's listeners use too.
const BACKLOG: i32 = 4096;

/// A TCP socket listening for connections: Go's `net.Listen("tcp", addr)`.
///
/// The intended style is Go's: one accept loop, one goroutine per
/// connection.
///
/// # Examples
///
/// ```no_run
/// use goroutine::net::TcpListener;
///
/// async fn serve() -> std::io::Result<()> {
///     let listener = TcpListener::bind("127.0.0.1:8080").await?;
///     loop {
///         let (mut conn, _peer) = listener.accept().await?;
///         goroutine::go!(async move {
///             let mut buf = [0u8; 4096];
///             while let Ok(n @ 1..) = conn.read(&mut buf).await {
///                 if conn.write_all(&buf[..n]).await.is_err() {
///                     break;
///                 }
///             }
///         });
///     }
/// }
/// # goroutine::block_on(serve()).unwrap();
/// ```
pub struct TcpListener {
    io: IoSource<net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` and starts listening (port 0 picks a free port; see
    /// [`local_addr`](TcpListener::local_addr)). Every address `addr`
    /// resolves to is tried in turn. `SO_REUSEADDR` is set, as Go and the
    /// standard library do, so a restarted server can bind again at once.
    ///
    /// Name resolution uses the standard library's `ToSocketAddrs`, which
    /// blocks the worker for host names; IP literals do not block.
    ///
    /// # Errors
    ///
    /// [`AddrInUse`](io::ErrorKind::AddrInUse) if another socket listens
    /// there, [`InvalidInput`](io::ErrorKind::InvalidInput) if `addr`
    /// resolves to nothing, or another OS error.
    ///
    /// # Cancel safety
    ///
    /// Binding does not wait; dropping the future before its first poll
    /// binds nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let listener = goroutine::net::TcpListener::bind("127.0.0.1:0").await?;
    /// assert_ne!(listener.local_addr()?.port(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let mut last = None;
        for addr in addr.to_socket_addrs()? {
            match bind_addr(addr) {
                Ok(l) => return TcpListener::from_nonblocking(l),
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

    /// Wraps a listening standard-library socket (switching it to
    /// non-blocking mode and registering it with the current runtime).
    ///
    /// # Errors
    ///
    /// If the socket cannot be made non-blocking or registered.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let addr = std_listener.local_addr()?;
    /// let listener = goroutine::net::TcpListener::from_std(std_listener)?;
    /// assert_eq!(listener.local_addr()?, addr);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn from_std(listener: net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        TcpListener::from_nonblocking(listener)
    }

    fn from_nonblocking(listener: net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: IoSource::new(listener)?,
        })
    }

    /// Waits for the next connection: Go's `Listener.Accept`. The stream
    /// comes back non-blocking, registered and with `TCP_NODELAY` set.
    ///
    /// Several goroutines may accept on one listener at once; each
    /// connection goes to one of them. A connection reset before it was
    /// accepted is skipped, as in Go.
    ///
    /// # Errors
    ///
    /// OS errors, e.g. "too many open files" when the process is out of
    /// descriptors. Such errors are usually temporary: a server loop
    /// should log, pause briefly and accept again rather than stop.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future has accepted no connection.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (conn, peer) = listener.accept().await?;
    /// assert_eq!(peer, client.local_addr()?);
    /// assert_eq!(conn.peer_addr()?, peer);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, peer) = poll_fn(|cx| {
            self.io.poll_io(cx, Interest::Read, |l| loop {
                match accept_nonblocking(l) {
                    // The client gave up before we got to it: take the next.
                    Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
                    r => return r,
                }
            })
        })
        .await?;
        stream.set_nodelay(true)?;
        Ok((TcpStream::from_nonblocking(stream)?, peer))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// An OS error, rarely.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let listener = goroutine::net::TcpListener::bind("127.0.0.1:0").await?;
    /// assert!(listener.local_addr()?.ip().is_loopback());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl TcpListener {
    /// The underlying standard-library socket.
    pub(crate) fn socket(&self) -> &net::TcpListener {
        self.io.get_ref()
    }
}

fn bind_addr(addr: SocketAddr) -> io::Result<net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local", &self.local_addr().ok())
            .finish()
    }
}

/// Accepts one connection, already non-blocking: one `accept4` with
/// `SOCK_NONBLOCK` where the system has it, instead of `accept` plus an
/// `ioctl` per connection.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
fn accept_nonblocking(l: &net::TcpListener) -> io::Result<(net::TcpStream, SocketAddr)> {
    let (socket, peer) =
        socket2::SockRef::from(l).accept4(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC)?;
    let peer = peer
        .as_socket()
        .ok_or_else(|| io::Error::other("accept: the peer is not an IP address"))?;
    Ok((socket.into(), peer))
}

/// Accepts one connection and makes it non-blocking.
#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
fn accept_nonblocking(l: &net::TcpListener) -> io::Result<(net::TcpStream, SocketAddr)> {
    let (stream, peer) = l.accept()?;
    stream.set_nonblocking(true)?;
    Ok((stream, peer))
}
