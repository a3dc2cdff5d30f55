module example.com/holdup/generics-closures

go 1.19
