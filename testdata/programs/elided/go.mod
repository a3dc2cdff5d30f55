module example.com/holdup/elided

go 1.19
