#[goroutine::main]
struct Main;

fn main() {}
