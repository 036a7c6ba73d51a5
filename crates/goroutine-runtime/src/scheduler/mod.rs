//! The multi-queue work-stealing scheduler.

mod idle;
mod lifo;
mod park;
pub(crate) mod queue;
mod shared;
mod worker;

pub(crate) use shared::{Config, Shared};
pub(crate) use worker::Worker;
