module example.com/holdup/hangs

go 1.19
