// Every mistake is reported at once, not one per compile.
#[goroutine::main(workers = 0, flavor = "current_thread", detect_deadlock = yes)]
fn main() {}
