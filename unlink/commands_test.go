package unlink

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

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
// The reader's own binaries are traced (Go's os.Remove would prove nothing:
// it calls unlinkat itself).
func TestN3WhichSystemCallsRmAndUnlinkMake(t *testing.T) {
	v := claims.Check(t, "N3")
	rm := gate.Binary(t, "rm", "coreutils")
	unlinkCmd := gate.Binary(t, "unlink", "coreutils")
	gate.Feature(t, "ptrace of a child process", func() error {
		_, err := sysrec.Run(t.Context(), sysrec.Command{Path: rm, Args: []string{"--version"}, Env: []string{"LC_ALL=C"}})
		return err
	})
	facts := observeCommandCalls(t, rm, unlinkCmd)
	claims.Judge(v, facts, judgeCommandCalls)
}

// observeCommandCalls traces the programs rm and unlinkCmd as the notes ran
// them (`rm -f 111`, `unlink 111`) and, as a control, `rm -r dir`, each in
// a fresh directory, and keeps their unlink, unlinkat and rmdir calls. A
// command that fails is a fact, not a harness failure.
func observeCommandCalls(t *testing.T, rm, unlinkCmd string) CommandCallsFacts {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	run := func(operand string, path string, args ...string) CommandRun {
		t.Helper()
		rec, err := sysrec.Run(ctx, sysrec.Command{Path: path, Args: args, Dir: dir, Env: []string{"LC_ALL=C"}})
		require.NoError(t, err)
		return CommandRun{
			Command:  filepath.Base(path) + " " + strings.Join(args, " "),
			ExitCode: rec.ExitCode,
			Removed:  missing(filepath.Join(dir, operand)),
			Calls:    removals(rec),
		}
	}
	file, subdir := filepath.Join(dir, "111"), filepath.Join(dir, "dir")

	var f CommandCallsFacts
	f.Arch, f.ArchHasUnlink = runtime.GOARCH, hasUnlinkCall()
	f.Rm, f.Unlink = binaryFacts(ctx, rm), binaryFacts(ctx, unlinkCmd)
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	f.RmFile = run("111", rm, "-f", "111")
	_ = os.Remove(file) // whatever the command left
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	f.UnlinkFile = run("111", unlinkCmd, "111")
	// Negative control: a directory goes through a different door, rmdir or
	// unlinkat's AT_REMOVEDIR, which the single-file removals do not use.
	require.NoError(t, os.Mkdir(subdir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(subdir, "f"), nil, 0o644))
	f.RmDir = run("dir", rm, "-r", "dir")
	return f
}

// removals keeps a recording's unlink, unlinkat and rmdir calls, as
// strace's -e trace=unlink,unlinkat,rmdir would show them.
func removals(rec *sysrec.Recording) []RemovalCall {
	var out []RemovalCall
	for _, c := range rec.Named("unlink", "unlinkat", "rmdir") {
		path, _ := c.Path()
		r := RemovalCall{Call: c.String(), Name: c.Name, Path: path}
		if c.Name == "unlinkat" {
			r.AtFDCWD = int32(c.Args[0]) == unix.AT_FDCWD
			r.Flags = c.Flags()
		}
		switch {
		case !c.Returned:
			r.Errno = "did not return"
		case c.Errno != 0:
			r.Errno = unix.ErrnoName(c.Errno)
		}
		out = append(out, r)
	}
	return out
}

func missing(path string) bool {
	_, err := os.Lstat(path)
	return os.IsNotExist(err)
}

// binaryFacts names a program as found: its path, where its links lead
// (busybox's applets are links), and its own word on its version, asked
// untraced.
func binaryFacts(ctx context.Context, path string) BinaryFacts {
	b := BinaryFacts{Path: path}
	if real, err := filepath.EvalSymlinks(path); err == nil && real != path {
		b.Resolved = real
	}
	out, err := runUntraced(ctx, "", path, "--version")
	if line := firstLine(out); err == nil && line != "" {
		b.Version = line
	} else {
		b.Version = fmt.Sprintf("no version: --version gave %q, %v", line, err)
	}
	b.Implementation = implementationOf(string(out))
	return b
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return line
}

// hasUnlinkCall says whether the running architecture has an unlink system
// call, which decides whether a C library can make one at all (arm64 has
// only unlinkat).
func hasUnlinkCall() bool {
	_, ok := sysrec.Number("unlink")
	return ok
}
