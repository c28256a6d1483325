// Package scratch gives a test process one temporary directory that holds
// everything the process and its children make there (t.TempDir,
// os.MkdirTemp, a runtime's root file system), and removes what a killed
// process left.
//
// A test's cleanup removes its temporary directories, but a process
// killed with SIGKILL runs no cleanup: `go test ./veth` killed mid-run
// left /tmp/TestV8CPodman... behind. So the process points TMPDIR at a
// directory of its own, $TMPDIR/netnotes-tmp-XXXX, and holds an flock on
// it for as long as it lives; the kernel drops the lock when the process
// dies, however it dies. Every test process first sweeps: it removes each
// netnotes-tmp- directory whose lock it can take. No pid is involved,
// which a process in another PID namespace (a container sharing /tmp)
// would read as some other process. While one process makes its directory
// and locks it, it holds a shared flock on $TMPDIR itself, and a sweep an
// exclusive one, so that no sweep takes a directory between the two.
package scratch

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Prefix starts the name of every scratch directory.
const Prefix = "netnotes-tmp-"

// Take sweeps the scratch directories of dead processes from $TMPDIR,
// makes this process's own there, holds it, and points TMPDIR at it. It
// returns the directory and a function that removes it (call it as the
// process ends).
//
// A test process started by another one (a helper process, a drill's
// stand-in) finds its TMPDIR a scratch directory already: it works there,
// and the process that holds it removes it.
func Take() (dir string, release func(), err error) {
	parent := os.TempDir()
	if strings.HasPrefix(filepath.Base(parent), Prefix) {
		return parent, func() {}, nil
	}
	dir, remove, err := Hold(parent)
	if err != nil {
		return "", nil, err
	}
	if err := os.Setenv("TMPDIR", dir); err != nil {
		remove()
		return "", nil, err
	}
	return dir, func() {
		_ = os.Setenv("TMPDIR", parent)
		remove()
	}, nil
}

// Hold sweeps parent of the scratch directories no process holds, makes
// one of this process's own there and holds it by a shared flock, which a
// sweep's exclusive one cannot take, until release removes it. A killed
// process's directory is the next Hold's (or Sweep's) to remove, in
// whatever PID namespace that runs: the matrix keeps each run's test
// binaries so in its cache, where two runs at once once overwrote each
// other's.
func Hold(parent string) (dir string, release func(), err error) {
	Sweep(parent)
	unlock, err := lock(parent, unix.LOCK_SH)
	if err != nil {
		return "", nil, err
	}
	defer unlock()
	dir, err = os.MkdirTemp(parent, Prefix)
	if err != nil {
		return "", nil, err
	}
	// As /tmp is: a test's child running as another user (U9's client as
	// uid 65534) reaches, and may make, what it needs here.
	if err := os.Chmod(dir, os.ModeSticky|0o777); err != nil {
		_ = os.Remove(dir)
		return "", nil, err
	}
	held, err := os.Open(dir)
	if err == nil {
		err = unix.Flock(int(held.Fd()), unix.LOCK_SH|unix.LOCK_NB)
	}
	if err != nil {
		_ = os.Remove(dir)
		return "", nil, fmt.Errorf("holding %s: %w", dir, err)
	}
	return dir, func() {
		_ = os.RemoveAll(dir)
		_ = held.Close()
	}, nil
}

// Sweep removes the scratch directories in parent that no process holds,
// and returns their names.
func Sweep(parent string) []string {
	unlock, err := lock(parent, unix.LOCK_EX)
	if err != nil {
		return nil
	}
	defer unlock()
	entries, err := os.ReadDir(parent)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), Prefix) {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		f, err := os.Open(dir)
		if err != nil {
			continue
		}
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil && os.RemoveAll(dir) == nil {
			removed = append(removed, e.Name())
		}
		f.Close() // a lock held elsewhere (EWOULDBLOCK): its process lives
	}
	return removed
}

// lock takes an flock on the directory dir.
func lock(dir string, how int) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, fmt.Errorf("flock on %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}
