//! The multi-queue work-stealing scheduler.

mod idle;
mod lifo;
mod main_queue;
mod monitor;
mod park;
pub(crate) mod queue;
mod shared;
mod timer_check;
mod worker;

pub(crate) use monitor::{check_deadlock, start_monitor};
pub(crate) use shared::{CachePadded, Config, DeadlockAction, Shared};
pub(crate) use worker::Worker;
