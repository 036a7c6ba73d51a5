//! Non-blocking I/O sources registered with the runtime's reactor: the
//! building block of `goroutine::net`.
//!
//! ```
//! use std::io::Read;
//! use std::net::{TcpListener, TcpStream};
//! use goroutine::io::{Interest, IoSource};
//!
//! # goroutine::block_on(async {
//! let listener = TcpListener::bind("127.0.0.1:0").unwrap();
//! let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
//! let (server, _) = listener.accept().unwrap();
//! server.set_nonblocking(true).unwrap();
//! let server = IoSource::new(server).unwrap();
//! std::io::Write::write_all(&mut client, b"hi").unwrap();
//! let mut buf = [0u8; 2];
//! let n = std::future::poll_fn(|cx| server.poll_io(cx, Interest::Read, |mut s| s.read(&mut buf)))
//!     .await
//!     .unwrap();
//! assert_eq!(&buf[..n], b"hi");
//! # });
//! ```
//!
//! There is no reactor thread: the worker that would otherwise sleep waits
//! in the poller (epoll/kqueue, through `mio`), with the next timer
//! deadline as its timeout, and runs the goroutines the events wake.

mod driver;

pub use driver::Interest;
pub(crate) use driver::{IoDriver, ScheduledIo};

use std::fmt;
use std::io;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::coop;
use crate::runtime::{current, Handle};
use crate::wait::{set_wait_reason, WaitReason};

/// An I/O object (socket, pipe, ...) in non-blocking mode, registered with
/// the current runtime's reactor until dropped.
///
/// The object must already be in non-blocking mode (e.g.
/// `TcpStream::set_nonblocking(true)`); `IoSource` owns it, and removes it
/// from the reactor before closing it.
///
/// # Examples
///
/// ```
/// let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// sock.set_nonblocking(true).unwrap();
/// # goroutine::block_on(async {
/// let src = goroutine::io::IoSource::new(sock).unwrap();
/// assert!(src.get_ref().local_addr().is_ok());
/// # });
/// ```
pub struct IoSource<T: AsFd> {
    io: Option<T>,
    sched: Arc<ScheduledIo>,
    handle: Handle,
}

impl<T: AsFd> IoSource<T> {
    /// Registers `io` with the current runtime (a worker's, the one entered
    /// by `block_on`, or the global runtime).
    ///
    /// # Errors
    ///
    /// If the reactor refuses the source.
    ///
    /// # Examples
    ///
    /// ```
    /// let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// l.set_nonblocking(true).unwrap();
    /// let src = goroutine::io::IoSource::new(l)?;
    /// # drop(src);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(io: T) -> io::Result<IoSource<T>> {
        let handle = current();
        let (sched, wake_owner) = handle.shared.io.register(io.as_fd())?;
        if wake_owner {
            handle.shared.unpark_driver_owner();
        }
        Ok(IoSource {
            io: Some(io),
            sched,
            handle,
        })
    }

    /// The I/O object.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// s.set_nonblocking(true).unwrap();
    /// let src = goroutine::io::IoSource::new(s).unwrap();
    /// let _addr = src.get_ref().local_addr().unwrap();
    /// ```
    pub fn get_ref(&self) -> &T {
        self.io.as_ref().expect("present until dropped")
    }

    /// `Ready` once `interest` may be possible without blocking, with the
    /// readiness tick to pass to [`clear_ready`](IoSource::clear_ready)
    /// after an operation returns `WouldBlock`.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::io::{Interest, IoSource};
    /// let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// s.set_nonblocking(true).unwrap();
    /// # goroutine::block_on(async {
    /// let src = IoSource::new(s).unwrap();
    /// // A fresh source counts as ready: try the operation first.
    /// std::future::poll_fn(|cx| src.poll_ready(cx, Interest::Write)).await.unwrap();
    /// # });
    /// ```
    pub fn poll_ready(&self, cx: &mut Context<'_>, interest: Interest) -> Poll<io::Result<u64>> {
        match self.sched.poll_ready(cx, interest) {
            Poll::Ready(tick) => Poll::Ready(Ok(tick)),
            Poll::Pending => {
                set_wait_reason(WaitReason::Io);
                Poll::Pending
            }
        }
    }

    /// Records that an operation hit `WouldBlock` after readiness `tick`,
    /// or that a read returned less than it asked for (the source is then
    /// drained as far as edge-triggered readiness is concerned; if the peer
    /// closed meanwhile, the direction stays ready, so the next read sees
    /// the end of stream rather than waiting).
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::io::{Interest, IoSource};
    /// let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// s.set_nonblocking(true).unwrap();
    /// # goroutine::block_on(async {
    /// let src = IoSource::new(s).unwrap();
    /// let tick = std::future::poll_fn(|cx| src.poll_ready(cx, Interest::Read)).await.unwrap();
    /// let mut buf = [0u8; 8];
    /// if src.get_ref().recv_from(&mut buf).is_err() {
    ///     src.clear_ready(Interest::Read, tick);
    /// }
    /// # });
    /// ```
    pub fn clear_ready(&self, interest: Interest, tick: u64) {
        self.sched.clear_ready(interest, tick);
    }

    /// Runs `op` until it does not return `WouldBlock`, waiting for
    /// readiness in between. Spends one unit of coop budget on success.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::io::{Interest, IoSource};
    /// let a = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// b.set_nonblocking(true).unwrap();
    /// a.send_to(b"ping", b.local_addr().unwrap()).unwrap();
    /// # goroutine::block_on(async {
    /// let b = IoSource::new(b).unwrap();
    /// let mut buf = [0u8; 4];
    /// let (n, _) = std::future::poll_fn(|cx| b.poll_io(cx, Interest::Read, |s| s.recv_from(&mut buf)))
    ///     .await
    ///     .unwrap();
    /// assert_eq!(&buf[..n], b"ping");
    /// # });
    /// ```
    pub fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io_with(cx, interest, op, |_| false)
    }

    /// [`poll_io`](IoSource::poll_io) and
    /// [`poll_io_partial`](IoSource::poll_io_partial): `drained(&r)` says
    /// whether a successful result `r` left the kernel buffer empty (or
    /// full), so readiness can be cleared without a `WouldBlock` call.
    fn poll_io_with<R>(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        mut op: impl FnMut(&T) -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        let progress = std::task::ready!(coop::poll_proceed(cx));
        loop {
            let tick = std::task::ready!(self.poll_ready(cx, interest))?;
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_ready(interest, tick),
                r => {
                    if r.as_ref().is_ok_and(&drained) {
                        self.clear_ready(interest, tick);
                    }
                    progress.made_progress();
                    return Poll::Ready(r);
                }
            }
        }
    }

    /// Like [`poll_io`](IoSource::poll_io), for stream reads and writes
    /// that move up to `len` bytes: a transfer shorter than `len` means the
    /// kernel buffer is now empty (reads) or full (writes), so readiness is
    /// cleared at once instead of being confirmed by a call that would
    /// return `WouldBlock`. Saves one system call per read on a busy
    /// connection. Safe because readiness is edge-triggered and "peer
    /// closed" is sticky: data or a close that arrives later raises a fresh
    /// event.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use goroutine::io::{Interest, IoSource};
    /// let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let mut c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    /// let (s, _) = l.accept().unwrap();
    /// s.set_nonblocking(true).unwrap();
    /// c.write_all(b"abc").unwrap();
    /// drop(c); // the FIN may arrive with the data
    /// # goroutine::block_on(async {
    /// let s = IoSource::new(s).unwrap();
    /// let mut buf = [0u8; 16];
    /// let mut got = Vec::new();
    /// loop {
    ///     let n = std::future::poll_fn(|cx| {
    ///         s.poll_io_partial(cx, Interest::Read, buf.len(), |mut s| s.read(&mut buf))
    ///     })
    ///     .await
    ///     .unwrap();
    ///     if n == 0 {
    ///         break; // end of stream, never a hang
    ///     }
    ///     got.extend_from_slice(&buf[..n]);
    /// }
    /// assert_eq!(got, b"abc");
    /// # });
    /// ```
    pub fn poll_io_partial(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        len: usize,
        op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_io_with(cx, interest, op, |&n| n > 0 && n < len)
    }

    /// Deregisters and gives the I/O object back (still non-blocking).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// s.set_nonblocking(true).unwrap();
    /// let src = goroutine::io::IoSource::new(s).unwrap();
    /// let s = src.into_inner();
    /// s.set_nonblocking(false).unwrap();
    /// ```
    pub fn into_inner(mut self) -> T {
        let io = self.io.take().expect("present until dropped");
        self.handle.shared.io.deregister(&self.sched, io.as_fd());
        io
    }
}

impl<T: AsFd> Drop for IoSource<T> {
    fn drop(&mut self) {
        if let Some(io) = self.io.take() {
            // Deregister while the descriptor is still open, then close it.
            self.handle.shared.io.deregister(&self.sched, io.as_fd());
            drop(io);
        }
    }
}

impl<T: AsFd + fmt::Debug> fmt::Debug for IoSource<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IoSource").field("io", &self.io).finish()
    }
}
