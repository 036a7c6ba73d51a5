//! The "Worker Pool" pattern from the Go text this project starts from,
//! completed with the `worker` it calls and a `main`:
//!
//! ```go
//! func worker(jobs <-chan int, results chan<- int) {
//!     for j := range jobs {
//!         results <- j * 2
//!     }
//! }
//!
//! func workerPool() {
//!     jobs := make(chan int, 100)
//!     results := make(chan int, 100)
//!
//!     // Start workers
//!     for w := 1; w <= 3; w++ {
//!         go worker(jobs, results)
//!     }
//!
//!     // Send jobs
//!     for j := 1; j <= 5; j++ {
//!         jobs <- j
//!     }
//!     close(jobs)
//!
//!     // Collect results
//!     for a := 1; a <= 5; a++ {
//!         <-results
//!     }
//! }
//!
//! func main() {
//!     workerPool()
//! }
//! ```
//!
//! Like the Go program, it prints nothing: it only shows the shape.
//!
//! Run: `cargo run -p goroutine --example seed_worker_pool`

use goroutine::chan::{self, Receiver, Sender};

/// `func worker(jobs <-chan int, results chan<- int)`
async fn worker(jobs: Receiver<i32>, results: Sender<i32>) {
    while let Some(j) = jobs.recv().await {
        // for j := range jobs
        results.send(j * 2).await.unwrap(); // results <- j * 2
    }
}

async fn worker_pool() {
    let (jobs_tx, jobs_rx) = chan::bounded(100); // jobs := make(chan int, 100)
    let (results_tx, results_rx) = chan::bounded(100); // results := make(chan int, 100)

    // Start workers
    for _w in 1..=3 {
        goroutine::go!(worker(jobs_rx.clone(), results_tx.clone()));
    }

    // Send jobs
    for j in 1..=5 {
        jobs_tx.send(j).await.unwrap(); // jobs <- j
    }
    jobs_tx.close(); // close(jobs)

    // Collect results
    for _a in 1..=5 {
        results_rx.recv().await.unwrap(); // <-results
    }
}

#[goroutine::main]
async fn main() {
    worker_pool().await;
}
