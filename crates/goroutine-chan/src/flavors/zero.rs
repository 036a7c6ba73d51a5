//! `bounded(0)`: the unbuffered channel, Go's `make(chan T)`.
//!
//! A send completes only by meeting a receiver: either the sender finds a
//! parked receiver and hands the value straight into its slot (Go's direct
//! hand-off), or the sender parks with its value and a later receiver takes
//! it out inside its own poll. Nothing is ever stored in the channel itself,
//! with one exception that keeps cancellation lossless: a receiver that was
//! handed a value and is then dropped before it took it gives the value back
//! (see the cancel-safety rule in [`chan`](crate::chan)), and when no other
//! receiver is waiting the value waits in a ring, at the head, for the next
//! receiver. The ring is allocated only then. `len()` still reports 0, as
//! Go's `len` of an unbuffered channel always does.
