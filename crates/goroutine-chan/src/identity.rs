//! Channel identity, as Go's channels have it: two handles are equal when
//! they belong to the same channel (Go: "created by the same call to
//! make"), whatever their direction; they hash the same, so a channel can
//! key a map (`map[chan T]bool`).

use std::hash::{Hash, Hasher};
use std::ptr;

use crate::chan::Chan;
use crate::{Receiver, Sender};

fn id<T>(chan: &Chan<T>) -> *const Chan<T> {
    ptr::from_ref(chan)
}

/// Equal when both are handles of the same channel, as Go's `==` on
/// channels.
///
/// # Examples
///
/// ```
/// use std::collections::HashSet;
/// let (a, _ra) = goroutine::chan::bounded::<i32>(0);
/// let (b, _rb) = goroutine::chan::bounded::<i32>(0);
/// assert!(a == a.clone() && a != b);
/// let subscribers: HashSet<_> = [a.clone(), b, a].into_iter().collect();
/// assert_eq!(subscribers.len(), 2); // map[chan int]bool
/// ```
impl<T> PartialEq for Sender<T> {
    fn eq(&self, other: &Sender<T>) -> bool {
        ptr::eq(id(&self.chan), id(&other.chan))
    }
}

impl<T> Eq for Sender<T> {}

/// Hashes the channel's identity, consistent with `==`.
impl<T> Hash for Sender<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        id(&self.chan).hash(state);
    }
}

/// Equal when both are handles of the same channel, as Go's `==` on
/// channels.
///
/// # Examples
///
/// ```
/// let (_tx, rx) = goroutine::chan::unbounded::<i32>();
/// let (_tx2, rx2) = goroutine::chan::unbounded::<i32>();
/// assert!(rx == rx.clone() && rx != rx2);
/// ```
impl<T> PartialEq for Receiver<T> {
    fn eq(&self, other: &Receiver<T>) -> bool {
        ptr::eq(id(&self.chan), id(&other.chan))
    }
}

impl<T> Eq for Receiver<T> {}

/// Hashes the channel's identity, consistent with `==` (and with a
/// `Sender` of the same channel).
impl<T> Hash for Receiver<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        id(&self.chan).hash(state);
    }
}

/// A sender and a receiver compare equal when they are the two ends of one
/// channel, as a Go channel equals its send-only and receive-only views.
///
/// # Examples
///
/// ```
/// let (tx, rx) = goroutine::chan::bounded::<i32>(1);
/// let (_, other) = goroutine::chan::bounded::<i32>(1);
/// assert!(tx == rx && tx != other);
/// ```
impl<T> PartialEq<Receiver<T>> for Sender<T> {
    fn eq(&self, other: &Receiver<T>) -> bool {
        ptr::eq(id(&self.chan), id(&other.chan))
    }
}

/// See `PartialEq<Receiver<T>> for Sender<T>`.
///
/// # Examples
///
/// ```
/// let (tx, rx) = goroutine::chan::bounded::<i32>(1);
/// assert!(rx == tx);
/// ```
impl<T> PartialEq<Sender<T>> for Receiver<T> {
    fn eq(&self, other: &Sender<T>) -> bool {
        ptr::eq(id(&self.chan), id(&other.chan))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};

    fn hash_of(v: &impl Hash) -> u64 {
        let mut h = DefaultHasher::new();
        v.hash(&mut h);
        h.finish()
    }

    #[test]
    fn handles_of_one_channel_are_equal_and_hash_alike() {
        let (tx, rx) = crate::bounded::<u8>(0);
        let (tx2, rx2) = crate::bounded::<u8>(0);
        assert!(tx == tx.clone());
        assert!(rx == rx.clone());
        assert!(tx == rx);
        assert!(rx == tx);
        assert!(tx != tx2);
        assert!(rx != rx2);
        assert!(tx != rx2);
        assert!(rx2 != tx);
        assert_eq!(hash_of(&tx), hash_of(&tx.clone()));
        assert_eq!(hash_of(&tx), hash_of(&rx));
        assert_ne!(hash_of(&tx), hash_of(&tx2));
    }
}
