package claims_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
)

// What a chapter's tests leave behind fails its binary (claims.Main): a
// file or directory in its scratch TMPDIR, a child process still alive.
func TestLeftBehindNamesFilesAndLiveChildren(t *testing.T) {
	sleep := gate.Binary(t, "sleep", "coreutils")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stray"), nil, 0o600))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o700))
	child := exec.Command(sleep, "600")
	require.NoError(t, child.Start())
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })

	left := claims.LeftBehind(dir, 100*time.Millisecond)
	assert.Contains(t, left, "a file in the scratch TMPDIR: "+filepath.Join(dir, "stray"))
	assert.Contains(t, left, "a directory in the scratch TMPDIR: "+filepath.Join(dir, "sub")+"/")
	assert.Contains(t, left, "a child process still alive: "+strconv.Itoa(child.Process.Pid)+" (sleep)")
}

// A child that is exiting, killed and being waited for, is given time to
// go; an empty scratch directory, or none the process owns, is no finding.
func TestLeftBehindWaitsForExitingChildren(t *testing.T) {
	sleep := gate.Binary(t, "sleep", "coreutils")
	child := exec.Command(sleep, "600")
	require.NoError(t, child.Start())
	waited := make(chan error, 1)
	go func() { waited <- child.Wait() }()
	t.Cleanup(func() { _ = child.Process.Kill(); <-waited })
	require.NoError(t, child.Process.Kill())

	pid := strconv.Itoa(child.Process.Pid) + " ("
	for _, dir := range []string{t.TempDir(), ""} {
		left := claims.LeftBehind(dir, 10*time.Second)
		assert.False(t, slices.ContainsFunc(left, func(s string) bool {
			return strings.Contains(s, "TMPDIR") || strings.Contains(s, ": "+pid)
		}), "dir %q: %q", dir, left)
	}
}
