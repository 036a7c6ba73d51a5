//! Model-based test: random sequences of channel operations, driven by hand
//! on one thread, checked step by step against a sequential model of Go's
//! channel semantics (plus this crate's rules for cancellation).
//!
//! The model: a buffer of capacity `cap`, FIFO queues of parked senders
//! (with their values) and receivers, and a closed flag. A send hands its
//! value to the first parked receiver, else buffers it if there is room,
//! else parks. A receive takes the buffer's head (and pulls the first parked
//! sender's value into the freed slot), else the first parked sender's
//! value, else `None` when closed, else parks. Close completes every parked
//! operation. A dropped receiver that was handed a value gives it to the
//! next parked receiver, else to the head of the buffer.

use futures::FutureExt;
use goroutine::chan::{
    self, Receiver, RecvFuture, SendError, SendFuture, Sender, TryRecvError, TrySendError,
};
use std::collections::{HashMap, VecDeque};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Default)]
struct Model {
    cap: usize,
    buf: VecDeque<u32>,
    closed: bool,
    sendq: VecDeque<(usize, u32)>,
    recvq: VecDeque<usize>,
    /// Finished parked sends: `Ok` or the value returned by close.
    sent: HashMap<usize, Result<(), u32>>,
    /// Finished parked receives.
    received: HashMap<usize, Option<u32>>,
}

impl Model {
    fn send_now(&mut self, v: u32) -> Option<Result<(), u32>> {
        if self.closed {
            return Some(Err(v));
        }
        if let Some(r) = self.recvq.pop_front() {
            self.received.insert(r, Some(v));
            return Some(Ok(()));
        }
        if self.buf.len() < self.cap {
            self.buf.push_back(v);
            return Some(Ok(()));
        }
        None
    }

    fn recv_now(&mut self) -> Option<Option<u32>> {
        if let Some(v) = self.buf.pop_front() {
            if self.buf.len() < self.cap {
                if let Some((s, sv)) = self.sendq.pop_front() {
                    self.buf.push_back(sv);
                    self.sent.insert(s, Ok(()));
                }
            }
            return Some(Some(v));
        }
        if let Some((s, sv)) = self.sendq.pop_front() {
            self.sent.insert(s, Ok(()));
            return Some(Some(sv));
        }
        if self.closed {
            return Some(None);
        }
        None
    }

    fn close(&mut self) -> bool {
        if self.closed {
            return false;
        }
        self.closed = true;
        for r in self.recvq.drain(..) {
            self.received.insert(r, None);
        }
        for (s, v) in self.sendq.drain(..) {
            self.sent.insert(s, Err(v));
        }
        true
    }

    fn drop_recv(&mut self, id: usize) {
        self.recvq.retain(|&r| r != id);
        if let Some(Some(v)) = self.received.remove(&id) {
            match self.recvq.pop_front() {
                Some(r) => {
                    self.received.insert(r, Some(v));
                }
                None => self.buf.push_front(v),
            }
        }
    }

    /// `cancel()` of a parked send: its value if undelivered.
    fn cancel_send(&mut self, id: usize) -> Option<u32> {
        if let Some(pos) = self.sendq.iter().position(|&(s, _)| s == id) {
            return self.sendq.remove(pos).map(|(_, v)| v);
        }
        match self.sent.remove(&id) {
            Some(Err(v)) => Some(v),
            _ => None,
        }
    }

    fn len(&self) -> usize {
        if self.cap == 0 {
            0
        } else {
            self.buf.len()
        }
    }
}

enum Pending<'a> {
    Send(usize, SendFuture<'a, u32>),
    Recv(usize, RecvFuture<'a, u32>),
}

fn run_case(seed: u64, cap: Option<usize>, steps: usize) {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let (tx, rx): (Sender<u32>, Receiver<u32>) = match cap {
        Some(c) => chan::bounded(c),
        None => chan::unbounded(),
    };
    let mut m = Model {
        cap: cap.unwrap_or(usize::MAX),
        ..Model::default()
    };
    let mut pending: Vec<Pending<'_>> = Vec::new();
    let mut next_id = 0;
    let mut next_value = 0u32;
    for step in 0..steps {
        let ctx = || format!("seed {seed}, cap {cap:?}, step {step}");
        match rng.below(100) {
            0..=19 => {
                // A new send, polled once.
                let (id, v) = (next_id, next_value);
                next_id += 1;
                next_value += 1;
                let mut f = tx.send(v);
                let got = (&mut f).now_or_never();
                let want = m.send_now(v);
                match want {
                    Some(r) => assert_eq!(got, Some(r.map_err(SendError)), "{}", ctx()),
                    None => {
                        assert!(got.is_none(), "{}: send should park", ctx());
                        m.sendq.push_back((id, v));
                        pending.push(Pending::Send(id, f));
                    }
                }
            }
            20..=39 => {
                // A new receive, polled once.
                let id = next_id;
                next_id += 1;
                let mut f = rx.recv();
                let got = (&mut f).now_or_never();
                match m.recv_now() {
                    Some(v) => assert_eq!(got, Some(v), "{}", ctx()),
                    None => {
                        assert!(got.is_none(), "{}: recv should park", ctx());
                        m.recvq.push_back(id);
                        pending.push(Pending::Recv(id, f));
                    }
                }
            }
            40..=59 if !pending.is_empty() => {
                // Poll a parked operation again.
                let i = rng.below(pending.len());
                let done = match &mut pending[i] {
                    Pending::Send(id, f) => {
                        let got = f.now_or_never();
                        let want = m.sent.remove(id).map(|r| r.map_err(SendError));
                        assert_eq!(got, want, "{}: re-poll of send {id}", ctx());
                        got.is_some()
                    }
                    Pending::Recv(id, f) => {
                        let got = f.now_or_never();
                        let want = m.received.remove(id);
                        assert_eq!(got, want, "{}: re-poll of recv {id}", ctx());
                        got.is_some()
                    }
                };
                if done {
                    pending.swap_remove(i);
                }
            }
            60..=69 if !pending.is_empty() => {
                // Cancel a parked operation.
                let i = rng.below(pending.len());
                match pending.swap_remove(i) {
                    Pending::Send(id, mut f) => {
                        assert_eq!(
                            f.cancel(),
                            m.cancel_send(id),
                            "{}: cancel of send {id}",
                            ctx()
                        );
                    }
                    Pending::Recv(id, f) => {
                        drop(f);
                        m.drop_recv(id);
                    }
                }
            }
            70..=79 => {
                let v = next_value;
                next_value += 1;
                let want = match m.send_now(v) {
                    Some(Ok(())) => Ok(()),
                    Some(Err(v)) => Err(TrySendError::Closed(v)),
                    None => Err(TrySendError::Full(v)),
                };
                assert_eq!(tx.try_send(v), want, "{}", ctx());
            }
            80..=91 => {
                let want = match m.recv_now() {
                    Some(Some(v)) => Ok(v),
                    Some(None) => Err(TryRecvError::Closed),
                    None => Err(TryRecvError::Empty),
                };
                assert_eq!(rx.try_recv(), want, "{}", ctx());
            }
            92..=93 => {
                assert_eq!(tx.close(), m.close(), "{}", ctx());
            }
            _ => {
                assert_eq!(rx.len(), m.len(), "{}: len", ctx());
                assert_eq!(rx.is_closed(), m.closed, "{}: closed", ctx());
            }
        }
    }
    // Drain: cancel every parked send, drop every parked receive, then
    // every value the model still buffers must come out, in order.
    for p in pending.drain(..) {
        match p {
            Pending::Send(id, mut f) => {
                assert_eq!(f.cancel(), m.cancel_send(id), "seed {seed}: final cancel")
            }
            Pending::Recv(id, f) => {
                drop(f);
                m.drop_recv(id);
            }
        }
    }
    let rest: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert_eq!(
        rest,
        Vec::from(m.buf.clone()),
        "seed {seed}, cap {cap:?}: leftovers"
    );
}

#[test]
fn random_operation_sequences_match_the_go_model() {
    let cases = if cfg!(miri) { 20 } else { 3_000 };
    for seed in 0..cases {
        for cap in [Some(0), Some(1), Some(2), Some(5), None] {
            run_case(seed, cap, 80);
        }
    }
}
