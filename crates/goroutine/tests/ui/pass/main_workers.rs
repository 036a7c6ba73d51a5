#[goroutine::main(workers = 2)]
async fn main() {
    assert_eq!(goroutine::spawn(async { 2 + 2 }).await.unwrap(), 4);
}
