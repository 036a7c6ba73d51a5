//! What `Timer`, `Ticker`, `after`, `tick` and `after_func` share: a timer
//! that, when it fires, sends the time on a channel (or starts a goroutine)
//! from inside the timer driver, without a goroutine of its own.
//!
//! The timer's `Core` is its own waker: the driver "wakes" it when the
//! deadline passes, and the wake-up does the send. A mutex orders firing
//! against `stop`/`reset`, which is what gives Go 1.23's guarantee: once
//! `stop` or `reset` returns, no value prepared before it is sent, and the
//! one-slot buffer has been emptied, so none is received either.
//!
//! Lock order: the core's mutex, then the driver's (inside `TimerEntry`).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Wake, Waker};
use std::time::{Duration, Instant};

use goroutine_chan::{bounded, Receiver, Sender, TrySendError};
use goroutine_runtime::timer::TimerEntry;

/// A function to run in its own goroutine when the timer fires.
pub(crate) type Func = Box<dyn FnOnce() + Send + 'static>;

pub(crate) struct Core {
    state: Mutex<State>,
    tx: Sender<Instant>,
    /// The owner's receiver (`Timer`, `Ticker`), used to empty the channel
    /// on stop and reset. `after` and `tick` hand theirs to the caller and
    /// keep none, so that dropping it closes the channel and the next firing
    /// sees that nobody listens.
    rx: Option<Receiver<Instant>>,
}

struct State {
    entry: TimerEntry,
    /// True while the timer is set to fire (Go: `t.when > 0`).
    armed: bool,
    period: Option<Duration>,
    func: Option<Func>,
    /// An `after_func` timer: it runs `func` (once) and never sends.
    is_func: bool,
}

impl Core {
    /// A stopped timer with a one-slot channel, which keeps its receiver.
    pub(crate) fn new(period: Option<Duration>, func: Option<Func>) -> Arc<Core> {
        let (tx, rx) = bounded(1);
        Core::with_channel(period, func, tx, Some(rx))
    }

    /// A stopped timer whose receiver goes to the caller.
    pub(crate) fn detached(period: Option<Duration>) -> (Arc<Core>, Receiver<Instant>) {
        let (tx, rx) = bounded(1);
        (Core::with_channel(period, None, tx, None), rx)
    }

    fn with_channel(
        period: Option<Duration>,
        func: Option<Func>,
        tx: Sender<Instant>,
        rx: Option<Receiver<Instant>>,
    ) -> Arc<Core> {
        // Go never closes a timer's channel: a goroutine still receiving
        // from it after the timer is gone waits for ever, it does not get
        // a "closed" result.
        tx.keep_open();
        Arc::new(Core {
            state: Mutex::new(State {
                entry: TimerEntry::new(None),
                armed: false,
                period,
                is_func: func.is_some(),
                func,
            }),
            tx,
            rx,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn receiver(&self) -> &Receiver<Instant> {
        self.rx
            .as_ref()
            .expect("timers with an owner keep their receiver")
    }

    /// Arms the timer to fire `d` from now (never, if that overflows).
    pub(crate) fn start_after(self: &Arc<Self>, d: Duration) {
        let mut st = self.lock();
        self.arm(&mut st, Instant::now().checked_add(d));
    }

    fn arm(self: &Arc<Self>, st: &mut State, deadline: Option<Instant>) {
        st.entry.reset(deadline);
        st.armed = true;
        self.poll_entry(st);
    }

    /// Registers with the driver, or fires if the deadline has passed.
    fn poll_entry(self: &Arc<Self>, st: &mut State) {
        let waker = Waker::from(self.clone());
        let mut cx = Context::from_waker(&waker);
        if st.entry.poll_elapsed(&mut cx).is_ready() {
            self.fire(st, &mut cx);
        }
    }

    /// Delivers a due timer; `cx` carries this core's waker, for a ticker's
    /// next registration.
    fn fire(self: &Arc<Self>, st: &mut State, cx: &mut Context<'_>) {
        let now = Instant::now();
        if st.is_func {
            // Runs `f` the first time only (it is `FnOnce`); a timer reset
            // after that fires into nothing, and its channel stays empty.
            st.armed = false;
            if let Some(f) = st.func.take() {
                goroutine_runtime::go!(async move { f() });
            }
            return;
        }
        // A ticker arms its next tick before delivering this one, so
        // whoever receives the tick sees the ticker still registered.
        match st.period {
            Some(period) => {
                let last = st.entry.deadline().unwrap_or(now);
                let mut next = last + period;
                if next <= now {
                    // Behind by more than a period: skip the missed ticks.
                    let behind = (now - next).as_nanos() / period.as_nanos();
                    let skip = u32::try_from(behind + 1).unwrap_or(u32::MAX);
                    next += period.saturating_mul(skip);
                }
                st.entry.reset(Some(next));
                // `next > now`, so this normally registers. If the driver's
                // clock has already passed `next` (this thread was delayed
                // since `now`), the entry is due at once and nothing is
                // registered: skip that tick too, or the ticker would stay
                // armed with no registration and never tick again.
                while st.entry.poll_elapsed(cx).is_ready() {
                    next += period;
                    st.entry.reset(Some(next));
                }
            }
            None => st.armed = false,
        }
        match self.tx.try_send(now) {
            // Full: the reader has not taken the previous tick; a slow
            // reader misses ticks rather than queueing them, as in Go.
            Ok(()) | Err(TrySendError::Full(_)) => {}
            // Every receiver is gone (`after`/`tick` dropped, which closes
            // the channel): nobody can ever read this timer again.
            Err(TrySendError::Closed(_)) => {
                st.armed = false;
                st.entry.cancel();
            }
        }
    }

    /// Stops the timer. True if it had not yet delivered: it was armed, or
    /// its value was still waiting in the channel (which this empties).
    pub(crate) fn stop(&self) -> bool {
        let mut st = self.lock();
        self.stop_locked(&mut st)
    }

    fn stop_locked(&self, st: &mut State) -> bool {
        // Delivery only happens under this lock, so an armed timer has not
        // delivered, even if the driver already fired it (that wake-up will
        // find it disarmed).
        let was_armed = std::mem::replace(&mut st.armed, false);
        st.entry.reset(None);
        let drained = self.rx.as_ref().is_some_and(|rx| rx.try_recv().is_ok());
        was_armed || drained
    }

    /// Stops, then arms for `now + d` (and, for tickers, a new period).
    pub(crate) fn reset(self: &Arc<Self>, d: Duration, period: Option<Duration>) -> bool {
        let mut st = self.lock();
        let active = self.stop_locked(&mut st);
        if period.is_some() {
            st.period = period;
        }
        self.arm(&mut st, Instant::now().checked_add(d));
        active
    }

    /// Stops the timer for good (its owner is gone).
    pub(crate) fn shut(&self) {
        let mut st = self.lock();
        st.armed = false;
        st.entry.cancel();
    }
}

impl Wake for Core {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    /// The driver's call: the deadline may have passed.
    fn wake_by_ref(self: &Arc<Self>) {
        let mut st = self.lock();
        // A stale wake-up (stopped or reset meanwhile) re-polls the current
        // registration, which either is not due or registers afresh.
        if st.armed {
            self.poll_entry(&mut st);
        }
    }
}
