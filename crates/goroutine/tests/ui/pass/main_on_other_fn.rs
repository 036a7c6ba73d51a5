// On a function not called `main`, the attribute starts a runtime per call.
#[goroutine::main(workers = 1)]
async fn compute() -> u32 {
    6 * 7
}

fn main() {
    assert_eq!(compute(), 42);
    assert_eq!(compute(), 42);
}
