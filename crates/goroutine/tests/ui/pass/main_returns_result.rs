use std::error::Error;

async fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
    s.parse()
}

#[goroutine::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let n = parse("42").await?;
    if n != 42 {
        // `return` leaves `main`, as in any `async fn`.
        return Err(format!("parsed {n}").into());
    }
    Ok(())
}
