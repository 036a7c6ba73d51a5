// Comparison server for benches/net.sh: Go's net/http "Hello, World!",
// with the same timeouts as goroutine's http_hello example (a request
// must arrive within 10 s, keep-alive connections idle for 120 s).
//
//	go build -o http_hello ./http && GOMAXPROCS=2 ./http_hello [ADDR]
package main

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"time"
)

func main() {
	addr := "127.0.0.1:8080"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	hello := []byte("Hello, World!")
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(hello)
	})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on http://%s (GOMAXPROCS=%d)\n", ln.Addr(), runtime.GOMAXPROCS(0))
	log.Fatal(srv.Serve(ln))
}
