//! Go's concurrency model for Rust (facade; the teaching docs land with the
//! rest of the crates).
#![forbid(unsafe_code)]

pub use goroutine_macros::{main, test};
pub use goroutine_runtime::{
    block_on, go, maxprocs, num_goroutines, spawn, spawn_blocking, yield_now, GoroutineId,
    JoinError, JoinHandle,
};
pub use goroutine_runtime::{coop, debug, io, runtime, task, timer};

/// Channels (`make(chan T)`), see the `goroutine-chan` crate.
pub mod chan {
    pub use goroutine_chan::*;
}

/// Sync primitives, see the `goroutine-sync` crate.
pub mod sync {
    pub use goroutine_sync::*;
}

/// Timers, see the `goroutine-time` crate.
pub mod time {
    pub use goroutine_time::*;
}

/// Networking, see the `goroutine-net` crate.
pub mod net {
    pub use goroutine_net::*;
}

#[doc(hidden)]
pub mod __private {
    pub use goroutine_runtime::__private::*;
}
