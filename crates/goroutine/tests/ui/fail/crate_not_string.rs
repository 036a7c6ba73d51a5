#[goroutine::main(crate = goroutine)]
async fn main() {}

#[goroutine::test(crate = "not a path")]
async fn bad_path() {}

