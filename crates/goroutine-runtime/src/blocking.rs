//! The blocking pool: threads for `spawn_blocking`, started on demand up to
//! a maximum, each exiting after it has been idle for the keep-alive time.
//!
//! The queue is unbounded: once every thread is busy, closures wait their
//! turn (documented on `Builder::max_blocking_threads`).

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::loom::lock_std as lock;
use crate::runtime::{spawn_thread, ThreadSet};
use crate::scheduler::Shared;
use crate::task::Runnable;

pub(crate) struct Pool {
    state: Mutex<State>,
    cvar: Condvar,
    max_threads: usize,
    keep_alive: Duration,
    threads: Arc<ThreadSet>,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Runnable>,
    /// Threads started and not yet exited.
    threads: usize,
    /// Threads waiting for work.
    idle: usize,
    /// Wake-ups sent to idle threads and not yet consumed.
    notified: usize,
    shutdown: bool,
    handles: Vec<thread::JoinHandle<()>>,
}

impl Pool {
    pub(crate) fn new(max_threads: usize, keep_alive: Duration) -> Pool {
        Pool {
            state: Mutex::new(State::default()),
            cvar: Condvar::new(),
            max_threads,
            keep_alive,
            threads: Arc::new(ThreadSet::default()),
        }
    }

    /// Queues `task`, waking an idle thread or starting one.
    pub(crate) fn spawn(&self, task: Runnable, shared: &Arc<Shared>) {
        let mut st = lock(&self.state);
        if st.shutdown {
            drop(st);
            // Dropping the runnable cancels the task.
            return drop(task);
        }
        st.queue.push_back(task);
        if st.idle > st.notified {
            st.notified += 1;
            self.cvar.notify_one();
        } else if st.threads < self.max_threads {
            st.handles.retain(|h| !h.is_finished());
            let shared = shared.clone();
            let name = format!("{}-blocking", shared.config.thread_name);
            match spawn_thread(&self.threads, name, shared.config.stack_size, move || {
                // Entered, so that `spawn`, timers and the wake-ups and
                // drops of the goroutines this thread completes find their
                // runtime directly instead of through the global table.
                let _enter = crate::context::enter(crate::runtime::Handle {
                    shared: shared.clone(),
                });
                shared.blocking.run()
            }) {
                Ok(h) => {
                    st.threads += 1;
                    st.handles.push(h);
                }
                // Out of threads: the closure waits for a busy thread, if
                // any; with none at all it could never run, so say so.
                Err(e) if st.threads == 0 => {
                    panic!("goroutine: cannot start a blocking thread: {e}")
                }
                Err(_) => {}
            }
        }
    }

    /// A blocking thread's body.
    fn run(&self) {
        let mut st = lock(&self.state);
        loop {
            if let Some(task) = st.queue.pop_front() {
                drop(st);
                if task.metadata().is_aborted() {
                    // Aborted while queued: dropping the runnable drops the
                    // closure unrun, and the handle reports cancellation
                    // (a closure already running cannot be stopped).
                    drop(task);
                } else {
                    task.run();
                }
                st = lock(&self.state);
                continue;
            }
            if st.shutdown {
                break;
            }
            st.idle += 1;
            let (guard, timeout) = self
                .cvar
                .wait_timeout(st, self.keep_alive)
                .unwrap_or_else(|e| e.into_inner());
            st = guard;
            st.idle -= 1;
            if st.notified > 0 {
                st.notified -= 1;
            } else if timeout.timed_out() && st.queue.is_empty() {
                break;
            }
        }
        st.threads -= 1;
    }

    /// Drops queued closures, waits (until `deadline`) for running ones,
    /// and joins the threads that exited.
    pub(crate) fn shutdown(&self, deadline: Option<Instant>) {
        let queued: Vec<Runnable> = {
            let mut st = lock(&self.state);
            st.shutdown = true;
            st.queue.drain(..).collect()
        };
        // Cancelled: their JoinHandles report it.
        drop(queued);
        self.cvar.notify_all();
        let all_exited = self.threads.wait(deadline);
        let handles = std::mem::take(&mut lock(&self.state).handles);
        for h in handles {
            if all_exited || h.is_finished() {
                let _ = h.join();
            }
        }
    }

    /// Threads alive in the pool, idle ones included.
    pub(crate) fn threads(&self) -> usize {
        self.threads.live()
    }

    /// True if a closure is queued or running.
    pub(crate) fn is_busy(&self) -> bool {
        let st = lock(&self.state);
        !st.queue.is_empty() || st.threads > st.idle
    }
}
