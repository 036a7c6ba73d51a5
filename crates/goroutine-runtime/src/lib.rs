//! Executor core of `goroutine` (work in progress: stubs being filled in).
#![allow(missing_docs, clippy::missing_panics_doc)]

pub mod coop;
mod wait;

use std::future::Future;

/// Debugging hooks.
pub mod debug {
    pub use crate::wait::{set_wait_reason, WaitReason};
}

/// Spawns a goroutine (stub).
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let _ = future;
    todo!("runtime in progress")
}

/// Join handle (stub).
#[derive(Debug)]
pub struct JoinHandle<T>(std::marker::PhantomData<T>);

/// Drives a future on this thread (stub).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let _ = future;
    todo!("runtime in progress")
}

/// Spawns and detaches.
#[macro_export]
macro_rules! go {
    ($fut:expr) => {
        ::std::mem::drop($crate::spawn($fut))
    };
}

#[doc(hidden)]
pub mod __private {
    use std::future::Future;

    /// Configuration the attribute macros pass to [`run_main`] / [`run_test`].
    #[derive(Debug, Clone, Copy)]
    pub struct EntryConfig {
        /// `workers = N`; `None`: `GOMAXPROCS` or the number of cores.
        pub workers: Option<usize>,
        /// `detect_deadlock = bool`; default `true`.
        pub detect_deadlock: bool,
    }

    /// Body of `#[goroutine::main]`.
    pub fn run_main<F: Future>(config: EntryConfig, future: F) -> F::Output {
        let _ = (config, future);
        todo!("runtime in progress")
    }

    /// Body of `#[goroutine::test]`.
    pub fn run_test<F: Future>(config: EntryConfig, future: F) -> F::Output {
        let _ = (config, future);
        todo!("runtime in progress")
    }
}
