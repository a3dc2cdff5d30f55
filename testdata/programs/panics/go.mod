module example.com/holdup/panics

go 1.19
