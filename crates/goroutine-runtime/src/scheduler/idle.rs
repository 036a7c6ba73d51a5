//! Which workers sleep, and which search for work.
//!
//! The rule is Go's spinning-thread rule (proc.go, "Worker thread
//! parking/unparking"): a worker out of local work becomes a *searcher* if
//! fewer than half the workers already search; whoever makes work available
//! wakes a sleeping worker only when nobody is searching; and a searcher
//! that finds work while being the last searcher wakes another one. So a
//! burst of spawns wakes one worker at a time, never a thundering herd, yet
//! no runnable goroutine waits while a worker sleeps.
//!
//! Both sides need a StoreLoad barrier between "make my change visible" and
//! "look at the other side":
//!
//! ```text
//! submitter                         parking worker
//! push goroutine                    count myself parked (SeqCst RMW)
//! fence(SeqCst)                     fence(SeqCst)
//! load `state`: anyone searching?   look at the global queue again
//! ```
//!
//! Either the submitter sees the worker parked (and wakes one), or the
//! worker sees the goroutine (and stays up). Pushes to a worker's *own*
//! queue skip the fence: that worker runs the goroutine itself after its
//! current poll, so a missed wake-up there costs parallelism, never
//! progress. A spawn into its own LIFO slot does not skip it (its store is
//! SeqCst, `LifoSlot::put_spawned`): the spawner may compute for a long
//! time, and the steal is what lets the goroutine run meanwhile.

use crate::loom::atomic::AtomicUsize;
use crate::loom::atomic::Ordering::SeqCst;
use crate::loom::{lock, Mutex};

/// `state` layout: searching workers in the low bits, unparked above.
const UNPARKED_ONE: usize = 1 << 16;
const SEARCHING_MASK: usize = UNPARKED_ONE - 1;

pub(crate) struct Idle {
    /// `unparked << 16 | searching`.
    state: AtomicUsize,
    /// Worker threads running: the configured workers plus any extra ones
    /// the monitor started to stand in for blocked workers. Changed under
    /// the `sleepers` lock.
    num_workers: AtomicUsize,
    /// Parked workers by index. Changes to `state`'s unparked count are made
    /// under this lock, so the two agree.
    sleepers: Mutex<Vec<usize>>,
}

fn searching(state: usize) -> usize {
    state & SEARCHING_MASK
}

fn unparked(state: usize) -> usize {
    state / UNPARKED_ONE
}

impl Idle {
    /// All workers start unparked and not searching.
    pub(crate) fn new(num_workers: usize) -> Idle {
        assert!(num_workers < SEARCHING_MASK, "too many workers");
        Idle {
            state: AtomicUsize::new(num_workers * UNPARKED_ONE),
            num_workers: AtomicUsize::new(num_workers),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
        }
    }

    fn should_notify(&self) -> bool {
        // SeqCst: the load half of the submitter's StoreLoad pattern (the
        // fence, where needed, is issued by the caller).
        let state = self.state.load(SeqCst);
        searching(state) == 0 && unparked(state) < self.num_workers.load(SeqCst)
    }

    /// After making work visible: the worker to wake, if one should be. The
    /// chosen worker is counted as unparked and searching before it runs.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_notify() {
            return None;
        }
        let mut sleepers = lock(&self.sleepers);
        // Re-check under the lock: another submitter may have woken one.
        if !self.should_notify() {
            return None;
        }
        let worker = sleepers.pop()?;
        self.state.fetch_add(UNPARKED_ONE | 1, SeqCst);
        Some(worker)
    }

    /// A worker out of work asks to search. Refused when half the workers
    /// search already.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let state = self.state.load(SeqCst);
        if 2 * searching(state) >= self.num_workers.load(SeqCst) {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searcher found work. Returns true if it was the last searcher, in
    /// which case the caller wakes another worker to keep searching.
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(searching(prev) > 0);
        searching(prev) == 1
    }

    /// Records `worker` as parked. Returns true if it was the last searcher:
    /// then the caller must look at every queue once more before sleeping.
    pub(crate) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = lock(&self.sleepers);
        let dec = UNPARKED_ONE + usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(worker);
        is_searching && searching(prev) == 1
    }

    /// Takes `worker` off the sleepers list itself (it woke by timeout, or
    /// for shutdown). Returns false if a submitter had already woken it, in
    /// which case it is counted as searching.
    pub(crate) fn unpark_worker_by_id(&self, worker: usize) -> bool {
        let mut sleepers = lock(&self.sleepers);
        match sleepers.iter().position(|&w| w == worker) {
            Some(i) => {
                sleepers.swap_remove(i);
                self.state.fetch_add(UNPARKED_ONE, SeqCst);
                true
            }
            None => false,
        }
    }

    /// True while `worker` is on the sleepers list (not yet woken).
    pub(crate) fn is_parked(&self, worker: usize) -> bool {
        lock(&self.sleepers).contains(&worker)
    }

    /// Some parked worker, left on the sleepers list.
    pub(crate) fn any_sleeper(&self) -> Option<usize> {
        lock(&self.sleepers).last().copied()
    }

    /// An extra worker thread starts: one more worker, running.
    pub(crate) fn add_worker(&self) {
        let _sleepers = lock(&self.sleepers);
        self.num_workers.fetch_add(1, SeqCst);
        self.state.fetch_add(UNPARKED_ONE, SeqCst);
    }

    /// An extra worker thread (running, not searching) leaves for good.
    pub(crate) fn remove_worker(&self) {
        let _sleepers = lock(&self.sleepers);
        self.num_workers.fetch_sub(1, SeqCst);
        self.state.fetch_sub(UNPARKED_ONE, SeqCst);
    }

    /// True when every worker thread is parked.
    pub(crate) fn all_parked(&self) -> bool {
        unparked(self.state.load(SeqCst)) == 0
    }

    /// Number of workers currently unparked.
    #[cfg(test)]
    pub(crate) fn num_unparked(&self) -> usize {
        unparked(self.state.load(SeqCst))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_submitter_wakes_one_sleeper_and_not_while_one_searches() {
        let idle = Idle::new(4);
        assert_eq!(
            idle.worker_to_notify(),
            None,
            "all unparked: nobody to wake"
        );
        assert!(!idle.transition_worker_to_parked(0, false));
        assert!(!idle.transition_worker_to_parked(1, false));
        assert_eq!(idle.worker_to_notify(), Some(1));
        // Worker 1 now counts as searching: no second wake-up.
        assert_eq!(idle.worker_to_notify(), None);
        assert!(idle.transition_worker_from_searching());
        assert_eq!(idle.worker_to_notify(), Some(0));
    }

    #[test]
    fn at_most_half_the_workers_search() {
        let idle = Idle::new(4);
        assert!(idle.transition_worker_to_searching());
        assert!(idle.transition_worker_to_searching());
        assert!(!idle.transition_worker_to_searching());
        assert!(!idle.transition_worker_to_parked(2, true));
        assert!(idle.transition_worker_to_parked(3, true), "last searcher");
        assert_eq!(idle.num_unparked(), 2);
    }

    #[test]
    fn a_worker_can_unpark_itself_unless_already_woken() {
        let idle = Idle::new(2);
        idle.transition_worker_to_parked(1, false);
        assert!(idle.is_parked(1));
        assert!(idle.unpark_worker_by_id(1));
        assert!(!idle.is_parked(1));
        assert!(!idle.unpark_worker_by_id(1));
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::atomic::{fence, AtomicBool};
    use crate::loom::Arc;
    use crate::scheduler::park::Parker;
    use loom::thread;

    /// A worker parks while a submitter makes work visible and notifies:
    /// the worker never sleeps through the work (the StoreLoad protocol in
    /// the module docs). Models `Worker::park` against `Shared::push_remote`.
    #[test]
    fn loom_submitter_and_parking_worker_never_lose_the_wakeup() {
        loom::model(|| {
            let idle = Arc::new(Idle::new(1));
            let parker = Arc::new(Parker::new());
            let work = Arc::new(AtomicBool::new(false));

            let submitter = {
                let (idle, parker, work) = (idle.clone(), parker.clone(), work.clone());
                thread::spawn(move || {
                    work.store(true, SeqCst); // push to the injector
                    fence(SeqCst);
                    if idle.worker_to_notify().is_some() {
                        let _ = parker.unpark();
                    }
                })
            };

            // The worker found nothing and parks (not searching).
            idle.transition_worker_to_parked(0, false);
            fence(SeqCst);
            if work.load(SeqCst) {
                // Saw the work after counting itself parked: take itself
                // off the list and run it.
                idle.unpark_worker_by_id(0);
            } else {
                while idle.is_parked(0) {
                    parker.park(None);
                }
            }
            assert!(work.load(SeqCst), "woke up with no work visible");
            submitter.join().unwrap();
        });
    }
}
