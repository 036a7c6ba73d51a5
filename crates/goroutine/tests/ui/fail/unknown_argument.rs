#[goroutine::main(threads = 4)]
async fn main() {}

#[goroutine::test(flavor = "multi_thread")]
async fn uses_tokio_flavor() {}

#[goroutine::test(timeout = 5)]
async fn has_timeout() {}
