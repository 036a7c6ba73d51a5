//! Helpers shared by the tests that run example binaries.

use std::path::PathBuf;

/// The built example `name`, next to this test binary:
/// `target/<profile>/deps/<test>` -> `target/<profile>/examples/<name>`.
/// Panics with advice if it is not built (`cargo test` builds examples
/// before it runs tests; `cargo test --test <t>` alone does not).
pub(crate) fn example(name: &str) -> PathBuf {
    let mut p = std::env::current_exe().unwrap();
    p.pop();
    if p.ends_with("deps") {
        p.pop();
    }
    let p = p.join("examples").join(name);
    assert!(
        p.exists(),
        "{} is not built: run the tests with `cargo test` (which builds examples)",
        p.display()
    );
    p
}
