module lateness

go 1.19
