#[goroutine::main(workers = 2, detect_deadlock = false, workers = 4)]
async fn main() {}
