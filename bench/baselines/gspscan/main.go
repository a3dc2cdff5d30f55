// gspscan times DataDog/gostackparse's parser (gostackparse.Parse) on a
// goroutine dump file and prints how many goroutines it returned and how many
// it rejected (one error per goroutine it could not parse).
//
// -in says how the input reaches Parse: "file" (the *os.File itself, as in
// gostackparse.Parse(f); bufio.Scanner then reads 4 KiB at a time), "bufio"
// (a 1 MiB bufio.Reader over the file) or "mem" (os.ReadFile first, then a
// bytes.Reader; the read is timed too).
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/DataDog/gostackparse"
)

func main() {
	in := flag.String("in", "file", "file | bufio | mem")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gspscan [-in file|bufio|mem] FILE")
		os.Exit(2)
	}
	t0 := time.Now()
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer f.Close()
	var r io.Reader
	switch *in {
	case "file":
		r = f
	case "bufio":
		r = bufio.NewReaderSize(f, 1<<20)
	case "mem":
		b, err := io.ReadAll(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		r = bytes.NewReader(b)
	default:
		fmt.Fprintln(os.Stderr, "-in: file, bufio or mem")
		os.Exit(2)
	}
	gs, errs := gostackparse.Parse(r)
	d := time.Since(t0)
	fmt.Printf("%d goroutines, %d errors\n", len(gs), len(errs))
	for i, e := range errs {
		if i == 3 {
			break
		}
		fmt.Fprintln(os.Stderr, "error:", e)
	}
	fmt.Fprintf(os.Stderr, "parse: %v\n", d)
}
