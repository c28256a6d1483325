package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// compiling tells the reader what go test is doing before any test runs:
// compiling every chapter's test binary, which on a cold build cache takes
// minutes with no output at all. It says so at once, then how long it has
// been at it (every few seconds on a terminal, in place; every 30 s in a
// log), until the first test binary starts (done, called from the
// collector) or go test ends (stop).
type compiling struct {
	w     io.Writer
	term  bool
	start time.Time
	quit  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

// compileHint is what the first line promises, as measured on the
// project's machine (CONTRIBUTING.md, "Running the notes in detail").
const compileHint = "about 2 min on a cold build cache, seconds on a warm one"

func startCompiling(w io.Writer, term bool) *compiling {
	c := &compiling{w: w, term: term, start: time.Now(), quit: make(chan struct{})}
	fmt.Fprintf(w, "notes: compiling the notes' tests (%s); they run as soon as the first is built\n", compileHint)
	every := 30 * time.Second
	if term {
		every = 2 * time.Second
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-c.quit:
				return
			case <-tick.C:
				if c.term {
					fmt.Fprintf(c.w, "\r\033[K  compiling: %s", c.elapsed())
				} else {
					fmt.Fprintf(c.w, "notes: still compiling, %s so far\n", c.elapsed())
				}
			}
		}
	}()
	return c
}

func (c *compiling) elapsed() time.Duration { return time.Since(c.start).Round(time.Second) }

// done ends the notice once the first test binary runs, with the time
// compiling took; stop ends it silently. Both wait for the ticker, so that
// nothing it prints lands among the progress lines; both may be called
// again.
func (c *compiling) done() { c.end(true) }
func (c *compiling) stop() { c.end(false) }

func (c *compiling) end(say bool) {
	c.once.Do(func() {
		close(c.quit)
		c.wg.Wait()
		if c.term {
			fmt.Fprint(c.w, "\r\033[K")
		}
		if say {
			fmt.Fprintf(c.w, "notes: the first tests run after %s of compiling\n", c.elapsed())
		}
	})
}
