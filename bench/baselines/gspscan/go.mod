module example.com/holdup-bench/gspscan

go 1.19

require github.com/DataDog/gostackparse v0.7.0

// gostackparse is not in any package registry reachable from this workplace
// (no Debian package, no Go module proxy). Put its gostackparse.go (and a
// go.mod saying `module github.com/DataDog/gostackparse`) in
// benchdata/gostackparse/ to build this harness; see bench/BASELINES.md.
replace github.com/DataDog/gostackparse => ../../../benchdata/gostackparse
