//! The readiness reactor: one `polling::Poller` per runtime, waited on by
//! the worker that owns the driver (see `time/mod.rs`) instead of sleeping
//! on its condition variable, so an I/O event wakes a goroutine without a
//! hop through a reactor thread.
//!
//! Readiness is tracked per direction, tokio style: a source starts
//! "ready"; an operation that returns `WouldBlock` clears the readiness it
//! observed (by tick, so an event that arrived meanwhile is not lost); an
//! event sets it again and wakes the waiters. With edge-triggered polling
//! (epoll, kqueue) that costs no system call per wait; elsewhere interest
//! is re-armed (oneshot) when a waiter registers.

use std::io;
use std::os::fd::BorrowedFd;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use polling::{Event, Events, PollMode, Poller};

use crate::loom::lock_std as lock;

/// One direction of a source.
#[derive(Default)]
struct Dir {
    ready: bool,
    /// Bumped by every event in this direction.
    tick: u64,
    wakers: Vec<Waker>,
}

#[derive(Default)]
struct IoState {
    read: Dir,
    write: Dir,
}

/// Which direction an operation needs.
///
/// # Examples
///
/// ```
/// use goroutine::io::Interest;
/// assert_ne!(Interest::Read, Interest::Write);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Interest {
    /// The source can be read (or accepted from, or has hung up).
    Read,
    /// The source can be written (or has connected, or failed).
    Write,
}

/// A registered source's readiness state.
pub(crate) struct ScheduledIo {
    key: usize,
    state: Mutex<IoState>,
}

impl ScheduledIo {
    fn dir(st: &mut IoState, interest: Interest) -> &mut Dir {
        match interest {
            Interest::Read => &mut st.read,
            Interest::Write => &mut st.write,
        }
    }

    /// `Ready(tick)` if the direction is ready; otherwise records the waker.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        driver: &IoDriver,
        fd: BorrowedFd<'_>,
    ) -> Poll<io::Result<u64>> {
        let mut st = lock(&self.state);
        let dir = Self::dir(&mut st, interest);
        if dir.ready {
            return Poll::Ready(Ok(dir.tick));
        }
        if !dir.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            dir.wakers.push(cx.waker().clone());
        }
        if !driver.edge {
            // Oneshot polling: re-arm interest in the directions awaited.
            let ev = Event::new(
                self.key,
                !st.read.wakers.is_empty(),
                !st.write.wakers.is_empty(),
            );
            if let Err(e) = driver.poller.modify(fd, ev) {
                return Poll::Ready(Err(e));
            }
        }
        Poll::Pending
    }

    /// An operation observed `WouldBlock` after readiness `tick`.
    pub(crate) fn clear_ready(&self, interest: Interest, tick: u64) {
        let mut st = lock(&self.state);
        let dir = Self::dir(&mut st, interest);
        if dir.tick == tick {
            dir.ready = false;
        }
    }

    fn set_ready(&self, readable: bool, writable: bool, wake: &mut Vec<Waker>) {
        let mut guard = lock(&self.state);
        let st = &mut *guard;
        for (flag, dir) in [(readable, &mut st.read), (writable, &mut st.write)] {
            if flag {
                dir.ready = true;
                dir.tick = dir.tick.wrapping_add(1);
                wake.append(&mut dir.wakers);
            }
        }
    }
}

pub(crate) struct IoDriver {
    poller: Poller,
    edge: bool,
    sources: Mutex<Sources>,
    /// Registered sources, for cheap "is there any I/O" checks.
    count: AtomicUsize,
    /// Used by the owning worker only; a lock makes the driver `Sync`.
    events: Mutex<(Events, Vec<Waker>)>,
}

#[derive(Default)]
struct Sources {
    slots: Vec<Option<Arc<ScheduledIo>>>,
    free: Vec<usize>,
}

impl IoDriver {
    pub(crate) fn new() -> io::Result<IoDriver> {
        let poller = Poller::new()?;
        let edge = poller.supports_edge();
        Ok(IoDriver {
            poller,
            edge,
            sources: Mutex::new(Sources::default()),
            count: AtomicUsize::new(0),
            events: Mutex::new((Events::new(), Vec::new())),
        })
    }

    /// Registers `fd`, interested in both directions.
    pub(crate) fn register(&self, fd: BorrowedFd<'_>) -> io::Result<Arc<ScheduledIo>> {
        let io = {
            let mut s = lock(&self.sources);
            let key = s.free.pop().unwrap_or_else(|| {
                s.slots.push(None);
                s.slots.len() - 1
            });
            let io = Arc::new(ScheduledIo {
                key,
                // Ready until an operation says otherwise.
                state: Mutex::new(IoState {
                    read: Dir {
                        ready: true,
                        ..Dir::default()
                    },
                    write: Dir {
                        ready: true,
                        ..Dir::default()
                    },
                }),
            });
            s.slots[key] = Some(io.clone());
            io
        };
        let mode = if self.edge {
            PollMode::Edge
        } else {
            PollMode::Oneshot
        };
        let interest = if self.edge {
            Event::all(io.key)
        } else {
            Event::none(io.key)
        };
        // SAFETY: `add` requires that the source is deleted from the poller
        // before it is closed. `IoSource` owns the source and calls
        // `deregister` in its `Drop` (and `into_inner`) before releasing it.
        let added = unsafe { self.poller.add_with_mode(&fd, interest, mode) };
        if let Err(e) = added {
            self.release(io.key);
            return Err(e);
        }
        self.count.fetch_add(1, Relaxed);
        Ok(io)
    }

    fn release(&self, key: usize) {
        let mut s = lock(&self.sources);
        s.slots[key] = None;
        s.free.push(key);
    }

    /// Removes `fd` (still open) from the poller and wakes its waiters.
    pub(crate) fn deregister(&self, io: &ScheduledIo, fd: BorrowedFd<'_>) {
        let _ = self.poller.delete(fd);
        self.release(io.key);
        self.count.fetch_sub(1, Relaxed);
        let mut wake = Vec::new();
        io.set_ready(true, true, &mut wake);
        wake.into_iter().for_each(Waker::wake);
    }

    /// True if any source is registered.
    pub(crate) fn has_sources(&self) -> bool {
        self.count.load(Relaxed) > 0
    }

    /// Waits for events until `deadline` (`None`: until notified) and wakes
    /// the goroutines waiting on them. Returns how many sources had events.
    pub(crate) fn wait(&self, deadline: Option<Instant>) -> usize {
        let (n, wake) = {
            let mut guard = lock(&self.events);
            let (events, wake) = &mut *guard;
            events.clear();
            let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            // An error (EINTR and the like) reads as "no events": the
            // caller loops.
            let _ = self.poller.wait(events, timeout);
            let mut n = 0;
            for ev in events.iter() {
                let io = lock(&self.sources).slots.get(ev.key).cloned().flatten();
                if let Some(io) = io {
                    io.set_ready(ev.readable, ev.writable, wake);
                    n += 1;
                }
            }
            (n, std::mem::take(wake))
        };
        // Wake outside the lock: waking schedules goroutines.
        wake.into_iter().for_each(Waker::wake);
        n
    }

    /// Interrupts a `wait` in progress (or the next one).
    pub(crate) fn notify(&self) {
        let _ = self.poller.notify();
    }
}
