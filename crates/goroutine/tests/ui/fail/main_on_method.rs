struct Server;

impl Server {
    #[goroutine::main]
    async fn serve(&self) {}
}

fn main() {}
