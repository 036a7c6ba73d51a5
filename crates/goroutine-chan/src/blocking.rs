//! Waiting on a plain thread: `send_blocking` / `recv_blocking` poll the
//! async operation with the runtime's thread-parking loop.

pub(crate) use goroutine_runtime::runtime::park_on as block_on;
