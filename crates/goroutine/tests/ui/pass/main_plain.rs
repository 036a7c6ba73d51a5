#[goroutine::main]
async fn main() {
    println!("hello from the main goroutine");
}
