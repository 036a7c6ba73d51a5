//! Unit tests (also run under Miri) and loom models.

#[cfg(not(loom))]
mod unit;

#[cfg(loom)]
mod loom_chan;
#[cfg(loom)]
mod loom_select;
