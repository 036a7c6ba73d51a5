#![deny(warnings)]

/// Doc comments, visibility and lint attributes survive the expansion.
#[goroutine::main]
#[allow(clippy::let_unit_value)]
pub async fn main() -> std::process::ExitCode {
    #![allow(unused_variables)]
    let unused = ();
    std::process::ExitCode::SUCCESS
}
