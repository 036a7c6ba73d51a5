module goroutine-benches/net

go 1.19
