#[goroutine::main(detect_deadlock = "false")]
async fn main() {}

#[goroutine::test(detect_deadlock = off)]
async fn off() {}
