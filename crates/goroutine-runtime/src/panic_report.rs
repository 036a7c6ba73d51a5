//! Go's report of a panic that ends the program.
//!
//! Where a panic ends the process with status 2 (any goroutine under
//! [`PanicPolicy::Abort`](crate::runtime::PanicPolicy::Abort), the main
//! goroutine of `#[goroutine::main]`), Go prints
//!
//! ```text
//! panic: boom
//!
//! goroutine 1 [running]:
//! main.main()
//!         /tmp/main.go:8 +0x27
//! ```
//!
//! and so do we, with the Rust locations of the panic and of the spawn in
//! place of Go's stack. The poll whose panic ends the program catches it
//! and hands its payload to [`report_and_exit`], which prints the whole
//! report: the message comes from the payload, so a panic re-raised with
//! `resume_unwind` (`JoinError::into_panic`, `ErrGroup::wait`) is reported
//! like any other. A panic hook, installed with the first such runtime and
//! chained to the hook it replaces, keeps Rust's own report off stderr
//! during those polls and notes where the panic happened; every other
//! panic still goes to the previous hook, Rust's way. So a panic that such
//! a poll catches itself (`catch_unwind`, Go's `recover`) prints nothing,
//! as in Go. Where no unwinding reaches that catch (a build with
//! `panic = "abort"`, or a destructor that panics during the unwind, which
//! aborts the process), the hook prints the `panic:` line itself first. A
//! program that sets a panic hook of its own after that keeps its hook's
//! output, followed by Go's report.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::io::Write;
use std::panic::{self, AssertUnwindSafe, Location, PanicHookInfo};
use std::sync::{Mutex, Once};

thread_local! {
    /// A panic on this thread, now, ends the process: the hook notes it
    /// (`PANICKED_AT`) instead of printing Rust's report.
    static ENDS_PROGRAM: Cell<bool> = const { Cell::new(false) };
    /// The last few panics the hook noted on this thread since the current
    /// mark was set, oldest first.
    static PANICKED_AT: RefCell<Vec<Noted>> = const { RefCell::new(Vec::new()) };
}

/// Panics kept in `PANICKED_AT`: a poll that recovers from more than this
/// many before one ends the program loses the oldest.
const NOTED_MAX: usize = 8;

/// The message std gives the panic that aborts the process when a
/// destructor panics during unwinding.
const CLEANUP_ABORT: &str = "panic in a destructor during cleanup";

/// A panic the hook saw, for the report.
struct Noted {
    message: String,
    /// Where the message's text lives: it stays put when the payload is
    /// boxed, caught and re-raised, so it tells this panic from another
    /// with the same text.
    text_at: usize,
    location: String,
}

static INSTALL: Once = Once::new();

/// Held by the thread that ends the process, so two goroutines panicking
/// at once do not interleave their reports.
static EXITING: Mutex<()> = Mutex::new(());

/// Installs the hook (once per process).
pub(crate) fn install_hook() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !ENDS_PROGRAM.try_with(Cell::get).unwrap_or(false) {
                previous(info);
            } else if cfg!(panic = "abort") {
                // No unwinding will reach the poll's catch: report now.
                print_now(message(info.payload()), info.location());
            } else if message(info.payload()) == CLEANUP_ABORT {
                // A destructor panicked while a panic unwound: the process
                // aborts before the poll's catch. Report what was noted,
                // then let Rust report the abort.
                let noted = PANICKED_AT.try_with(|p| p.take()).unwrap_or_default();
                for n in &noted {
                    print_now(&n.message, None);
                }
                previous(info);
            } else {
                note(info);
            }
        }));
    });
}

fn note(info: &PanicHookInfo<'_>) {
    if let Some(at) = info.location() {
        let message = message(info.payload());
        let noted = Noted {
            message: message.to_owned(),
            text_at: message.as_ptr() as usize,
            location: at.to_string(),
        };
        let _ = PANICKED_AT.try_with(|p| {
            let mut p = p.borrow_mut();
            if p.len() == NOTED_MAX {
                p.remove(0);
            }
            p.push(noted);
        });
    }
}

/// Go's first line, and where, for a panic no `report_and_exit` will
/// follow.
fn print_now(message: &str, at: Option<&Location<'_>>) {
    let mut out = format!("panic: {message}\n");
    if let Some(at) = at {
        out.push_str(&format!("\tpanicked at {at}\n"));
    }
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().lock().write_all(out.as_bytes());
}

/// A panic payload's message, as Rust's own hook finds it.
fn message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("Box<dyn Any>")
}

/// Runs `poll`, a poll whose panic ends the process: meanwhile the hook
/// keeps Rust's report of this thread's panics off stderr, and a panic
/// that gets out of `poll` is handed to `report`, which is to exit (its
/// callers pass functions returning `!`).
pub(crate) fn poll_ending_program<R>(
    poll: impl FnOnce() -> R,
    report: impl FnOnce(&(dyn Any + Send)) -> R,
) -> R {
    let _mark = ends_program();
    match panic::catch_unwind(AssertUnwindSafe(poll)) {
        Ok(out) => out,
        Err(payload) => report(&*payload),
    }
}

/// Marks this thread's panics as ending the process until the returned
/// guard drops, which restores the previous mark.
fn ends_program() -> Mark {
    let _ = PANICKED_AT.try_with(|p| p.borrow_mut().clear());
    Mark(ENDS_PROGRAM.replace(true))
}

/// See [`ends_program`].
struct Mark(bool);

impl Drop for Mark {
    fn drop(&mut self) {
        let _ = ENDS_PROGRAM.try_with(|m| m.set(self.0));
    }
}

/// Prints Go's report of `payload`, a panic of goroutine `id` (`name`:
/// `" \"name\""` or empty) spawned at `created`, and exits with status 2.
pub(crate) fn report_and_exit(
    id: u64,
    name: &str,
    created: Option<&Location<'_>>,
    payload: &(dyn Any + Send),
) -> ! {
    // Never unlocked: the process ends while this thread holds it.
    let exiting = EXITING.lock().unwrap_or_else(|e| e.into_inner());
    std::mem::forget(exiting);
    let message = message(payload);
    let mut out = format!("panic: {message}\n\ngoroutine {id}{name} [running]:\n");
    // Where it panicked, if the hook saw this very panic here: a payload
    // re-raised from another goroutine was noted elsewhere, if at all, and
    // one caught here before may have had the same text.
    let noted = PANICKED_AT.try_with(|p| p.take()).unwrap_or_default();
    let noted = noted
        .iter()
        .rev()
        .find(|n| n.message == message && n.text_at == message.as_ptr() as usize);
    if let Some(noted) = noted {
        out.push_str(&format!("\tpanicked at {}\n", noted.location));
    }
    if let Some(created) = created {
        out.push_str(&format!("\tcreated at {created}\n"));
    }
    // What the program printed comes first, as Go's unbuffered stdout has
    // it. Write errors ignored, as Rust's own hook does.
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().lock().write_all(out.as_bytes());
    std::process::exit(2);
}
