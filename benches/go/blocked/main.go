// The blocked-ticker program of issue 6, Go's side: with GOMAXPROCS=2, two
// goroutines block their threads for 1 s in a system call while a third
// runs a 5 ms ticker; prints how many ticks it saw in that second. Go's
// sysmon hands the blocked threads' Ps to other threads, so the ticker
// keeps ticking. syscall.Nanosleep (not time.Sleep, which parks the
// goroutine without blocking a thread) is the equivalent of Rust's
// std::thread::sleep. Run by ../../blocked_ticker.sh.
package main

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	var ticks int64
	stop := make(chan struct{})
	tickerDone := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				atomic.AddInt64(&ticks, 1)
			case <-stop:
				close(tickerDone)
				return
			}
		}
	}()
	time.Sleep(20 * time.Millisecond)
	before := atomic.LoadInt64(&ticks)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ts := syscall.NsecToTimespec(int64(time.Second))
			syscall.Nanosleep(&ts, nil)
		}()
	}
	wg.Wait()
	during := atomic.LoadInt64(&ticks) - before
	close(stop)
	<-tickerDone
	fmt.Printf("go (GOMAXPROCS=%d): %d ticks of 5 ms while two goroutines blocked for 1 s\n",
		runtime.GOMAXPROCS(0), during)
}
