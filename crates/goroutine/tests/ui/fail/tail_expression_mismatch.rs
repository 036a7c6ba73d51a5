#[goroutine::main]
async fn main() {
    1 + 1
}
