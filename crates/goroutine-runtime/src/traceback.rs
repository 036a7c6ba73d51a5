//! `GOROUTINE_TRACEBACK=1`: on `SIGQUIT` (Ctrl-\), print every goroutine of
//! every runtime and exit with status 2, as Go does.
//!
//! The signal handler itself only writes to a pipe (through `signal-hook`);
//! a thread started on the first runtime's creation, and only when the
//! variable is set, reads it and prints the dump.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Once;

/// 1 once the `SIGQUIT` thread runs (the deadlock check counts it as one of
/// the runtime's own threads).
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// Threads this module started.
pub(crate) fn threads() -> usize {
    THREADS.load(Relaxed)
}

/// Starts the `SIGQUIT` thread once per process if `GOROUTINE_TRACEBACK` is
/// set to a value other than `0` / `none`.
pub(crate) fn install_from_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let wanted = std::env::var("GOROUTINE_TRACEBACK")
            .is_ok_and(|v| !matches!(v.trim(), "" | "0" | "none"));
        if wanted {
            install();
        }
    });
}

#[cfg(unix)]
fn install() {
    use signal_hook::consts::SIGQUIT;
    use signal_hook::iterator::Signals;
    let Ok(mut signals) = Signals::new([SIGQUIT]) else {
        return;
    };
    let started = std::thread::Builder::new()
        .name("goroutine-traceback".to_owned())
        .spawn(move || {
            if signals.forever().next().is_some() {
                let mut out = String::from("SIGQUIT: quit\n\n");
                for shared in crate::runtime::all_runtimes() {
                    out.push_str(&crate::debug::dump_of(&shared));
                }
                use std::io::Write;
                let _ = std::io::stdout().flush();
                let stderr = std::io::stderr();
                let mut e = stderr.lock();
                let _ = e.write_all(out.as_bytes());
                let _ = e.flush();
                drop(e);
                std::process::exit(2);
            }
        });
    if started.is_ok() {
        THREADS.store(1, Relaxed);
    }
}

#[cfg(not(unix))]
fn install() {}
