//! The readiness reactor: one `mio::Poll` per runtime, waited on by the
//! worker that owns the driver (see `time/mod.rs`) instead of sleeping on
//! its condition variable, so an I/O event wakes a goroutine without a hop
//! through a reactor thread.
//!
//! Readiness is tracked per direction, tokio style: a source starts
//! "ready"; an operation that returns `WouldBlock` clears the readiness it
//! observed (by tick, so an event that arrived meanwhile is not lost); an
//! event sets it again and wakes the waiters. Registration is
//! edge-triggered (epoll `EPOLLET`, kqueue `EV_CLEAR`), so waiting costs no
//! system call, and one park is one `epoll_wait`.
//!
//! "Peer closed its side" and errors are *sticky*: once seen, the direction
//! stays ready for good. That lets a reader clear readiness after a short
//! read without a second `read` to confirm `WouldBlock`: if the FIN came
//! with the data, the direction is still ready and the next read returns
//! the end of stream instead of waiting forever.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use mio::unix::SourceFd;
use mio::{Events, Registry, Token};

use crate::loom::lock_std as lock;

/// The token of the driver's own waker.
const WAKE: Token = Token(usize::MAX);

/// A source's token is its slot index in the low `KEY_BITS` bits and a
/// registration count above them (its top bit always clear, so no token
/// is `WAKE`): an event that `epoll_wait` returned for a source deregistered
/// meanwhile, whose slot a new source then took, does not match the new
/// source's token and is dropped. Without the count, such a stale hang-up
/// marked the new connection closed for good, and its reader spun on
/// `WouldBlock` (seen in the 1,000-connection storm test under load).
const KEY_BITS: u32 = usize::BITS / 2;
const KEY_MASK: usize = (1 << KEY_BITS) - 1;

/// One direction of a source.
#[derive(Default)]
struct Dir {
    ready: bool,
    /// Set for good by an event saying this direction is finished (peer
    /// closed, error): readiness can no longer be cleared.
    closed: bool,
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
    /// The token registered for it (see `KEY_BITS`).
    token: Token,
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
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, interest: Interest) -> Poll<u64> {
        let mut st = lock(&self.state);
        let dir = Self::dir(&mut st, interest);
        if dir.ready {
            return Poll::Ready(dir.tick);
        }
        if !dir.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            dir.wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }

    /// An operation observed `WouldBlock` (or a short read) after
    /// readiness `tick`.
    pub(crate) fn clear_ready(&self, interest: Interest, tick: u64) {
        let mut st = lock(&self.state);
        let dir = Self::dir(&mut st, interest);
        if dir.tick == tick && !dir.closed {
            dir.ready = false;
        }
    }

    fn set_ready(&self, ev: &mio::event::Event, wake: &mut Vec<Waker>) {
        let mut guard = lock(&self.state);
        let st = &mut *guard;
        let error = ev.is_error();
        let read = (ev.is_readable(), ev.is_read_closed() || error);
        let write = (ev.is_writable(), ev.is_write_closed() || error);
        for ((ready, closed), dir) in [(read, &mut st.read), (write, &mut st.write)] {
            if ready || closed {
                dir.ready = true;
                dir.closed |= closed;
                dir.tick = dir.tick.wrapping_add(1);
                wake.append(&mut dir.wakers);
            }
        }
    }

    /// Both directions ready for good (deregistration): waiters retry and
    /// see whatever the source now says.
    fn close(&self, wake: &mut Vec<Waker>) {
        let mut guard = lock(&self.state);
        let st = &mut *guard;
        for dir in [&mut st.read, &mut st.write] {
            dir.ready = true;
            dir.closed = true;
            dir.tick = dir.tick.wrapping_add(1);
            wake.append(&mut dir.wakers);
        }
    }
}

pub(crate) struct IoDriver {
    registry: Registry,
    waker: mio::Waker,
    sources: Mutex<Sources>,
    /// Registered sources, for cheap "is there any I/O" checks.
    count: AtomicUsize,
    /// Set while the driver's owner sleeps on its condition variable
    /// rather than in the poller (no sources were registered): a new
    /// source must then wake it (see `sleep_off_poller`).
    owner_off_poller: AtomicBool,
    /// The poller and its event buffer, used by the driver's owner only
    /// (`mio::Poll::poll` takes `&mut self`).
    poll: Mutex<(mio::Poll, Events)>,
}

#[derive(Default)]
struct Sources {
    slots: Vec<Option<Arc<ScheduledIo>>>,
    free: Vec<usize>,
    /// Registrations so far, for the tokens' upper bits.
    registrations: usize,
}

impl IoDriver {
    pub(crate) fn new() -> io::Result<IoDriver> {
        let poll = mio::Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = mio::Waker::new(&registry, WAKE)?;
        Ok(IoDriver {
            registry,
            waker,
            sources: Mutex::new(Sources::default()),
            count: AtomicUsize::new(0),
            owner_off_poller: AtomicBool::new(false),
            poll: Mutex::new((poll, Events::with_capacity(1024))),
        })
    }

    /// Registers `fd`, interested in both directions, edge-triggered.
    /// The flag says whether the driver's owner sleeps off the poller and
    /// must be unparked to watch the new source.
    pub(crate) fn register(&self, fd: BorrowedFd<'_>) -> io::Result<(Arc<ScheduledIo>, bool)> {
        let io = {
            let mut s = lock(&self.sources);
            let key = s.free.pop().unwrap_or_else(|| {
                s.slots.push(None);
                s.slots.len() - 1
            });
            if key > KEY_MASK {
                s.free.push(key);
                return Err(io::Error::other("goroutine: too many I/O sources"));
            }
            s.registrations = s.registrations.wrapping_add(1);
            let count = s.registrations & (usize::MAX >> (KEY_BITS + 1));
            let io = Arc::new(ScheduledIo {
                key,
                token: Token(count << KEY_BITS | key),
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
        let raw = fd.as_raw_fd();
        let interest = mio::Interest::READABLE | mio::Interest::WRITABLE;
        if let Err(e) = self
            .registry
            .register(&mut SourceFd(&raw), io.token, interest)
        {
            self.release(io.key);
            return Err(e);
        }
        // SeqCst, with the load after it: one side of the Dekker pair with
        // `sleep_off_poller` (either the owner sees this source, or this
        // sees the owner off the poller and wakes it).
        self.count.fetch_add(1, SeqCst);
        let wake_owner = self.owner_off_poller.load(SeqCst);
        Ok((io, wake_owner))
    }

    fn release(&self, key: usize) {
        let mut s = lock(&self.sources);
        s.slots[key] = None;
        s.free.push(key);
    }

    /// Removes `fd` (still open) from the poller and wakes its waiters.
    pub(crate) fn deregister(&self, io: &ScheduledIo, fd: BorrowedFd<'_>) {
        let raw = fd.as_raw_fd();
        let _ = self.registry.deregister(&mut SourceFd(&raw));
        self.release(io.key);
        self.count.fetch_sub(1, Relaxed);
        let mut wake = Vec::new();
        io.close(&mut wake);
        wake.into_iter().for_each(Waker::wake);
    }

    /// True if any source is registered.
    pub(crate) fn has_sources(&self) -> bool {
        self.count.load(Relaxed) > 0
    }

    /// For the driver's owner about to sleep: true if no source is
    /// registered, so it may sleep on its condition variable, whose timed
    /// wait keeps a timer's deadline to the microsecond (the poller's
    /// timeout rounds up to whole milliseconds). Call
    /// [`back_on_poller`](Self::back_on_poller) after that sleep.
    pub(crate) fn sleep_off_poller(&self) -> bool {
        // SeqCst store then load: the other side of `register`'s pair.
        self.owner_off_poller.store(true, SeqCst);
        if self.count.load(SeqCst) > 0 {
            // Relaxed: as in `back_on_poller`.
            self.owner_off_poller.store(false, Relaxed);
            return false;
        }
        true
    }

    /// Ends a sleep that `sleep_off_poller` allowed.
    pub(crate) fn back_on_poller(&self) {
        // Relaxed: a register that still sees `true` only causes a
        // spurious unpark.
        self.owner_off_poller.store(false, Relaxed);
    }

    /// Waits for events until `deadline` (`None`: until notified) and wakes
    /// the goroutines waiting on them. Returns how many sources had events.
    pub(crate) fn wait(&self, deadline: Option<Instant>) -> usize {
        let mut wake = Vec::new();
        let n = {
            let mut guard = lock(&self.poll);
            let (poll, events) = &mut *guard;
            let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            // An error (EINTR and the like) reads as "no events": the
            // caller loops.
            if poll.poll(events, timeout).is_err() {
                events.clear();
            }
            let mut n = 0;
            // One lock for the whole batch. Order: poll, then sources, then
            // a source's state; nothing takes them the other way round.
            let sources = lock(&self.sources);
            for ev in events.iter() {
                if ev.token() == WAKE {
                    continue;
                }
                match sources.slots.get(ev.token().0 & KEY_MASK) {
                    // Only the registration the event was for.
                    Some(Some(io)) if io.token == ev.token() => {
                        io.set_ready(ev, &mut wake);
                        n += 1;
                    }
                    _ => {}
                }
            }
            n
        };
        // Wake outside the lock: waking schedules goroutines.
        wake.into_iter().for_each(Waker::wake);
        n
    }

    /// Interrupts a `wait` in progress (or the next one).
    pub(crate) fn notify(&self) {
        let _ = self.waker.wake();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    /// A slot freed by one source and taken by the next gets a new token,
    /// so an event still in flight for the first cannot reach the second.
    #[test]
    #[cfg_attr(miri, ignore = "Miri has no UDP sockets")]
    fn a_reused_slot_gets_a_new_token() {
        let driver = IoDriver::new().unwrap();
        let a = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let (first, _) = driver.register(a.as_fd()).unwrap();
        driver.deregister(&first, a.as_fd());
        let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let (second, _) = driver.register(b.as_fd()).unwrap();
        assert_eq!(first.key, second.key, "the slot is reused");
        assert_ne!(first.token, second.token);
        assert_eq!(second.token.0 & KEY_MASK, second.key);
        assert_ne!(second.token, WAKE);
    }
}
