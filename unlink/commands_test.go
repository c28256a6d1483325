package unlink_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
	"netnotes/internal/sysrec"
)

// The notes, with strace:
//
//	strace unlink 111   ...  unlink("111") = 0
//	strace rm -f 111    ...  unlinkat(AT_FDCWD, "111", 0) = 0
//
// equiv: strace -e trace=unlink,unlinkat,rmdir rm -f 111; ... unlink 111; ... rm -r dir
//
// The reader's own binaries are traced (Go's os.Remove would prove nothing:
// it calls unlinkat itself).
func TestN3WhichSystemCallsRmAndUnlinkMake(t *testing.T) {
	v := claims.Check(t, "N3")
	rm := gate.Binary(t, "rm", "coreutils")
	unlinkCmd := gate.Binary(t, "unlink", "coreutils")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	record := func(path string, args ...string) *sysrec.Recording {
		t.Helper()
		rec, err := sysrec.Run(ctx, sysrec.Command{Path: path, Args: args, Dir: dir, Env: []string{"LC_ALL=C"}})
		require.NoError(t, err)
		require.Zero(t, rec.ExitCode, "%s %v: %s", path, args, rec.Output)
		return rec
	}
	var rmVersion string
	gate.Feature(t, "ptrace of a child process", func() error {
		rec, err := sysrec.Run(ctx, sysrec.Command{Path: rm, Args: []string{"--version"}, Env: []string{"LC_ALL=C"}})
		if err == nil {
			rmVersion = firstLine(rec.Output)
		}
		return err
	})
	unlinkVersion := versionOf(ctx, unlinkCmd)
	file, subdir := filepath.Join(dir, "111"), filepath.Join(dir, "dir")

	require.NoError(t, os.WriteFile(file, nil, 0o644))
	rmFile := removals(record(rm, "-f", "111"))
	rmGone := missing(file)
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	unlinkFile := removals(record(unlinkCmd, "111"))
	unlinkGone := missing(file)
	require.NoError(t, os.Mkdir(subdir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(subdir, "f"), nil, 0o644))
	rmDir := removals(record(rm, "-r", "dir"))
	rmDirGone := missing(subdir)

	assert.True(t, rmGone, "rm -f 111 removed the file")
	assert.True(t, unlinkGone, "unlink 111 removed the file")
	assert.True(t, rmDirGone, "rm -r dir removed the directory")
	assert.NotEmpty(t, rmFile, "rm made no unlink, unlinkat or rmdir call")
	assert.NotEmpty(t, unlinkFile, "unlink made no unlink, unlinkat or rmdir call")
	// Negative control: a directory goes through a different door, rmdir or
	// unlinkat's AT_REMOVEDIR, which neither single-file removal used.
	assert.True(t, removesDir(rmDir, "dir"), "rm -r dir: %s", rmDir)
	assert.False(t, removesDir(rmFile, "111") || removesDir(unlinkFile, "111"))
	if t.Failed() {
		return
	}

	const notesRm, notesUnlink = `unlinkat(AT_FDCWD, "111", 0) = 0`, `unlink("111") = 0`
	evidence := fmt.Sprintf("%s (%s) `rm -f 111`: %s; %s (%s) `unlink 111`: %s; control `rm -r dir`: %s; %s",
		describeBinary(rm), rmVersion, rmFile, describeBinary(unlinkCmd), unlinkVersion, unlinkFile, rmDir, archNote())
	if rmFile.String() == notesRm && unlinkFile.String() == notesUnlink {
		v.Confirmed("%s", evidence)
		return
	}
	v.Refined("the notes' lines (%s, %s) are GNU coreutils on x86_64; these binaries differ: %s",
		notesRm, notesUnlink, evidence)
}

// calls prints like strace's -e trace=unlink,unlinkat,rmdir.
type calls []sysrec.Call

func (cs calls) String() string {
	var s []string
	for _, c := range cs {
		s = append(s, c.String())
	}
	return strings.Join(s, ", ")
}

func removals(rec *sysrec.Recording) calls { return rec.Named("unlink", "unlinkat", "rmdir") }

// removesDir reports whether one of cs removed a directory named name, the
// way rmdir does.
func removesDir(cs calls, name string) bool {
	for _, c := range cs {
		path, _ := c.Path()
		if path != name || c.Errno != 0 || !c.Returned {
			continue
		}
		if c.Name == "rmdir" || (c.Name == "unlinkat" && c.Args[2]&unix.AT_REMOVEDIR != 0) {
			return true
		}
	}
	return false
}

func missing(path string) bool {
	_, err := os.Lstat(path)
	return os.IsNotExist(err)
}

// versionOf asks a program for its version, untraced.
func versionOf(ctx context.Context, path string) string {
	out, err := runUntraced(ctx, "", path, "--version")
	if line := firstLine(out); err == nil && line != "" {
		return line
	}
	return fmt.Sprintf("version unknown: --version gave %q, %v", firstLine(out), err)
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return line
}

// describeBinary names a program and, when it is a link (busybox), what it
// points to.
func describeBinary(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil && real != path {
		return path + " -> " + real
	}
	return path
}

// archNote says what the running architecture offers, which decides whether
// a C library can make an unlink call at all.
func archNote() string {
	if nr, ok := sysrec.Number("unlink"); ok {
		unlinkat, _ := sysrec.Number("unlinkat")
		return fmt.Sprintf("%s has both unlink (nr %d) and unlinkat (nr %d)", runtime.GOARCH, nr, unlinkat)
	}
	return runtime.GOARCH + " has no unlink system call, only unlinkat"
}
