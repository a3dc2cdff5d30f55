module example.com/holdup/waitkinds

go 1.19
