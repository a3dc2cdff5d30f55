module example.com/holdup/bigwaiters

go 1.19
