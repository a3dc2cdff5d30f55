module example.com/holdup/pprof

go 1.19
