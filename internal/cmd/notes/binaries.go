package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"netnotes/internal/records"
	"netnotes/internal/stream"
)

// openSave opens where -save writes the stream: a file, stdout for "-",
// nowhere for "".
func openSave(path string, stdout io.Writer) (io.WriteCloser, error) {
	switch path {
	case "":
		return nopCloser{io.Discard}, nil
	case "-":
		return nopCloser{stdout}, nil
	}
	return os.Create(path)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// binaryRun is one phase of go test, as the prebuilt binaries run it:
// each package's binary with the flags go test would pass it, up to
// parallel at a time.
type binaryRun struct {
	pkgs     []string // "./loopback"
	args     []string // -test.* flags
	parallel int
}

// binaryPhase turns a phase's go test arguments (see phases) into the
// binaries' own flags. A flag it does not know is an error rather than a
// run that quietly differs from go test's.
func binaryPhase(goArgs []string, scan *records.Scan) (binaryRun, error) {
	b := binaryRun{parallel: runtime.GOMAXPROCS(0)}
	// go test's defaults that a binary lacks: a timeout, and no exit 0
	// that a test could fake.
	timeout := "10m0s"
	b.args = []string{"-test.v=test2json", "-test.paniconexit0"}
	args := goArgs[1:] // "test"
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("go test flag %s without its value", a)
			}
			i++
			return args[i], nil
		}
		switch {
		case a == "-json":
		case a == "-tags": // built in
			if _, err := value(); err != nil {
				return b, err
			}
		case a == "-short":
			b.args = append(b.args, "-test.short")
		case strings.HasPrefix(a, "-count="):
			b.args = append(b.args, "-test.count="+strings.TrimPrefix(a, "-count="))
		case a == "-run" || a == "-skip":
			v, err := value()
			if err != nil {
				return b, err
			}
			b.args = append(b.args, "-test."+a[1:], v)
		case a == "-timeout":
			v, err := value()
			if err != nil {
				return b, err
			}
			timeout = v
		case a == "-p":
			v, err := value()
			if err != nil {
				return b, err
			}
			if b.parallel, err = strconv.Atoi(v); err != nil || b.parallel < 1 {
				return b, fmt.Errorf("go test -p %q: not a number of packages", v)
			}
		case strings.HasPrefix(a, "-"):
			return b, fmt.Errorf("go test flag %s: the prebuilt binaries cannot run it", a)
		case a == "./...":
			b.pkgs = append(b.pkgs, chaptersFirst(scan)...)
		default:
			b.pkgs = append(b.pkgs, a)
		}
	}
	b.args = append(b.args, "-test.timeout="+timeout)
	return b, nil
}

// runBinaries runs one phase with the prebuilt binaries in dir: each
// package's CHAPTER.test in the chapter's source directory (its testdata),
// under test2json, which turns its -test.v=test2json output into the
// stream go test -json gives. The streams go to col (and save) a whole
// line at a time. It returns which binaries exited non-zero, if any.
func runBinaries(dir, root string, scan *records.Scan, goArgs []string, col *stream.Reader, save io.Writer, stderr io.Writer) (string, error) {
	phase, err := binaryPhase(goArgs, scan)
	if err != nil {
		return "", err
	}
	t2j, err := test2json()
	if err != nil {
		return "", err
	}
	var (
		mu     sync.Mutex // col and save take one line at a time
		wg     sync.WaitGroup
		slots  = make(chan struct{}, phase.parallel)
		failed []string
		errs   []error
	)
	// The binaries run side by side and share stderr: one write at a time
	// (an *os.File would take it whole; a buffer would not).
	stderr = &lockedWriter{w: stderr}
	for _, pkg := range phase.pkgs {
		rel := strings.TrimPrefix(filepath.Clean(pkg), "./")
		bin := filepath.Join(dir, filepath.Base(rel)+".test") // as go test -c -o DIR/ names it
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("no test binary for %s: %w (build them with go test -c -tags sudo -o %s/ ./%s)", pkg, err, dir, rel)
		}
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			args := slices.Concat(t2j[1:], []string{"-t", "-p", scan.Module + "/" + rel, bin}, phase.args)
			cmd := exec.Command(t2j[0], args...)
			cmd.Dir = filepath.Join(root, rel)
			cmd.Stderr = stderr
			out, err := cmd.StdoutPipe()
			if err == nil {
				err = cmd.Start()
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("running %s: %w", bin, err))
				mu.Unlock()
				return
			}
			sc := bufio.NewScanner(out)
			sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
			for sc.Scan() {
				mu.Lock()
				col.Line(sc.Bytes())
				_, _ = save.Write(append(sc.Bytes(), '\n'))
				mu.Unlock()
			}
			err = errors.Join(sc.Err(), cmd.Wait())
			var exit *exec.ExitError
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.As(err, &exit):
				failed = append(failed, fmt.Sprintf("%s exited with status %d", filepath.Base(bin), exit.ExitCode()))
			case err != nil:
				errs = append(errs, fmt.Errorf("%s: %w", bin, err))
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	return strings.Join(failed, "; "), nil
}

// test2json is the command that turns a test binary's output into go test
// -json's stream: Go's own test2json, next to this program (the image
// ships it there) or on PATH; else `go tool test2json`.
func test2json() ([]string, error) {
	if exe, err := os.Executable(); err == nil {
		if p := filepath.Join(filepath.Dir(exe), "test2json"); isExecutable(p) {
			return []string{p}, nil
		}
	}
	if p, err := exec.LookPath("test2json"); err == nil {
		return []string{p}, nil
	}
	if p, err := exec.LookPath("go"); err == nil {
		return []string{p, "tool", "test2json"}, nil
	}
	return nil, errors.New("no test2json next to this program or on PATH, and no go command for `go tool test2json`")
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
