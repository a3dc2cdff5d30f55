module example.com/holdup-bench/ppscan

go 1.19

require github.com/maruel/panicparse/v2 v2.3.0

// The panicparse library comes from Debian's golang-github-maruel-panicparse-dev
// (2.3.0-1): apt-get install -y golang-github-maruel-panicparse-dev
// Only its stack package is used; that package imports the standard library only.
replace github.com/maruel/panicparse/v2 => /usr/share/gocode/src/github.com/maruel/panicparse/v2

replace github.com/google/go-cmp => /usr/share/gocode/src/github.com/google/go-cmp

replace github.com/mattn/go-colorable => /usr/share/gocode/src/github.com/mattn/go-colorable

replace github.com/mattn/go-isatty => /usr/share/gocode/src/github.com/mattn/go-isatty

replace github.com/mgutz/ansi => /usr/share/gocode/src/github.com/mgutz/ansi

replace golang.org/x/sys => /usr/share/gocode/src/golang.org/x/sys
