//! Cancellation, deadlines and request-scoped values across goroutines: Go's
//! `context` package.
//!
//! A [`Context`] is a handle on a node of a tree. [`with_cancel`],
//! [`with_timeout`] and [`with_deadline`] derive a child from a parent;
//! cancelling a node — by its [`CancelFunc`], by its deadline, or because
//! its parent was cancelled — cancels every node below it, and
//! [`Context::done`] resolves for everyone watching any of them.
//!
//! ```
//! use goroutine::context::{self, ContextError};
//!
//! # goroutine::block_on(async {
//! let (ctx, cancel) = context::with_cancel(&context::background());
//! let workers: Vec<_> = (0..3)
//!     .map(|_| {
//!         let ctx = ctx.clone();
//!         goroutine::spawn(async move {
//!             // Real work would race this against its own waiting in a
//!             // `select!`; here the goroutine only waits to be told to stop.
//!             ctx.done().await;
//!             ctx.err()
//!         })
//!     })
//!     .collect();
//! cancel.cancel(); // every goroutine watching `ctx` (or a child) wakes
//! for w in workers {
//!     assert_eq!(w.await.unwrap(), Some(ContextError::Canceled));
//! }
//! # });
//! ```
//!
//! # The tree
//!
//! Each derived context is one node: an atomic error code (read by
//! [`Context::err`] and the fast path of `done`), and under a small mutex
//! the list of its children (weak references), the `done` futures parked on
//! it, and its deadline timer. A child holds its parent strongly and knows
//! its slot in the parent's list.
//!
//! Cancelling a node (`cancel_one`): under its lock, if not yet cancelled,
//! store the error, unlink the parked `done` futures, take the children and
//! the timer; then, unlocked, wake the futures, stop the timer and cancel
//! the children the same way, depth-first from an explicit stack (no
//! recursion, so a long chain cannot overflow the stack). Only one lock is
//! ever held at a time.
//!
//! A node leaves its parent's list when it is cancelled by its own
//! `CancelFunc` or deadline (Go's `removeChild`) or when its last
//! `Context`/`CancelFunc` drops, so a long-lived parent does not accumulate
//! dead children. Cancelling a parent empties its list and, once cancelled,
//! a node takes no new children (a child derived from it starts cancelled
//! with the same error), so a child's slot is never reused under it.
//!
//! # Values
//!
//! [`with_value`] adds no node: the new context shares its parent's node
//! (so it is done exactly when the parent is) and puts one entry in front
//! of the parent's immutable list of values. Contexts derived from it carry
//! the list on, and [`Context::value`] walks it from the newest entry, as
//! Go's `ctx.Value` walks its chain of `valueCtx`.

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering::*};
use std::task::{ready, Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use goroutine_runtime::coop;
use goroutine_runtime::debug::{set_wait_reason, WaitReason};

use crate::list::{Key, List, Waiter, WakeList};
use crate::loom::lock_std as lock;
use crate::loom::std_sync::{Arc, Mutex, Weak};

/// A context's armed deadline (Go's `time.AfterFunc`, which is what
/// `after_func` is): `stop` returns true if it kept the cancel from running.
type DeadlineGuard = goroutine_time::Timer;

/// Why a context is done: Go's `context.Canceled` and
/// `context.DeadlineExceeded`.
///
/// # Examples
///
/// ```
/// use goroutine::context::ContextError;
/// assert_eq!(ContextError::Canceled.to_string(), "context canceled");
/// assert_eq!(ContextError::DeadlineExceeded.to_string(), "context deadline exceeded");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContextError {
    /// Cancelled by a [`CancelFunc`] (its own or an ancestor's).
    Canceled,
    /// Its deadline (or an ancestor's) passed.
    DeadlineExceeded,
}

impl ContextError {
    fn code(self) -> u8 {
        match self {
            ContextError::Canceled => 1,
            ContextError::DeadlineExceeded => 2,
        }
    }

    fn from_code(code: u8) -> Option<ContextError> {
        match code {
            1 => Some(ContextError::Canceled),
            2 => Some(ContextError::DeadlineExceeded),
            _ => None,
        }
    }
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ContextError::Canceled => "context canceled",
            ContextError::DeadlineExceeded => "context deadline exceeded",
        })
    }
}

impl Error for ContextError {}

/// Carries cancellation, a deadline and request-scoped values to the
/// goroutines working on one task: Go's `context.Context`.
///
/// Cheap to clone (two pointers: its cancellation node and its values);
/// clones are the same context. Pass it to each goroutine and have it
/// watch [`done`](Context::done).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use goroutine::context;
///
/// # goroutine::block_on(async {
/// let (ctx, _cancel) = context::with_timeout(&context::background(), Duration::from_millis(5));
/// ctx.done().await; // the deadline passes
/// assert_eq!(ctx.err(), Some(context::ContextError::DeadlineExceeded));
/// # });
/// ```
#[derive(Clone)]
pub struct Context {
    /// `None`: the background context, never done.
    node: Option<Arc<Node>>,
    /// The values, newest first; shared with the context's descendants.
    values: Option<std::sync::Arc<ValueNode>>,
}

/// Cancels the context it came with, and everything derived from it: Go's
/// `context.CancelFunc`.
///
/// Dropping it does *not* cancel (Go's rule), but once every
/// `CancelFunc` and `Context` clone of a node is gone the node leaves its
/// parent, so forgetting to cancel leaks nothing here. Still, cancel when
/// the work is done: it stops the node's deadline timer at once and tells
/// the goroutines still watching it.
///
/// # Examples
///
/// ```
/// use goroutine::context;
/// let (ctx, cancel) = context::with_cancel(&context::background());
/// let (child, _child_cancel) = context::with_cancel(&ctx);
/// cancel.cancel();
/// assert_eq!(child.err(), Some(context::ContextError::Canceled));
/// ```
#[derive(Clone)]
pub struct CancelFunc {
    node: Arc<Node>,
}

/// The root context: never cancelled, no deadline (Go's
/// `context.Background()`).
///
/// # Examples
///
/// ```
/// let bg = goroutine::context::background();
/// assert_eq!(bg.err(), None);
/// assert_eq!(bg.deadline(), None);
/// ```
pub fn background() -> Context {
    Context {
        node: None,
        values: None,
    }
}

/// The root context for code whose context is not decided yet: Go's
/// `context.TODO()`. It is the same as [`background`] (and prints as it
/// does in `Debug`); the name marks the call site as one to revisit.
///
/// # Examples
///
/// ```
/// let ctx = goroutine::context::todo();
/// assert_eq!(ctx.err(), None);
/// ```
pub fn todo() -> Context {
    background()
}

/// A context that carries `value` under `key`, and is otherwise `parent`
/// (done when `parent` is, with the same deadline): Go's
/// `context.WithValue`.
///
/// [`Context::value`] on it, or on any context derived from it, finds the
/// value again. Keys match when they have the same type and compare
/// equal, as Go's `interface{}` keys do; as in Go, give each package its
/// own key type so that keys of different packages cannot collide. Meant
/// for request-scoped data that crosses API boundaries (a request id, a
/// user), not for passing optional parameters.
///
/// # Examples
///
/// ```
/// use goroutine::context;
///
/// #[derive(PartialEq)]
/// struct RequestId; // a key type of our own
///
/// let ctx = context::with_value(&context::background(), RequestId, 42u64);
/// let (child, _cancel) = context::with_cancel(&ctx);
/// assert_eq!(child.value::<_, u64>(&RequestId), Some(&42));
/// assert_eq!(context::background().value::<_, u64>(&RequestId), None);
/// ```
pub fn with_value<K, V>(parent: &Context, key: K, value: V) -> Context
where
    K: PartialEq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    Context {
        node: parent.node.clone(),
        values: Some(std::sync::Arc::new(ValueNode {
            next: parent.values.clone(),
            entry: Some(Box::new((key, value))),
        })),
    }
}

/// A child of `parent` that is cancelled when `cancel` is called or when
/// `parent` is: Go's `context.WithCancel`.
///
/// If `parent` is already done, the child starts done with the same error.
///
/// # Examples
///
/// ```
/// use goroutine::context;
/// # goroutine::block_on(async {
/// let (ctx, cancel) = context::with_cancel(&context::background());
/// assert_eq!(ctx.err(), None);
/// cancel.cancel();
/// ctx.done().await;
/// assert_eq!(ctx.err(), Some(context::ContextError::Canceled));
/// # });
/// ```
pub fn with_cancel(parent: &Context) -> (Context, CancelFunc) {
    let node = Node::child_of(parent, parent.deadline());
    (parent.with_node(node.clone()), CancelFunc { node })
}

/// A child of `parent` that is also cancelled, with
/// [`ContextError::DeadlineExceeded`], once `timeout` has passed: Go's
/// `context.WithTimeout`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use goroutine::context;
/// # goroutine::block_on(async {
/// let (ctx, cancel) = context::with_timeout(&context::background(), Duration::from_secs(60));
/// assert!(ctx.deadline().is_some());
/// cancel.cancel(); // finished early: release the timer now
/// assert_eq!(ctx.err(), Some(context::ContextError::Canceled));
/// # });
/// ```
pub fn with_timeout(parent: &Context, timeout: Duration) -> (Context, CancelFunc) {
    match Instant::now().checked_add(timeout) {
        Some(at) => with_deadline(parent, at),
        None => with_cancel(parent), // beyond any clock: no deadline
    }
}

/// A child of `parent` that is also cancelled, with
/// [`ContextError::DeadlineExceeded`], at `deadline`: Go's
/// `context.WithDeadline`.
///
/// If `parent`'s deadline is earlier, the child keeps the parent's (and
/// reports it from [`Context::deadline`]); a deadline already past gives a
/// context that is done at once.
///
/// # Examples
///
/// ```
/// use std::time::Instant;
/// use goroutine::context;
/// let (ctx, _cancel) = context::with_deadline(&context::background(), Instant::now());
/// assert_eq!(ctx.err(), Some(context::ContextError::DeadlineExceeded));
/// ```
pub fn with_deadline(parent: &Context, deadline: Instant) -> (Context, CancelFunc) {
    if parent.deadline().is_some_and(|d| d <= deadline) {
        return with_cancel(parent); // the parent's deadline comes first
    }
    let node = Node::child_of(parent, Some(deadline));
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        node.cancel(ContextError::DeadlineExceeded);
    } else if node.err().is_none() {
        let weak = Arc::downgrade(&node);
        let timer = goroutine_time::after_func(left, move || {
            if let Some(node) = weak.upgrade() {
                node.cancel(ContextError::DeadlineExceeded);
            }
        });
        let mut inner = lock(&node.inner);
        if node.err().is_none() {
            inner.timer = Some(timer);
        } else {
            drop(inner);
            timer.stop(); // cancelled meanwhile (by the parent)
        }
    }
    (parent.with_node(node.clone()), CancelFunc { node })
}

impl Context {
    /// A future that resolves when the context is cancelled or its deadline
    /// passes: Go's `<-ctx.Done()`. For [`background`] it never resolves.
    ///
    /// Use it as a `select!` arm to stop waiting for something else.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::context;
    /// # goroutine::block_on(async {
    /// let (ctx, cancel) = context::with_cancel(&context::background());
    /// let watcher = {
    ///     let ctx = ctx.clone();
    ///     goroutine::spawn(async move { ctx.done().await })
    /// };
    /// cancel.cancel();
    /// watcher.await.unwrap(); // woken by the cancellation
    /// ctx.done().await; // already done: resolves at once
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future just stops watching.
    pub fn done(&self) -> Done<'_> {
        Done {
            node: self.node.as_deref(),
            key: None,
        }
    }

    /// Why the context is done, or `None` while it is not: Go's
    /// `ctx.Err()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::context;
    /// let (ctx, cancel) = context::with_cancel(&context::background());
    /// assert_eq!(ctx.err(), None);
    /// cancel.cancel();
    /// assert_eq!(ctx.err(), Some(context::ContextError::Canceled));
    /// ```
    pub fn err(&self) -> Option<ContextError> {
        self.node.as_ref().and_then(|n| n.err())
    }

    /// When the context will be cancelled by a deadline (its own or an
    /// ancestor's), if ever: Go's `ctx.Deadline()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use goroutine::context;
    /// let at = Instant::now() + Duration::from_secs(30);
    /// let (parent, _c1) = context::with_deadline(&context::background(), at);
    /// let (child, _c2) = context::with_timeout(&parent, Duration::from_secs(3600));
    /// assert_eq!(child.deadline(), Some(at)); // the earlier one wins
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.node.as_ref().and_then(|n| n.deadline)
    }

    /// The value stored under `key` by the nearest [`with_value`] on the
    /// way up to the root, if it is a `V`: Go's `ctx.Value(key).(V)`.
    ///
    /// `None` if no ancestor has the key, or if the nearest one that has it
    /// holds another type (as Go's type assertion fails then; the search
    /// does not go on past it).
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::context;
    ///
    /// #[derive(PartialEq)]
    /// enum Key { User, Trace }
    ///
    /// let ctx = context::with_value(&context::background(), Key::User, "gopher");
    /// let ctx = context::with_value(&ctx, Key::Trace, 7u32);
    /// let ctx = context::with_value(&ctx, Key::User, "ferris"); // shadows "gopher"
    /// assert_eq!(ctx.value::<_, &str>(&Key::User), Some(&"ferris"));
    /// assert_eq!(ctx.value::<_, u32>(&Key::Trace), Some(&7));
    /// assert_eq!(ctx.value::<_, u64>(&Key::Trace), None); // stored as u32
    /// ```
    pub fn value<K, V>(&self, key: &K) -> Option<&V>
    where
        K: PartialEq + 'static,
        V: 'static,
    {
        let mut at = self.values.as_deref();
        while let Some(node) = at {
            if let Some(v) = node.entry.as_ref().and_then(|e| e.lookup(key)) {
                return v.downcast_ref();
            }
            at = node.next.as_deref();
        }
        None
    }

    /// A context on `node` that carries this one's values.
    fn with_node(&self, node: Arc<Node>) -> Context {
        Context {
            node: Some(node),
            values: self.values.clone(),
        }
    }

    #[cfg(test)]
    fn child_count(&self) -> usize {
        self.node
            .as_ref()
            .map_or(0, |n| lock(&n.inner).children.len())
    }
}

impl Default for Context {
    /// The [`background`] context.
    fn default() -> Context {
        background()
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut values = 0;
        let mut at = self.values.as_deref();
        while let Some(node) = at {
            values += 1;
            at = node.next.as_deref();
        }
        match &self.node {
            None if values == 0 => f.write_str("context.Background"),
            node => f
                .debug_struct("Context")
                .field("err", &node.as_ref().and_then(|n| n.err()))
                .field("deadline", &node.as_ref().and_then(|n| n.deadline))
                .field("values", &values)
                .finish(),
        }
    }
}

/// One [`with_value`] entry and the entries above it. The list is
/// immutable, so it needs no lock; it is a `std` `Arc` even under loom.
/// The entry is boxed so that the `Arc` stays a thin pointer (a `Context`
/// is two words).
struct ValueNode {
    next: Option<std::sync::Arc<ValueNode>>,
    /// A `(K, V)`; `None` only while the node is being dropped.
    entry: Option<Box<dyn Entry>>,
}

/// A `(key, value)` pair of erased types.
trait Entry: Send + Sync {
    /// The value, if `key` is a `K` equal to this entry's key.
    fn lookup(&self, key: &dyn Any) -> Option<&dyn Any>;
}

impl<K, V> Entry for (K, V)
where
    K: PartialEq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    fn lookup(&self, key: &dyn Any) -> Option<&dyn Any> {
        match key.downcast_ref::<K>() {
            Some(k) if *k == self.0 => Some(&self.1),
            _ => None,
        }
    }
}

impl Drop for ValueNode {
    fn drop(&mut self) {
        // Unlink the entries this one kept alive one by one, so that a long
        // chain of values cannot overflow the stack. Each entry drops before
        // its `next` is looked at: a value may hold a context on the same
        // chain, and only once it is gone is `next` ours alone to unlink.
        drop(self.entry.take());
        let mut next = self.next.take();
        while let Some(mut node) = next {
            next = std::sync::Arc::get_mut(&mut node).and_then(|n| {
                drop(n.entry.take());
                n.next.take()
            });
            // `node` drops here with nothing left below it (or it is still
            // shared, and its other owner drops the rest later).
        }
    }
}

impl CancelFunc {
    /// Cancels the context (with [`ContextError::Canceled`]) and all its
    /// descendants, wakes everyone waiting on their `done`, and detaches it
    /// from its parent. Later calls do nothing; a context that is already
    /// done keeps its first error.
    ///
    /// # Examples
    ///
    /// ```
    /// use goroutine::context;
    /// let (ctx, cancel) = context::with_cancel(&context::background());
    /// cancel.cancel();
    /// cancel.cancel(); // no effect
    /// assert_eq!(ctx.err(), Some(context::ContextError::Canceled));
    /// ```
    pub fn cancel(&self) {
        self.node.cancel(ContextError::Canceled);
    }
}

impl fmt::Debug for CancelFunc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelFunc")
            .field("err", &self.node.err())
            .finish()
    }
}

/// One derived context.
struct Node {
    parent: Option<Arc<Node>>,
    /// Our slot in `parent`'s children, if we were registered there.
    key: Option<Key>,
    /// Cleared by the first `unregister`.
    registered: AtomicBool,
    deadline: Option<Instant>,
    /// 0 while live, else a `ContextError` code. Written once, under `inner`.
    err: AtomicU8,
    inner: Mutex<NodeInner>,
}

struct NodeInner {
    children: List<Weak<Node>>,
    waiters: List<Waiter<()>>,
    timer: Option<DeadlineGuard>,
}

impl NodeInner {
    const fn new() -> NodeInner {
        NodeInner {
            children: List::new(),
            waiters: List::new(),
            timer: None,
        }
    }
}

impl Node {
    /// A new node under `parent`: registered in its list, or, if the parent
    /// is already done, born done with the parent's error.
    fn child_of(parent: &Context, deadline: Option<Instant>) -> Arc<Node> {
        let Some(p) = &parent.node else {
            return Arc::new(Node::new(None, None, deadline, 0));
        };
        let mut inner = lock(&p.inner);
        // Relaxed: `err` is written under `inner`, which we hold.
        let code = p.err.load(Relaxed);
        if code != 0 {
            drop(inner);
            return Arc::new(Node::new(Some(p.clone()), None, deadline, code));
        }
        Arc::new_cyclic(|me| {
            let key = inner.children.push_back(me.clone());
            Node::new(Some(p.clone()), Some(key), deadline, 0)
        })
    }

    fn new(
        parent: Option<Arc<Node>>,
        key: Option<Key>,
        deadline: Option<Instant>,
        code: u8,
    ) -> Node {
        Node {
            parent,
            key,
            registered: AtomicBool::new(key.is_some()),
            deadline,
            err: AtomicU8::new(code),
            inner: Mutex::new(NodeInner::new()),
        }
    }

    fn err(&self) -> Option<ContextError> {
        // Acquire: pairs with the Release store in `cancel_one`.
        ContextError::from_code(self.err.load(Acquire))
    }

    /// Cancels this node and its subtree, and leaves the parent.
    fn cancel(&self, err: ContextError) {
        self.unregister();
        let mut stack: Vec<Arc<Node>> = Vec::new();
        let mut children = self.cancel_one(err);
        loop {
            stack.extend(children.drain(..).filter_map(|w| w.upgrade()));
            let Some(next) = stack.pop() else { break };
            children = next.cancel_one(err);
            // `next` may be the last handle: dropping it here runs
            // `Node::drop` with no lock held.
        }
    }

    /// Marks this node done and detaches what hangs below it; returns the
    /// children to cancel next. Does nothing if already done.
    fn cancel_one(&self, err: ContextError) -> Vec<Weak<Node>> {
        let mut inner = lock(&self.inner);
        if self.err.load(Relaxed) != 0 {
            return Vec::new();
        }
        // Release: a `done` or `err` that reads the code sees the
        // cancellation's causes too.
        self.err.store(err.code(), Release);
        let mut wakers = WakeList::new();
        while let Some(k) = inner.waiters.pop_front() {
            wakers.push(inner.waiters.get_mut(k).waker.take());
        }
        let mut children = Vec::with_capacity(inner.children.len());
        while let Some(k) = inner.children.front() {
            children.push(inner.children.remove(k));
        }
        let timer = inner.timer.take();
        drop(inner);
        // Go closes the context's done channel, which readies its waiters
        // last first.
        wakers.wake_all_last_first();
        if let Some(timer) = timer {
            timer.stop();
        }
        children
    }

    /// Leaves the parent's list (once). A cancelled parent has already
    /// emptied its list and takes no new children, so there is nothing to
    /// remove then.
    fn unregister(&self) {
        let (Some(parent), Some(key)) = (&self.parent, self.key) else {
            return;
        };
        // AcqRel: a one-shot flag between this drop and the parent's
        // cancel, which also clears it; whichever swaps first removes the
        // entry. (The removal itself is ordered by the parent's mutex.)
        if !self.registered.swap(false, AcqRel) {
            return;
        }
        let mut inner = lock(&parent.inner);
        if parent.err.load(Relaxed) == 0 {
            inner.children.remove(key);
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.unregister();
        let timer = match self.inner.get_mut() {
            Ok(inner) => inner.timer.take(),
            Err(poisoned) => poisoned.into_inner().timer.take(),
        };
        if let Some(timer) = timer {
            timer.stop();
        }
        // Drop the ancestors this node kept alive one by one instead of
        // recursively, so that a long chain of contexts cannot overflow
        // the stack.
        let mut next = self.parent.take();
        while let Some(parent) = next {
            next = match Arc::try_unwrap(parent) {
                Ok(mut node) => {
                    node.unregister();
                    node.parent.take()
                    // `node` drops here, with no parent left to recurse into.
                }
                Err(_) => None, // still used elsewhere
            };
        }
    }
}

/// Future returned by [`Context::done`].
///
/// # Examples
///
/// ```
/// use goroutine::context;
/// # goroutine::block_on(async {
/// let (ctx, cancel) = context::with_cancel(&context::background());
/// let done: context::Done<'_> = ctx.done();
/// cancel.cancel();
/// done.await;
/// # });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Done<'a> {
    node: Option<&'a Node>,
    key: Option<Key>,
}

impl Future for Done<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        let this = self.get_mut();
        let progress = ready!(coop::poll_proceed(cx));
        let Some(node) = this.node else {
            // Background: never done, like Go's nil Done channel.
            set_wait_reason(WaitReason::ChanRecvNil);
            return Poll::Pending;
        };
        if node.err.load(Acquire) == 0 {
            let mut inner = lock(&node.inner);
            if node.err.load(Relaxed) == 0 {
                match this.key {
                    Some(key) => inner.waiters.get_mut(key).register(cx.waker()),
                    None => this.key = Some(inner.waiters.push_back(Waiter::new(cx.waker(), ()))),
                }
                drop(inner);
                set_wait_reason(WaitReason::Context);
                return Poll::Pending;
            }
        }
        if let Some(key) = this.key.take() {
            lock(&node.inner).waiters.remove(key);
        }
        progress.made_progress();
        Poll::Ready(())
    }
}

impl Drop for Done<'_> {
    fn drop(&mut self) {
        if let (Some(node), Some(key)) = (self.node, self.key.take()) {
            lock(&node.inner).waiters.remove(key);
        }
    }
}

impl fmt::Debug for Done<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Done")
            .field("background", &self.node.is_none())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    use crate::poll_once as poll;

    #[test]
    fn dropped_children_leave_the_parent() {
        let (parent, _cancel) = with_cancel(&background());
        let n = if cfg!(miri) { 20 } else { 10_000 };
        let children: Vec<_> = (0..n).map(|_| with_cancel(&parent)).collect();
        assert_eq!(parent.child_count(), n);
        drop(children);
        assert_eq!(parent.child_count(), 0);
    }

    #[test]
    fn cancelling_a_parent_reaches_every_child_and_empties_its_list() {
        let (parent, cancel) = with_cancel(&background());
        let n = if cfg!(miri) { 20 } else { 10_000 };
        let children: Vec<_> = (0..n).map(|_| with_cancel(&parent)).collect();
        let mut dones: Vec<_> = children.iter().map(|(c, _)| c.done()).collect();
        assert!(dones.iter_mut().all(|d| poll(d).is_pending()));
        cancel.cancel();
        assert!(dones.iter_mut().all(|d| poll(d).is_ready()));
        assert!(children
            .iter()
            .all(|(c, _)| c.err() == Some(ContextError::Canceled)));
        assert_eq!(parent.child_count(), 0);
    }

    #[test]
    fn child_handles_keep_it_registered_until_the_last_drops() {
        let (parent, _cancel) = with_cancel(&background());
        let (child, child_cancel) = with_cancel(&parent);
        let clone = child.clone();
        drop(child);
        drop(child_cancel); // dropping a CancelFunc does not cancel
        assert_eq!(clone.err(), None);
        assert_eq!(parent.child_count(), 1);
        drop(clone);
        assert_eq!(parent.child_count(), 0);
    }

    #[test]
    fn cancelled_child_leaves_its_parent_at_once() {
        let (parent, _cancel) = with_cancel(&background());
        let (_child, child_cancel) = with_cancel(&parent);
        assert_eq!(parent.child_count(), 1);
        child_cancel.cancel();
        assert_eq!(parent.child_count(), 0);
        assert_eq!(
            parent.err(),
            None,
            "cancelling a child leaves the parent alone"
        );
    }

    #[test]
    fn cancel_reaches_grandchildren_and_wakes_their_done() {
        let (root, cancel) = with_cancel(&background());
        let (mid, _c1) = with_cancel(&root);
        let (leaf, _c2) = with_cancel(&mid);
        let mut done = leaf.done();
        assert!(poll(&mut done).is_pending());
        cancel.cancel();
        assert!(poll(&mut done).is_ready());
        assert_eq!(leaf.err(), Some(ContextError::Canceled));
        assert_eq!(mid.err(), Some(ContextError::Canceled));
    }

    #[test]
    fn child_of_a_cancelled_parent_starts_cancelled_and_unregistered() {
        let (parent, cancel) = with_cancel(&background());
        cancel.cancel();
        let (child, _c) = with_cancel(&parent);
        assert_eq!(child.err(), Some(ContextError::Canceled));
        assert_eq!(parent.child_count(), 0);
    }

    #[test]
    fn long_chain_drops_without_recursion() {
        let depth = if cfg!(miri) { 50 } else { 100_000 };
        let mut ctx = background();
        let mut cancels = Vec::new();
        for _ in 0..depth {
            let (c, f) = with_cancel(&ctx);
            ctx = c;
            cancels.push(f);
        }
        drop(cancels);
        drop(ctx); // would overflow the stack if ancestors dropped recursively
    }

    #[test]
    fn long_value_chain_drops_without_recursion() {
        let depth: usize = if cfg!(miri) { 50 } else { 100_000 };
        let mut ctx = background();
        for i in 0..depth {
            ctx = with_value(&ctx, i, i);
        }
        assert_eq!(ctx.value::<usize, usize>(&0), Some(&0));
        let shared = with_value(&ctx, "tip", ());
        drop(ctx); // the chain is still shared: nothing may be freed yet
        assert_eq!(shared.value::<usize, usize>(&0), Some(&0));
        drop(shared); // would overflow the stack if entries dropped recursively
    }

    #[test]
    fn value_chain_whose_values_hold_its_own_contexts_drops_without_recursion() {
        let depth: usize = if cfg!(miri) { 50 } else { 100_000 };
        let mut ctx = background();
        for i in 0..depth {
            let parent = ctx.clone();
            ctx = with_value(&ctx, i, parent);
        }
        assert!(ctx.value::<usize, Context>(&0).is_some());
        drop(ctx); // each value keeps the rest of the chain alive
    }

    #[test]
    fn background_done_never_resolves() {
        let bg = background();
        let mut done = bg.done();
        assert!(poll(&mut done).is_pending());
        assert_eq!(bg.err(), None);
    }
}
