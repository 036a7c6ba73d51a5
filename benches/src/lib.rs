//! Benchmarks of `goroutine` against tokio, async-executor and Go; the
//! benches live in `benches/*.rs` and `benches/go/`, the results and how to
//! reproduce them in `docs/benchmarks.md`. Nothing public here.
#![forbid(unsafe_code)]
