//! `UdpSocket`: datagrams.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{self, SocketAddr, ToSocketAddrs};

use goroutine_runtime::io::{Interest, IoSource};

/// A UDP socket: Go's `net.UDPConn`.
///
/// Every method takes `&self`, so one socket can be shared (in an `Arc`)
/// by several goroutines that send and receive at once; each datagram goes
/// to exactly one receiver. A datagram longer than the receive buffer is
/// truncated to it, as in Go and the standard library.
///
/// Address arguments take `impl ToSocketAddrs`, resolved with the standard
/// library (blocking for host names, never for IP literals); the first
/// address is used.
///
/// # Examples
///
/// ```
/// use goroutine::net::UdpSocket;
///
/// # goroutine::block_on(async {
/// let server = UdpSocket::bind("127.0.0.1:0").await?;
/// let client = UdpSocket::bind("127.0.0.1:0").await?;
/// client.send_to(b"ping", server.local_addr()?).await?;
///
/// let mut buf = [0u8; 1500];
/// let (n, from) = server.recv_from(&mut buf).await?;
/// assert_eq!((&buf[..n], from), (&b"ping"[..], client.local_addr()?));
/// server.send_to(b"pong", from).await?;
/// let (n, _) = client.recv_from(&mut buf).await?;
/// assert_eq!(&buf[..n], b"pong");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct UdpSocket {
    io: IoSource<net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr` (port 0 picks a free port): Go's
    /// `net.ListenUDP`.
    ///
    /// # Errors
    ///
    /// [`AddrInUse`](io::ErrorKind::AddrInUse), or another OS error.
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
    /// let sock = goroutine::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert_ne!(sock.local_addr()?.port(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        UdpSocket::from_std(net::UdpSocket::bind(addr)?)
    }

    /// Wraps a standard-library socket (switching it to non-blocking mode
    /// and registering it with the current runtime).
    ///
    /// # Errors
    ///
    /// If the socket cannot be made non-blocking or registered.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let std_sock = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let sock = goroutine::net::UdpSocket::from_std(std_sock)?;
    /// assert!(sock.local_addr()?.ip().is_loopback());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn from_std(socket: net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: IoSource::new(socket)?,
        })
    }

    /// Sends one datagram to `target`; returns the bytes sent.
    ///
    /// # Errors
    ///
    /// An OS error; [`InvalidInput`](io::ErrorKind::InvalidInput) if
    /// `target` resolves to nothing.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future has sent nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let a = goroutine::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = goroutine::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert_eq!(a.send_to(b"hello", b.local_addr()?).await?, 5);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = first_addr(target)?;
        poll_fn(|cx| {
            self.io
                .poll_io(cx, Interest::Write, |s| s.send_to(buf, target))
        })
        .await
    }

    /// Receives one datagram into `buf`; returns its length (at most
    /// `buf.len()`) and sender.
    ///
    /// # Errors
    ///
    /// An OS error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future has received nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let a = goroutine::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = goroutine::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"hello", b.local_addr()?).await?;
    /// let mut buf = [0u8; 3]; // too small: the datagram is truncated
    /// let (n, from) = b.recv_from(&mut buf).await?;
    /// assert_eq!((&buf[..n], from), (&b"hel"[..], a.local_addr()?));
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        poll_fn(|cx| self.io.poll_io(cx, Interest::Read, |s| s.recv_from(buf))).await
    }

    /// Sets the default peer for [`send`](UdpSocket::send) and the only
    /// peer [`recv`](UdpSocket::recv) accepts datagrams from: Go's
    /// `net.DialUDP`.
    ///
    /// # Errors
    ///
    /// An OS error; [`InvalidInput`](io::ErrorKind::InvalidInput) if
    /// `addr` resolves to nothing.
    ///
    /// # Cancel safety
    ///
    /// Connecting a UDP socket does not wait.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let a = goroutine::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = goroutine::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// assert_eq!(a.peer_addr()?, b.local_addr()?);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        self.io.get_ref().connect(first_addr(addr)?)
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// An OS error; on a connected socket an earlier datagram the peer
    /// refused may surface here as
    /// [`ConnectionRefused`](io::ErrorKind::ConnectionRefused).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future has sent nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let a = goroutine::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = goroutine::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// a.send(b"hi").await?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.recv_from(&mut buf).await?.0, 2);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.io.poll_io(cx, Interest::Write, |s| s.send(buf))).await
    }

    /// Receives one datagram from the connected peer.
    ///
    /// # Errors
    ///
    /// An OS error, e.g. [`ConnectionRefused`](io::ErrorKind::ConnectionRefused)
    /// after a datagram sent to a closed port.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future has received nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let a = goroutine::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = goroutine::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send_to(b"hi", b.local_addr()?).await?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.recv(&mut buf).await?, 2);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.io.poll_io(cx, Interest::Read, |s| s.recv(buf))).await
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
    /// # goroutine::block_on(async {
    /// let s = goroutine::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(s.local_addr()?.ip().is_loopback());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// [`NotConnected`](io::ErrorKind::NotConnected) if the socket is not
    /// connected.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let s = goroutine::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert_eq!(s.peer_addr().unwrap_err().kind(), std::io::ErrorKind::NotConnected);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Allows sending to broadcast addresses (`SO_BROADCAST`).
    ///
    /// # Errors
    ///
    /// An OS error, rarely.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let s = goroutine::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// s.set_broadcast(true)?;
    /// assert!(s.broadcast()?);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Whether `SO_BROADCAST` is set.
    ///
    /// # Errors
    ///
    /// An OS error, rarely.
    ///
    /// # Examples
    ///
    /// ```
    /// # goroutine::block_on(async {
    /// let s = goroutine::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(!s.broadcast()?);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }
}

impl UdpSocket {
    /// The underlying standard-library socket.
    pub(crate) fn socket(&self) -> &net::UdpSocket {
        self.io.get_ref()
    }
}

fn first_addr(addr: impl ToSocketAddrs) -> io::Result<SocketAddr> {
    addr.to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no addresses to send data to"))
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local", &self.local_addr().ok())
            .finish()
    }
}
