//! The future every goroutine is wrapped in: it tells the runtime when the
//! goroutine parks, panics or goes away.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::meta::Meta;
use crate::context;
use crate::wait;

pin_project_lite::pin_project! {
    /// `F`, plus bookkeeping around each poll and on drop.
    pub(crate) struct Goroutine<'a, F> {
        meta: &'a Meta,
        #[pin]
        inner: F,
    }

    impl<'a, F> PinnedDrop for Goroutine<'a, F> {
        fn drop(this: Pin<&mut Self>) {
            crate::runtime::goroutine_dropped(this.meta);
        }
    }
}

impl<'a, F> Goroutine<'a, F> {
    pub(crate) fn new(meta: &'a Meta, inner: F) -> Goroutine<'a, F> {
        Goroutine { meta, inner }
    }
}

impl<F: Future> Future for Goroutine<'_, F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let meta: &Meta = this.meta;
        let poll = if meta.ends_program() {
            // `PanicPolicy::Abort`: a panic ends the process, with Go's
            // report of it (`panic_report`).
            crate::panic_report::poll_ending_program(
                || this.inner.poll(cx),
                |payload| crate::runtime::goroutine_panicked(meta, payload),
            )
        } else {
            // Any panic goes on to `async-task`, which keeps it for the
            // `JoinHandle`.
            this.inner.poll(cx)
        };
        if poll.is_pending() {
            let reason = wait::take_wait_reason();
            let parked = context::with_worker(|w| match w {
                Some(w) if w.owns(meta) => {
                    w.goroutine_parked(meta, reason, cx.waker());
                    true
                }
                _ => false,
            });
            if !parked {
                // Goroutines are polled by their own runtime's workers,
                // except a main goroutine that its waiting thread runs
                // while every worker is stuck (`Shared::main_rescued`);
                // blocking tasks never return `Pending`.
                crate::runtime::goroutine_parked_off_worker(meta, reason);
            }
        }
        poll
    }
}
