#[derive(Debug)]
struct MyError;

#[goroutine::main]
async fn main() -> Result<(), MyError> {
    let _n: u32 = "7".parse()?;
    Ok(())
}
