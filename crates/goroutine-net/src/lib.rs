//! Networking for goroutines: TCP and UDP sockets whose operations park the
//! goroutine, not the thread: Go's `net` package.
//!
//! ```
//! use goroutine::net::{TcpListener, TcpStream};
//!
//! # goroutine::block_on(async {
//! // Server: an accept loop, one goroutine per connection.
//! let listener = TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! goroutine::go!(async move {
//!     while let Ok((mut conn, _)) = listener.accept().await {
//!         goroutine::go!(async move {
//!             let mut buf = [0u8; 1024];
//!             while let Ok(n @ 1..) = conn.read(&mut buf).await {
//!                 if conn.write_all(&buf[..n]).await.is_err() {
//!                     break;
//!                 }
//!             }
//!         });
//!     }
//! });
//!
//! // Client.
//! let mut conn = TcpStream::connect(addr).await?;
//! conn.write_all(b"hello, goroutines").await?;
//! let mut buf = [0u8; 64];
//! let n = conn.read(&mut buf).await?;
//! assert_eq!(&buf[..n], b"hello, goroutines");
//! # Ok::<(), std::io::Error>(())
//! # }).unwrap();
//! ```
//!
//! # How it works
//!
//! Sockets are non-blocking and registered with the runtime's reactor
//! ([`goroutine::io::IoSource`](goroutine_runtime::io::IoSource)): an
//! operation that would block parks its goroutine until the socket is
//! ready, and the worker that would otherwise sleep waits in the poller
//! (epoll, kqueue) itself, so a readiness event runs the goroutine with no
//! hop through a reactor thread. Go's netpoller works the same way.
//!
//! | Go | goroutine::net | difference |
//! |---|---|---|
//! | `net.Listen("tcp", a)` | [`TcpListener::bind(a).await`](TcpListener::bind) | |
//! | `l.Accept()` | [`listener.accept().await`](TcpListener::accept) | also returns the peer address |
//! | `net.Dial("tcp", a)` | [`TcpStream::connect(a).await`](TcpStream::connect) | |
//! | `c.Read(b)` / `c.Write(b)` | [`read`](TcpStream::read) / [`write_all`](TcpStream::write_all), `.await` | plus `futures_io::AsyncRead`/`AsyncWrite` |
//! | `c.SetReadDeadline(t)` | [`set_read_deadline(Some(t))`](TcpStream::set_read_deadline) | `&mut self`; also a per-operation [`set_read_timeout`](TcpStream::set_read_timeout) |
//! | `c.(*net.TCPConn).CloseWrite()` | [`shutdown(Shutdown::Write)`](TcpStream::shutdown) | |
//! | reader and writer goroutines on one conn | [`split`](TcpStream::split) into owned halves | |
//! | `net.ListenUDP`, `ReadFrom`, `WriteTo` | [`UdpSocket::bind`], [`recv_from`](UdpSocket::recv_from), [`send_to`](UdpSocket::send_to) | |
//! | `os.ErrDeadlineExceeded` | an `io::Error` of kind [`TimedOut`](std::io::ErrorKind::TimedOut) | message "i/o timeout" |
//!
//! Sockets belong to the runtime that was current when they were created
//! (a worker's, the one `block_on` runs, or the global runtime) and work
//! from any goroutine of it. Unix only: the reactor speaks file
//! descriptors. Every type is `AsFd`, for socket options not wrapped here
//! (`socket2::SockRef::from(&stream)`).
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

mod deadline;
mod fd;
mod tcp;
mod udp;

pub use tcp::listener::TcpListener;
pub use tcp::split::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use tcp::stream::TcpStream;
pub use udp::UdpSocket;
