//! Driving one of our futures to completion on a plain thread
//! (`lock_blocking`, `wait_blocking`, ...): the runtime's thread-parking
//! loop, or loom's under the models.

#[cfg(not(loom))]
pub(crate) use goroutine_runtime::runtime::park_on as block_on;

#[cfg(loom)]
pub(crate) use ::loom::future::block_on;
