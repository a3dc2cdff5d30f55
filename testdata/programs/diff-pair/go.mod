module example.com/holdup/diff-pair

go 1.19
