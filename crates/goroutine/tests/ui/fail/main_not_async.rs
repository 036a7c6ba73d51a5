#[goroutine::main]
fn main() {
    println!("hello");
}
