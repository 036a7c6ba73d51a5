// A crate that re-exports goroutine points the macro at its own path.
mod framework {
    pub use goroutine as rt;
}

#[goroutine::main(crate = "goroutine")]
async fn main() {
    run();
}

#[goroutine::main(crate = "crate::framework::rt")]
async fn run() {}
