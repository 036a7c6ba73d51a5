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
//! place of Go's stack. The first line comes from a panic hook installed
//! with the first such runtime (it chains to the hook it replaces, which
//! still reports every other panic, Rust's way); the rest comes from the
//! code that ends the process ([`report_and_exit`]). A program that sets a
//! panic hook of its own after that keeps its hook's output, followed by
//! the goroutine lines.

use std::cell::Cell;
use std::io::Write;
use std::panic::{Location, PanicHookInfo};
use std::sync::{Mutex, Once};

thread_local! {
    /// A panic on this thread, now, ends the process: the hook prints Go's
    /// `panic:` line instead of Rust's report.
    static ENDS_PROGRAM: Cell<bool> = const { Cell::new(false) };
}

/// Where the last panic that ends the process happened, for the report
/// (printed by the thread that ends it: main's, for the main goroutine).
static PANICKED_AT: Mutex<Option<String>> = Mutex::new(None);

static INSTALL: Once = Once::new();

/// Installs the hook (once per process).
pub(crate) fn install_hook() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if ENDS_PROGRAM.try_with(Cell::get).unwrap_or(false) {
                print_panic_line(info);
            } else {
                previous(info);
            }
        }));
    });
}

fn print_panic_line(info: &PanicHookInfo<'_>) {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("Box<dyn Any>");
    if let Ok(mut at) = PANICKED_AT.lock() {
        *at = info.location().map(ToString::to_string);
    }
    // What the program printed comes first, as Go's unbuffered stdout has it.
    let _ = std::io::stdout().flush();
    // Write errors ignored, as Rust's own hook does: a panic in the hook
    // (a closed stderr) would abort the process.
    let _ = writeln!(std::io::stderr().lock(), "panic: {message}");
}

/// Marks this thread's panics as ending the process (or not) until the
/// returned guard drops, which restores the previous mark.
pub(crate) fn ends_program(on: bool) -> Mark {
    Mark(ENDS_PROGRAM.replace(on))
}

/// See [`ends_program`].
pub(crate) struct Mark(bool);

impl Drop for Mark {
    fn drop(&mut self) {
        // Also while unwinding: the hook has run by then.
        let _ = ENDS_PROGRAM.try_with(|m| m.set(self.0));
    }
}

/// Prints the goroutine part of Go's report for goroutine `id` (`name`:
/// `" \"name\""` or empty), spawned at `created`, and exits with status 2.
pub(crate) fn report_and_exit(id: u64, name: &str, created: Option<&Location<'_>>) -> ! {
    let _ = std::io::stdout().flush();
    let mut out = format!("\ngoroutine {id}{name} [running]:\n");
    if let Some(at) = PANICKED_AT.lock().ok().and_then(|mut at| at.take()) {
        out.push_str(&format!("\tpanicked at {at}\n"));
    }
    if let Some(created) = created {
        out.push_str(&format!("\tcreated at {created}\n"));
    }
    let _ = std::io::stderr().lock().write_all(out.as_bytes());
    std::process::exit(2);
}
