package sysrec_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/gate"
	"netnotes/internal/sysrec"
)

// record runs cmd under the recorder, skipping (through gate) where this
// machine refuses ptrace.
func record(t *testing.T, cmd sysrec.Command) *sysrec.Recording {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var rec *sysrec.Recording
	gate.Feature(t, "ptrace of a child process", func() error {
		var err error
		rec, err = sysrec.Run(ctx, cmd)
		return err
	})
	return rec
}

func TestRecordsPathsFlagsAndErrors(t *testing.T) {
	cat := gate.Binary(t, "cat", "coreutils")
	missing := filepath.Join(t.TempDir(), "missing")

	rec := record(t, sysrec.Command{Path: cat, Args: []string{missing}, Env: []string{"LC_ALL=C"}})

	assert.Equal(t, 1, rec.ExitCode, "cat of a missing file fails; output: %s", rec.Output)
	assert.Contains(t, string(rec.Output), "No such file")
	var seen []string
	for _, c := range rec.Calls {
		if p, ok := c.Path(); ok && p == missing {
			seen = append(seen, c.String())
			assert.Equal(t, unix.ENOENT, c.Errno, c.String())
			assert.True(t, c.Returned)
		}
	}
	require.NotEmpty(t, seen, "no call with the path %s among %d calls", missing, len(rec.Calls))
	t.Logf("calls on the missing path: %s", strings.Join(seen, "; "))
	last := rec.Calls[len(rec.Calls)-1]
	assert.Equal(t, "exit_group", last.Name)
	assert.False(t, last.Returned, "exit_group never returns")
}

func TestBadInputIsAnError(t *testing.T) {
	_, err := sysrec.Run(context.Background(), sysrec.Command{})
	assert.ErrorContains(t, err, "no program")
	_, err = sysrec.Run(context.Background(), sysrec.Command{Path: "/nonexistent/netnotes-prog"})
	assert.ErrorContains(t, err, "netnotes-prog")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = sysrec.Run(cancelled, sysrec.Command{Path: "true"})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestAnEndedContextKillsTheProgram(t *testing.T) {
	sleep := gate.Binary(t, "sleep", "coreutils")
	gate.Feature(t, "ptrace of a child process", func() error {
		_, err := sysrec.Run(context.Background(), sysrec.Command{Path: sleep, Args: []string{"0"}})
		return err
	})

	// The deadline starts now, not before the probe above: on a loaded
	// machine the probe alone took longer than it, and the program was
	// never started. A second leaves sleep time to reach its sleep.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	rec, err := sysrec.Run(ctx, sysrec.Command{Path: sleep, Args: []string{"60"}})

	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NotNil(t, rec, "the program was started: %v", err)
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Equal(t, unix.SIGKILL, rec.Signal, "the program was killed, and reaped")
	assert.NotEmpty(t, rec.Named("clock_nanosleep", "nanosleep"),
		"sleep was recorded up to its sleep")
}

func TestNamesFollowTheRunningArchitecture(t *testing.T) {
	nr, ok := sysrec.Number("unlinkat")
	require.True(t, ok)
	assert.Equal(t, "unlinkat", sysrec.Name(nr))
	_, hasUnlink := sysrec.Number("unlink")
	switch runtime.GOARCH {
	case "amd64":
		assert.True(t, hasUnlink)
		assert.Equal(t, uint64(263), nr)
	case "arm64":
		assert.False(t, hasUnlink, "arm64 has no unlink system call")
	}
	assert.Equal(t, "syscall_99999", sysrec.Name(99999))
}

func ExampleCall_String() {
	atFDCWD := int64(unix.AT_FDCWD)
	unlinkat, _ := sysrec.Number("unlinkat")
	fmt.Println(sysrec.Call{
		Nr: unlinkat, Name: "unlinkat",
		Args:     [6]uint64{uint64(atFDCWD), 0x7ffd0000, 0},
		Paths:    map[int]string{1: "111"},
		Returned: true,
	})
	fmt.Println(sysrec.Call{
		Nr: unlinkat, Name: "unlinkat",
		Args:     [6]uint64{4, 0x7ffd0000, unix.AT_REMOVEDIR},
		Paths:    map[int]string{1: "dir"},
		Returned: true,
	})
	fmt.Println(sysrec.Call{
		Name: "openat", Args: [6]uint64{uint64(atFDCWD), 0x7ffd0000, unix.O_RDONLY | unix.O_DIRECTORY},
		Paths: map[int]string{1: "dir"}, Ret: 3, Returned: true,
	})
	fmt.Println(sysrec.Call{
		Name: "openat", Args: [6]uint64{uint64(atFDCWD), 0x7ffd0000, unix.O_RDONLY | unix.O_CLOEXEC},
		Paths: map[int]string{1: "missing"}, Ret: -2, Errno: unix.ENOENT, Returned: true,
	})
	// Output:
	// unlinkat(AT_FDCWD, "111", 0) = 0
	// unlinkat(4, "dir", AT_REMOVEDIR) = 0
	// openat(AT_FDCWD, "dir", O_RDONLY|O_DIRECTORY) = 3
	// openat(AT_FDCWD, "missing", O_RDONLY|O_CLOEXEC) = -1 ENOENT (no such file or directory)
}
