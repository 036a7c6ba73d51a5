//! Go's concurrency model for Rust (facade; docs being written).
#![forbid(unsafe_code)]
#![allow(missing_docs)]

pub use goroutine_runtime::{block_on, coop, go, spawn, JoinHandle};
pub use goroutine_runtime::debug;
pub use goroutine_macros::{main, test};

/// Channels.
pub mod chan {
    pub use goroutine_chan::*;
}
/// Sync.
pub mod sync {
    pub use goroutine_sync::*;
}
/// Time.
pub mod time {
    pub use goroutine_time::*;
}
/// Net.
pub mod net {
    pub use goroutine_net::*;
}

#[doc(hidden)]
pub mod __private {
    pub use goroutine_runtime::__private::*;
}
