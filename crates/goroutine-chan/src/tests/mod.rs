//! Unit tests and loom models.
//!
//! * Unit tests, also under Miri (integration tests that run goroutines by
//!   the thousand are skipped there; `tests/model.rs` runs):
//!   `cargo +nightly miri test -p goroutine-chan --lib --tests`
//!   (doctests need the runtime's I/O driver, which Miri cannot run).
//! * loom models:
//!   `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom cargo test --release -p goroutine-chan --lib loom`

#[cfg(not(loom))]
mod unit;

#[cfg(loom)]
mod loom_chan;
#[cfg(loom)]
mod loom_select;
