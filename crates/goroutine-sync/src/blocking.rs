//! Driving one of our futures to completion on a plain thread
//! (`lock_blocking`, `wait_blocking`, ...).

#[cfg(not(loom))]
pub(crate) fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    use std::thread::{self, Thread};

    struct Unparker(Thread);

    impl Wake for Unparker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }

    thread_local! {
        // One waker per thread, built on first use: blocking calls after the
        // first allocate nothing.
        static WAKER: Waker = Waker::from(Arc::new(Unparker(thread::current())));
    }

    let waker = WAKER.with(Waker::clone);
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        // A wake that came before this park leaves the token set, so
        // `park` returns at once: no wake-up is lost. Spurious returns just
        // poll again.
        thread::park();
    }
}

#[cfg(loom)]
pub(crate) use ::loom::future::block_on;
