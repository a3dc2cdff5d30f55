module example.com/holdup/labels

go 1.27
