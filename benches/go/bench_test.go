// Package goroutinebench holds Go's side of the goroutine benches: the
// workloads of ../spawn.rs, ../chan.rs, ../time.rs and ../memory.rs written
// in plain Go, so one report can put Go beside goroutine, tokio and
// async-executor. Run through run.sh, which sets GOMAXPROCS to the same
// worker count the Rust rows use.
//
// Every benchmark's op is one iteration of the Rust bench (one batch of
// spawns, one chain, ...) and reports "ns/elem": the time per element the
// Rust rows report through criterion's Throughput::Elements.
//
// spawn_remote has no Go counterpart: every `go` statement runs on a
// goroutine, there is no "plain thread outside the runtime".
package goroutinebench

import (
	"math/rand"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const (
	spawnMany     = 100_000
	chainDepth    = 1000
	yieldTasks    = 200
	yieldsPerTask = 1000
	roundTrips    = 10_000
	prodConsMsgs  = 100_000 // per iteration, over all producers
	selectMsgs    = 100_000
	tryOps        = 100_000
	parkedN       = 100_000
	sleepersN     = 1_000_000
)

// perElem reports the time per element, the unit of the Rust rows.
func perElem(b *testing.B, start time.Time, elems int) {
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*elems), "ns/elem")
}

// countdown is the Rust benches' Countdown: an atomic counter whose last
// decrement closes done.
type countdown struct {
	left int64
	done chan struct{}
}

func newCountdown(n int) *countdown {
	return &countdown{left: int64(n), done: make(chan struct{})}
}

func (c *countdown) finishOne() {
	if atomic.AddInt64(&c.left, -1) == 0 {
		close(c.done)
	}
}

// spawn_many: spawn N trivial goroutines from a goroutine, wait for all.
func BenchmarkSpawnMany(b *testing.B) {
	start := time.Now()
	for i := 0; i < b.N; i++ {
		cd := newCountdown(spawnMany)
		for j := 0; j < spawnMany; j++ {
			go cd.finishOne()
		}
		<-cd.done
	}
	perElem(b, start, spawnMany)
}

func chain(left int, done chan struct{}) {
	if left == 0 {
		close(done)
		return
	}
	go chain(left-1, done)
}

// chained_spawn: each goroutine spawns the next, depth 1000.
func BenchmarkChainedSpawn(b *testing.B) {
	start := time.Now()
	for i := 0; i < b.N; i++ {
		done := make(chan struct{})
		go chain(chainDepth, done)
		<-done
	}
	perElem(b, start, chainDepth)
}

// yield_many: 200 goroutines each call runtime.Gosched 1000 times.
func BenchmarkYieldMany(b *testing.B) {
	start := time.Now()
	for i := 0; i < b.N; i++ {
		cd := newCountdown(yieldTasks)
		for j := 0; j < yieldTasks; j++ {
			go func() {
				for k := 0; k < yieldsPerTask; k++ {
					runtime.Gosched()
				}
				cd.finishOne()
			}()
		}
		<-cd.done
	}
	perElem(b, start, yieldTasks*yieldsPerTask)
}

func pingPong(b *testing.B, capacity int) {
	start := time.Now()
	for i := 0; i < b.N; i++ {
		ping := make(chan struct{}, capacity)
		pong := make(chan struct{}, capacity)
		done := make(chan struct{})
		go func() {
			for k := 0; k < roundTrips; k++ {
				<-ping
				pong <- struct{}{}
			}
			close(done)
		}()
		for k := 0; k < roundTrips; k++ {
			ping <- struct{}{}
			<-pong
		}
		<-done
	}
	perElem(b, start, roundTrips)
}

// ping_pong (spawn row and channel row): round trips over unbuffered
// channels.
func BenchmarkPingPong(b *testing.B) { pingPong(b, 0) }

// ping_pong with capacity-1 channels, the closest Go has to the Rust rows'
// one-permit Notify (a wake that does not wait for the other side).
func BenchmarkPingPongNotify(b *testing.B) { pingPong(b, 1) }

// prod_cons: 4 producers, 4 consumers, one channel of capacity 100.
func BenchmarkProdCons4x4Cap100(b *testing.B) {
	const producers, consumers = 4, 4
	start := time.Now()
	for i := 0; i < b.N; i++ {
		c := make(chan int, 100)
		var prod, cons sync.WaitGroup
		prod.Add(producers)
		for p := 0; p < producers; p++ {
			go func() {
				for k := 0; k < prodConsMsgs/producers; k++ {
					c <- k
				}
				prod.Done()
			}()
		}
		cons.Add(consumers)
		for q := 0; q < consumers; q++ {
			go func() {
				for range c {
				}
				cons.Done()
			}()
		}
		prod.Wait()
		close(c)
		cons.Wait()
	}
	perElem(b, start, prodConsMsgs)
}

// select over 4 contended channels: 4 producers each send on their own
// channel (capacity 100); 4 consumers each select over all 4 channels and
// take a quarter of the messages.
func BenchmarkSelect4Contended(b *testing.B) {
	const n = 4
	start := time.Now()
	for i := 0; i < b.N; i++ {
		var cs [n]chan int
		for j := range cs {
			cs[j] = make(chan int, 100)
		}
		var wg sync.WaitGroup
		wg.Add(2 * n)
		for p := 0; p < n; p++ {
			c := cs[p]
			go func() {
				for k := 0; k < selectMsgs/n; k++ {
					c <- k
				}
				wg.Done()
			}()
		}
		for q := 0; q < n; q++ {
			go func() {
				for k := 0; k < selectMsgs/n; k++ {
					select {
					case <-cs[0]:
					case <-cs[1]:
					case <-cs[2]:
					case <-cs[3]:
					}
				}
				wg.Done()
			}()
		}
		wg.Wait()
	}
	perElem(b, start, selectMsgs)
}

// uncontended try_send + try_recv on a capacity-100 channel, one goroutine:
// one element is one pair.
func BenchmarkTrySendTryRecv(b *testing.B) {
	c := make(chan int, 100)
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for k := 0; k < tryOps; k++ {
			select {
			case c <- k:
			default:
				b.Fatal("full")
			}
			select {
			case <-c:
			default:
				b.Fatal("empty")
			}
		}
	}
	perElem(b, start, tryOps)
}

// 1M goroutines each sleep a random 1..100 ms: reports the total time and
// the process's peak RSS. run.sh runs it alone with -benchtime 1x so the
// peak belongs to it.
func BenchmarkSleepers1M(b *testing.B) {
	for i := 0; i < b.N; i++ {
		start := time.Now()
		var wg sync.WaitGroup
		wg.Add(sleepersN)
		for j := 0; j < sleepersN; j++ {
			d := time.Duration(1+rand.Intn(100)) * time.Millisecond
			go func() {
				time.Sleep(d)
				wg.Done()
			}()
		}
		wg.Wait()
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-total")
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "MB-peakRSS") // Maxrss is in KiB on Linux
	}
}

// liveBytes is what the Go runtime holds for goroutines and heap: stacks
// in use plus live heap, after a GC.
func liveBytes() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

// parked goroutines: bytes per goroutine blocked forever (the Rust memory
// rows). `chan` = each on its own unbuffered channel, channel included.
func parked(b *testing.B, ownChan bool) {
	for i := 0; i < b.N; i++ {
		stop := make(chan struct{})
		var started sync.WaitGroup
		started.Add(parkedN)
		chans := make([]chan struct{}, parkedN)
		before := liveBytes()
		for j := 0; j < parkedN; j++ {
			c := stop
			if ownChan {
				c = make(chan struct{})
				chans[j] = c
			}
			go func() {
				started.Done()
				select {
				case <-c:
				case <-stop:
				}
			}()
		}
		started.Wait()
		after := liveBytes()
		b.ReportMetric(float64(after-before)/parkedN, "B/goroutine")
		close(stop)
	}
}

func BenchmarkParked(b *testing.B)     { parked(b, false) }
func BenchmarkParkedChan(b *testing.B) { parked(b, true) }

const (
	syncOps     = 100_000
	syncTasks   = 8
	syncPermits = 2
	waitGroupN  = 1_000_000
)

// mutex_uncontended: one goroutine locks, increments, unlocks.
func BenchmarkMutexUncontended(b *testing.B) {
	var mu sync.Mutex
	counter := 0
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for k := 0; k < syncOps; k++ {
			mu.Lock()
			counter++
			mu.Unlock()
		}
	}
	perElem(b, start, syncOps)
	if counter != b.N*syncOps {
		b.Fatal("lost increments")
	}
}

// mutex_contended8: 8 goroutines share one mutex.
func BenchmarkMutexContended8(b *testing.B) {
	start := time.Now()
	for i := 0; i < b.N; i++ {
		var mu sync.Mutex
		var wg sync.WaitGroup
		counter := 0
		wg.Add(syncTasks)
		for t := 0; t < syncTasks; t++ {
			go func() {
				for k := 0; k < syncOps/syncTasks; k++ {
					mu.Lock()
					counter++
					mu.Unlock()
				}
				wg.Done()
			}()
		}
		wg.Wait()
		if counter != syncOps {
			b.Fatal("lost increments")
		}
	}
	perElem(b, start, syncOps)
}

// semaphore_uncontended: a buffered channel as a semaphore (Go's idiom;
// x/sync/semaphore is not in the standard library), one goroutine.
func BenchmarkSemaphoreUncontended(b *testing.B) {
	sem := make(chan struct{}, syncPermits)
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for k := 0; k < syncOps; k++ {
			sem <- struct{}{}
			<-sem
		}
	}
	perElem(b, start, syncOps)
}

// semaphore_contended8: 8 goroutines on 2 permits, each yielding while it
// holds one.
func BenchmarkSemaphoreContended8(b *testing.B) {
	start := time.Now()
	for i := 0; i < b.N; i++ {
		sem := make(chan struct{}, syncPermits)
		var wg sync.WaitGroup
		wg.Add(syncTasks)
		for t := 0; t < syncTasks; t++ {
			go func() {
				for k := 0; k < syncOps/syncTasks; k++ {
					sem <- struct{}{}
					runtime.Gosched()
					<-sem
				}
				wg.Done()
			}()
		}
		wg.Wait()
	}
	perElem(b, start, syncOps)
}

// waitgroup_1m: wg.Add(n), n goroutines each wg.Done(), wg.Wait().
func BenchmarkWaitGroup1M(b *testing.B) {
	start := time.Now()
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		wg.Add(waitGroupN)
		for j := 0; j < waitGroupN; j++ {
			go wg.Done()
		}
		wg.Wait()
	}
	perElem(b, start, waitGroupN)
}
