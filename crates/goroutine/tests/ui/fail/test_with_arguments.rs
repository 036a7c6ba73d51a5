#[goroutine::test]
async fn doubles(n: u32) {
    assert_eq!(n * 2, n + n);
}

fn main() {}
