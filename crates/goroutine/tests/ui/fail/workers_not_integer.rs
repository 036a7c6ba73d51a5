const N: usize = 4;

#[goroutine::main(workers = "4")]
async fn main() {}

#[goroutine::test(workers = N)]
async fn constant() {}

#[goroutine::test(workers = -2)]
async fn negative() {}

#[goroutine::test(workers = 1.5)]
async fn float() {}

#[goroutine::test(workers)]
async fn missing_value() {}
