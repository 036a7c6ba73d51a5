//! The "Worker Pool" pattern from the Go text this project starts from:
//! three workers take jobs from a buffered channel and send results back.
//!
//! ```go
//! jobs := make(chan int, 100)
//! results := make(chan int, 100)
//! for w := 1; w <= 3; w++ {
//!     go worker(w, jobs, results)
//! }
//! for j := 1; j <= 5; j++ {
//!     jobs <- j
//! }
//! close(jobs)
//! for a := 1; a <= 5; a++ {
//!     <-results
//! }
//! ```
//!
//! Run: `cargo run -p goroutine --example chan_worker_pool`

use goroutine::chan::{self, Receiver, Sender};

/// `func worker(id int, jobs <-chan int, results chan<- int)`
async fn worker(id: u32, jobs: Receiver<u32>, results: Sender<u32>) {
    while let Some(j) = jobs.recv().await {
        // for j := range jobs
        println!("worker {id} started  job {j}");
        goroutine::yield_now().await; // stands in for time.Sleep(time.Second)
        println!("worker {id} finished job {j}");
        results.send(j * 2).await.unwrap();
    }
}

#[goroutine::main]
async fn main() {
    let (jobs_tx, jobs_rx) = chan::bounded(100); // jobs := make(chan int, 100)
    let (results_tx, results_rx) = chan::bounded(100); // results := make(chan int, 100)

    for w in 1..=3 {
        goroutine::go!(worker(w, jobs_rx.clone(), results_tx.clone()));
    }

    for j in 1..=5 {
        jobs_tx.send(j).await.unwrap(); // jobs <- j
    }
    jobs_tx.close(); // close(jobs)

    let mut sum = 0;
    for _ in 1..=5 {
        sum += results_rx.recv().await.unwrap(); // <-results
    }
    assert_eq!(sum, 2 * (1 + 2 + 3 + 4 + 5));
    println!("all 5 results in, sum {sum}");
}
