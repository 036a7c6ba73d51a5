//! Compile-time promises: which types are Send/Sync/Clone/Unpin, and how
//! big the hot ones are (a regression guard for the sizes in the docs).

use std::sync::Arc;

use goroutine::sync::futures::{Acquire, BarrierWait, CondWait, Done, Lock, Read, Wait, Write};
use goroutine::sync::{
    Barrier, Cond, ErrGroup, Mutex, MutexGuard, Once, OnceCell, OwnedSemaphorePermit, RwLock,
    RwLockReadGuard, RwLockWriteGuard, Semaphore, SemaphorePermit, WaitGroup,
};

fn send<T: Send>() {}
fn sync<T: Sync>() {}
fn handle<T: Clone + Send + Sync + 'static>() {}
fn unpin<T: Unpin>() {}

#[test]
fn handles_are_clone_send_sync_static() {
    handle::<WaitGroup>();
    handle::<ErrGroup<std::io::Error>>();
    handle::<goroutine::context::Context>();
    handle::<goroutine::context::CancelFunc>();
}

#[test]
fn primitives_are_send_and_sync() {
    fn both<T: Send + Sync>() {}
    both::<Mutex<Vec<u8>>>();
    both::<RwLock<Vec<u8>>>();
    both::<Once>();
    both::<OnceCell<String>>();
    both::<Semaphore>();
    both::<Cond>();
    both::<Barrier>();
    // A Mutex makes a Send-but-not-Sync value shareable, as std's does.
    both::<Mutex<std::cell::Cell<u8>>>();
}

#[test]
fn guards_and_futures_can_be_held_across_await_in_a_goroutine() {
    send::<MutexGuard<'static, Vec<u8>>>();
    send::<MutexGuard<'static, std::cell::Cell<u8>>>(); // Send when T: Send
    send::<RwLockReadGuard<'static, Vec<u8>>>();
    send::<RwLockWriteGuard<'static, Vec<u8>>>();
    send::<SemaphorePermit<'static>>();
    send::<OwnedSemaphorePermit>();
    sync::<MutexGuard<'static, Vec<u8>>>();
    send::<Lock<'static, Vec<u8>>>();
    send::<Read<'static, Vec<u8>>>();
    send::<Write<'static, Vec<u8>>>();
    send::<Acquire<'static>>();
    send::<Wait<'static>>();
    send::<BarrierWait<'static>>();
    send::<CondWait<'static, 'static, Vec<u8>>>();
    send::<Done<'static>>();
    unpin::<Lock<'static, ()>>();
    unpin::<Wait<'static>>();
    unpin::<Done<'static>>();

    // The async-fn futures too.
    fn future_is_send<F: std::future::Future + Send>(_: F) {}
    let cell = Arc::new(OnceCell::<u8>::new());
    future_is_send(async move { *cell.get_or_init(|| async { 1 }).await });
    let group = ErrGroup::<()>::new();
    future_is_send(group.wait());
}

#[test]
fn hot_types_stay_small() {
    use std::mem::size_of;
    assert_eq!(size_of::<WaitGroup>(), size_of::<usize>());
    assert_eq!(size_of::<Lock<'static, ()>>(), 16);
    assert_eq!(size_of::<Wait<'static>>(), 16);
    assert!(size_of::<Mutex<()>>() <= 64, "{}", size_of::<Mutex<()>>());
    // 64 B of state and wait list, plus 16 B of ticket counters that let a
    // served waiter see its grant without taking the lock.
    assert!(size_of::<Semaphore>() <= 80, "{}", size_of::<Semaphore>());
    // The cancellation node and the values: two pointers, as Go's
    // `context.Context` interface value is two words.
    assert_eq!(
        size_of::<goroutine::context::Context>(),
        2 * size_of::<usize>()
    );
}
