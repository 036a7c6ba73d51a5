//! TCP: listener, stream, owned halves.

pub(crate) mod listener;
pub(crate) mod split;
pub(crate) mod stream;
