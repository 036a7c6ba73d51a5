module goroutinebench

go 1.19
