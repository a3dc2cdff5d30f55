// ppscan times panicparse's parser (github.com/maruel/panicparse/v2/stack)
// on a goroutine dump file: stack.ScanSnapshot, called in a loop like the
// panicparse command does, so a file holding several dumps is read to the end.
//
// By default it only parses: Opts.NameArguments, GuessPaths and AnalyzeSources
// are off (no O(n²) argument naming, no disk scanning for sources).
// -aggregate also runs Snapshot.Aggregate(stack.AnyPointer), the grouping the
// panicparse command prints; -name-args turns argument naming on.
//
// Prints "<goroutines> goroutines in <snapshots> snapshot(s)" (and buckets)
// on stdout, and the time of each phase on stderr.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/maruel/panicparse/v2/stack"
)

func main() {
	aggregate := flag.Bool("aggregate", false, "also aggregate (group) the goroutines like the panicparse command (AnyPointer)")
	nameArgs := flag.Bool("name-args", false, "set Opts.NameArguments (O(n²) in the library's own words)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: ppscan [-aggregate] [-name-args] FILE")
		os.Exit(2)
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer f.Close()

	opts := stack.DefaultOpts()
	opts.NameArguments = *nameArgs
	opts.GuessPaths = false
	opts.AnalyzeSources = false

	t0 := time.Now()
	var in io.Reader = f
	var snaps []*stack.Snapshot
	for {
		s, suffix, err := stack.ScanSnapshot(in, io.Discard, opts)
		if s != nil {
			snaps = append(snaps, s)
		}
		if err == nil {
			in = io.MultiReader(bytes.NewReader(suffix), in)
			continue
		}
		if err != io.EOF {
			fmt.Fprintln(os.Stderr, "ppscan:", err)
		}
		break
	}
	tParse := time.Since(t0)
	n := 0
	for _, s := range snaps {
		n += len(s.Goroutines)
	}
	fmt.Printf("%d goroutines in %d snapshot(s)\n", n, len(snaps))
	fmt.Fprintf(os.Stderr, "parse: %v\n", tParse)
	if *aggregate {
		t1 := time.Now()
		b := 0
		for _, s := range snaps {
			b += len(s.Aggregate(stack.AnyPointer).Buckets)
		}
		fmt.Printf("%d buckets\n", b)
		fmt.Fprintf(os.Stderr, "aggregate: %v\n", time.Since(t1))
	}
}
