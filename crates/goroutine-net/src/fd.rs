//! `AsFd` / `AsRawFd` for every socket type, so socket options this crate
//! does not wrap can be set with `socket2::SockRef` or `libc`.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use crate::{OwnedReadHalf, OwnedWriteHalf, TcpListener, TcpStream, UdpSocket};

macro_rules! impl_fd {
    ($($ty:ty),*) => {$(
        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.socket().as_fd()
            }
        }

        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.socket().as_raw_fd()
            }
        }
    )*};
}

impl_fd!(
    TcpListener,
    TcpStream,
    OwnedReadHalf,
    OwnedWriteHalf,
    UdpSocket
);
