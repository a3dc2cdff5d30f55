module example.com/holdup/ancestors

go 1.19
