//! `#[goroutine::main]` and `#[goroutine::test]`: the compile errors users
//! see (`ui/fail/*.rs` and their `.stderr`), programs that must build and run
//! (`ui/pass/*.rs`), and the test attribute used for real below.
//!
//! Regenerate the expected errors with
//! `TRYBUILD=overwrite cargo test -p goroutine --test macros_ui`, then read
//! the new `.stderr` files: each must say what to write instead.

/// Set to `true` once `goroutine_runtime::__private::run_main` runs futures
/// instead of being a stub.
const RUNTIME_LANDED: bool = false;

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    if RUNTIME_LANDED {
        t.pass("tests/ui/pass/*.rs");
    }
}
