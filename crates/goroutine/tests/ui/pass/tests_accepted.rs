// Outside `cargo test` these are compiled away; this checks the attribute
// accepts every supported form. `tests/macros_ui.rs` runs them for real.
#[goroutine::test]
async fn returns_unit() {}

#[goroutine::test(workers = 2, detect_deadlock = false)]
async fn returns_result() -> Result<(), std::num::ParseIntError> {
    let _: u8 = "1".parse()?;
    Ok(())
}

#[goroutine::test]
#[should_panic(expected = "boom")]
async fn panics() {
    panic!("boom");
}

#[goroutine::test]
#[ignore = "slow"]
async fn ignored() {}

fn main() {}
