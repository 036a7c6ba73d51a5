#[goroutine::main(detect_deadlock = false, workers = 1)]
async fn main() {}
