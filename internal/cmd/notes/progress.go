package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"netnotes/internal/stream"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// width is the width to wrap the report to: the terminal's, or 100.
func width(w io.Writer) int {
	if f, ok := w.(*os.File); ok && isTerminal(w) {
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil && ws.Col >= 40 {
			return min(int(ws.Col), 160)
		}
	}
	return 100
}

// progress shows, on a terminal, which chapters are running and a line per
// chapter as it ends.
type progress struct {
	w       io.Writer
	module  string
	running []string
}

func newProgress(w io.Writer, module string) *progress {
	return &progress{w: w, module: module}
}

func (p *progress) name(pkg string) string {
	if rest, ok := strings.CutPrefix(pkg, p.module+"/"); ok {
		return rest
	}
	return pkg
}

func (p *progress) event(e stream.Event, pkg *stream.Package) {
	if e.Test != "" || pkg == nil {
		return
	}
	switch e.Action {
	case "start":
		p.running = append(p.running, p.name(e.Package))
	case "pass", "fail", "skip":
		p.running = slices.DeleteFunc(p.running, func(s string) bool { return s == p.name(e.Package) })
		fmt.Fprint(p.w, "\r\033[K")
		if e.Action == "skip" { // no test files
			break
		}
		status := map[string]string{"pass": "ok", "fail": "FAIL"}[e.Action]
		verdicts := ""
		if pkg.Verdicts > 0 {
			verdicts = fmt.Sprintf("  %d verdicts", pkg.Verdicts)
		}
		fmt.Fprintf(p.w, "  %-4s %-22s %6.1fs%s\n", status, p.name(e.Package), e.Elapsed, verdicts)
	default:
		return
	}
	if len(p.running) > 0 {
		fmt.Fprintf(p.w, "\r\033[K  running: %s", strings.Join(p.running, ", "))
	}
}
