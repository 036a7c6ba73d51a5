// Comparison server for benches/net.sh: a Go echo server written like
// goroutine's echo_server example (a 4 KiB buffer per connection, Read
// then Write, one goroutine per connection).
//
//	go build -o echo_server ./echo && GOMAXPROCS=2 ./echo_server [ADDR]
package main

import (
	"fmt"
	"log"
	"net"
	"os"
	"runtime"
)

func echo(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func main() {
	addr := "127.0.0.1:7000"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on %s (GOMAXPROCS=%d)\n", ln.Addr(), runtime.GOMAXPROCS(0))
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Print(err)
			continue
		}
		go echo(c)
	}
}
