// How late a 1 ms sleep ends beside goroutines that keep the Ps busy: the
// Go side of examples/timer_lateness.rs (same arguments after the
// runtime's name: WORKERS PAIRS SPIN_US).
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"time"
)

func spin(us int) {
	t := time.Now()
	for time.Since(t) < time.Duration(us)*time.Microsecond {
	}
}

func main() {
	arg := func(i int) int {
		v, err := strconv.Atoi(os.Args[i])
		if err != nil {
			panic("usage: lateness WORKERS PAIRS SPIN_US")
		}
		return v
	}
	workers, pairs, spinUs := arg(1), arg(2), arg(3)
	runtime.GOMAXPROCS(workers)
	for p := 0; p < pairs; p++ {
		ping, pong := make(chan struct{}), make(chan struct{})
		go func() {
			for {
				spin(spinUs)
				ping <- struct{}{}
				<-pong
			}
		}()
		go func() {
			for range ping {
				spin(spinUs)
				pong <- struct{}{}
			}
		}()
	}
	done := make(chan []float64)
	go func() {
		late := make([]float64, 0, 200)
		for r := 0; r < 200; r++ {
			t := time.Now()
			time.Sleep(time.Millisecond)
			late = append(late, float64(time.Since(t)-time.Millisecond)/1e3)
		}
		sort.Float64s(late)
		done <- late
	}()
	late := <-done
	p := func(q float64) float64 { return late[int(float64(len(late)-1)*q)] }
	fmt.Printf("%-10s workers %d pairs %d spin %4d us: late p50 %9.1f p90 %9.1f p99 %9.1f us\n",
		"go", workers, pairs, spinUs, p(0.5), p(0.9), p(0.99))
}
