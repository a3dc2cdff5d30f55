module github.com/docker/docker

go 1.19

require github.com/moby/locker v1.0.1

replace github.com/moby/locker => ./third_party/locker
