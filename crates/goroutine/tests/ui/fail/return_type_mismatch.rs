#[goroutine::main]
async fn main() -> Result<(), String> {
    let n: u32 = "7".parse()?;
    if n > 5 {
        return Err(n);
    }
    Ok(())
}
