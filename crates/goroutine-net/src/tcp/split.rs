//! Owned halves of a `TcpStream`, for a reader goroutine and a writer
//! goroutine on one connection.

use std::error::Error;
use std::fmt;
use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::deadline::Deadline;
use crate::tcp::stream::{self, Source, TcpStream};

pub(crate) fn split(
    io: Arc<Source>,
    rd: Deadline,
    wr: Deadline,
) -> (OwnedReadHalf, OwnedWriteHalf) {
    let read = OwnedReadHalf { io: io.clone(), rd };
    let write = OwnedWriteHalf {
        io,
        wr,
        shutdown_on_drop: true,
    };
    (read, write)
}

/// The read half of a [`TcpStream`], from [`TcpStream::split`].
///
/// # Examples
///
/// ```
/// use goroutine::net::{TcpListener, TcpStream};
/// # goroutine::block_on(async {
/// let l = TcpListener::bind("127.0.0.1:0").await?;
/// let (rd, _wr) = TcpStream::connect(l.local_addr()?).await?.split();
/// assert_eq!(rd.peer_addr()?, l.local_addr()?);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct OwnedReadHalf {
    io: Arc<Source>,
    rd: Deadline,
}

/// The write half of a [`TcpStream`], from [`TcpStream::split`]. Dropping
/// it shuts down the write side of the connection, so the peer reads EOF.
///
/// # Examples
///
/// ```
/// use goroutine::net::{TcpListener, TcpStream};
/// # goroutine::block_on(async {
/// let l = TcpListener::bind("127.0.0.1:0").await?;
/// let (_rd, mut wr) = TcpStream::connect(l.local_addr()?).await?.split();
/// wr.write_all(b"hello").await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct OwnedWriteHalf {
    io: Arc<Source>,
    wr: Deadline,
    shutdown_on_drop: bool,
}

/// The halves given to [`OwnedReadHalf::reunite`] came from different
/// streams; both are handed back.
///
/// # Examples
///
/// ```
/// use goroutine::net::{TcpListener, TcpStream};
/// # goroutine::block_on(async {
/// let l = TcpListener::bind("127.0.0.1:0").await?;
/// let (a, _) = TcpStream::connect(l.local_addr()?).await?.split();
/// let (_, b) = TcpStream::connect(l.local_addr()?).await?.split();
/// let err = a.reunite(b).unwrap_err();
/// assert_eq!(err.to_string(), "tried to reunite halves of different streams");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves of different streams")
    }
}

impl Error for ReuniteError {}

impl OwnedReadHalf {
    /// Puts the halves of one stream back together.
    ///
    /// # Errors
    ///
    /// [`ReuniteError`] (holding both halves) if they come from different
    /// streams.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let (rd, wr) = TcpStream::connect(l.local_addr()?).await?.split();
    /// let stream = rd.reunite(wr).expect("same stream");
    /// assert_eq!(stream.peer_addr()?, l.local_addr()?);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    // The error hands both halves back (as tokio's does); reuniting is
    // rare, so its size does not matter.
    #[allow(clippy::result_large_err)]
    pub fn reunite(self, mut other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        if !Arc::ptr_eq(&self.io, &other.io) {
            return Err(ReuniteError(self, other));
        }
        other.shutdown_on_drop = false;
        let wr = std::mem::replace(&mut other.wr, Deadline::new());
        drop(other);
        Ok(TcpStream::from_parts(self.io, self.rd, wr))
    }

    /// Reads some bytes; see [`TcpStream::read`].
    ///
    /// # Errors
    ///
    /// As [`TcpStream::read`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future has read nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let (mut rd, _wr) = TcpStream::connect(l.local_addr()?).await?.split();
    /// let (mut server, _) = l.accept().await?;
    /// server.write_all(b"hi").await?;
    /// let mut buf = [0u8; 2];
    /// assert_eq!(rd.read(&mut buf).await?, 2);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.rd.begin();
        poll_fn(|cx| stream::poll_read(&self.io, &mut self.rd, cx, buf)).await
    }

    /// Sets the read deadline; see [`TcpStream::set_read_deadline`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Instant;
    /// use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let (mut rd, _wr) = TcpStream::connect(l.local_addr()?).await?.split();
    /// rd.set_read_deadline(Some(Instant::now()));
    /// assert_eq!(rd.read(&mut [0; 1]).await.unwrap_err().kind(), std::io::ErrorKind::TimedOut);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn set_read_deadline(&mut self, deadline: Option<Instant>) {
        self.rd.set_deadline(deadline);
    }

    /// Sets the per-read timeout; see [`TcpStream::set_read_timeout`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let (mut rd, _wr) = TcpStream::connect(l.local_addr()?).await?.split();
    /// rd.set_read_timeout(Some(Duration::from_millis(10)));
    /// assert_eq!(rd.read(&mut [0; 1]).await.unwrap_err().kind(), std::io::ErrorKind::TimedOut);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) {
        self.rd.set_timeout(timeout);
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
    /// use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let (rd, _wr) = TcpStream::connect(l.local_addr()?).await?.split();
    /// assert_eq!(rd.peer_addr()?, l.local_addr()?);
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
    /// use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let (rd, _wr) = TcpStream::connect(l.local_addr()?).await?.split();
    /// assert!(rd.local_addr()?.ip().is_loopback());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl OwnedWriteHalf {
    /// Writes some bytes; see [`TcpStream::write`].
    ///
    /// # Errors
    ///
    /// As [`TcpStream::write`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future has written nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let (_rd, mut wr) = TcpStream::connect(l.local_addr()?).await?.split();
    /// assert!(wr.write(b"hi").await? > 0);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.wr.begin();
        poll_fn(|cx| stream::poll_write(&self.io, &mut self.wr, cx, buf)).await
    }

    /// Writes all of `buf`; see [`TcpStream::write_all`].
    ///
    /// # Errors
    ///
    /// As [`TcpStream::write_all`].
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: a dropped future may have written part of `buf`.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let (_rd, mut wr) = TcpStream::connect(l.local_addr()?).await?.split();
    /// wr.write_all(b"hello").await?;
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        stream::write_all(&self.io, &mut self.wr, buf).await
    }

    /// Sets the write deadline; see [`TcpStream::set_write_deadline`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Instant;
    /// use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let (_rd, mut wr) = TcpStream::connect(l.local_addr()?).await?.split();
    /// wr.set_write_deadline(Some(Instant::now()));
    /// assert_eq!(wr.write(b"x").await.unwrap_err().kind(), std::io::ErrorKind::TimedOut);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn set_write_deadline(&mut self, deadline: Option<Instant>) {
        self.wr.set_deadline(deadline);
    }

    /// Sets the per-write timeout; see [`TcpStream::set_write_timeout`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let (_rd, mut wr) = TcpStream::connect(l.local_addr()?).await?.split();
    /// wr.set_write_timeout(Some(Duration::from_secs(1)));
    /// wr.write_all(b"small writes never wait").await?;
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn set_write_timeout(&mut self, timeout: Option<Duration>) {
        self.wr.set_timeout(timeout);
    }

    /// Shuts down the write side now (the peer reads EOF), as dropping
    /// would.
    ///
    /// # Errors
    ///
    /// An OS error other than "not connected".
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let (_rd, wr) = TcpStream::connect(l.local_addr()?).await?.split();
    /// let (mut server, _) = l.accept().await?;
    /// wr.shutdown()?;
    /// assert_eq!(server.read(&mut [0; 8]).await?, 0); // EOF
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn shutdown(&self) -> io::Result<()> {
        stream::shutdown_write(&self.io)
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
    /// use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let (_rd, wr) = TcpStream::connect(l.local_addr()?).await?.split();
    /// assert_eq!(wr.peer_addr()?, l.local_addr()?);
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
    /// use goroutine::net::{TcpListener, TcpStream};
    /// # goroutine::block_on(async {
    /// let l = TcpListener::bind("127.0.0.1:0").await?;
    /// let (_rd, wr) = TcpStream::connect(l.local_addr()?).await?.split();
    /// assert!(wr.local_addr()?.ip().is_loopback());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl OwnedReadHalf {
    /// The underlying standard-library socket.
    pub(crate) fn socket(&self) -> &std::net::TcpStream {
        self.io.get_ref()
    }
}

impl OwnedWriteHalf {
    /// The underlying standard-library socket.
    pub(crate) fn socket(&self) -> &std::net::TcpStream {
        self.io.get_ref()
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            let _ = stream::shutdown_write(&self.io);
        }
    }
}

impl futures_io::AsyncRead for OwnedReadHalf {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        stream::poll_read(&this.io, &mut this.rd, cx, buf)
    }
}

impl futures_io::AsyncWrite for OwnedWriteHalf {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        stream::poll_write(&this.io, &mut this.wr, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        stream::poll_write_vectored(&this.io, &mut this.wr, cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(stream::shutdown_write(&self.io))
    }
}

impl fmt::Debug for OwnedReadHalf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedReadHalf")
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

impl fmt::Debug for OwnedWriteHalf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedWriteHalf")
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}
