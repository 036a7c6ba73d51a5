//! loom models of `RwLock`'s two-semaphore protocol: the writers' turn,
//! then every reader's permit (see rwlock.rs).

use ::loom::future::block_on;
use ::loom::sync::Arc;
use ::loom::thread;

use super::poll_once;
use crate::RwLock;

/// At the end of a model: nobody holds or waits for the lock, so every
/// permit and the turn came back.
fn assert_free(lock: &RwLock<usize>) {
    assert!(lock.try_write().is_some(), "a permit or the turn was lost");
}

/// A writer and a reader race: the reader sees the value before or after
/// the write, never a writer inside, and both finish.
#[test]
fn a_writer_and_a_reader_exclude_each_other() {
    ::loom::model(|| {
        let lock = Arc::new(RwLock::new(0usize));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || {
                let mut g = block_on(lock.write());
                assert!(lock.try_read().is_none());
                *g += 1;
            })
        };
        let seen = *block_on(lock.read());
        assert!(seen <= 1);
        writer.join().unwrap();
        assert_eq!(*block_on(lock.read()), 1);
        assert_free(&lock);
    });
}

/// A writer holding the turn, queued for the readers' permits, is dropped
/// while the reader inside leaves and another writer waits for the turn:
/// the turn passes on, and the other writer gets in.
#[test]
fn a_writer_dropped_while_waiting_for_readers_passes_the_turn() {
    ::loom::model(|| {
        let lock = Arc::new(RwLock::new(0usize));
        let reader = lock.try_read().unwrap();
        let dropped = {
            let lock = lock.clone();
            thread::spawn(move || {
                let mut w = lock.write();
                let _ = poll_once(&mut w);
                drop(w);
            })
        };
        let next = {
            let lock = lock.clone();
            thread::spawn(move || *block_on(lock.write()) += 1)
        };
        drop(reader);
        dropped.join().unwrap();
        next.join().unwrap();
        assert_eq!(*block_on(lock.read()), 1);
        assert_free(&lock);
    });
}

/// A writer's unlock races the next writer and a reader: both get in, in
/// some order, and nothing is left held.
#[test]
fn a_writer_unlock_racing_a_writer_and_a_reader_serves_both() {
    ::loom::model(|| {
        let lock = Arc::new(RwLock::new(0usize));
        let held = lock.try_write().unwrap();
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || *block_on(lock.write()) += 1)
        };
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || {
                let seen = *block_on(lock.read());
                assert!(seen <= 1);
            })
        };
        drop(held);
        writer.join().unwrap();
        reader.join().unwrap();
        assert_free(&lock);
    });
}
