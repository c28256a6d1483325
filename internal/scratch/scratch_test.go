package scratch_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/role"
	"netnotes/internal/scratch"
)

// Take points TMPDIR at a directory of the process's own, which release
// removes with everything made in it.
func TestTakeHoldsADirectoryThatTMPDIRNames(t *testing.T) {
	parent := t.TempDir()
	t.Setenv("TMPDIR", parent)
	dir, release, err := scratch.Take()
	require.NoError(t, err)
	assert.Equal(t, parent, filepath.Dir(dir))
	assert.True(t, strings.HasPrefix(filepath.Base(dir), scratch.Prefix), dir)
	assert.Equal(t, dir, os.TempDir())
	st, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.ModeDir|os.ModeSticky|0o777, st.Mode(), "open to other users as /tmp is")
	made, err := os.MkdirTemp("", "nn")
	require.NoError(t, err)
	assert.Equal(t, dir, filepath.Dir(made))

	assert.Empty(t, scratch.Sweep(parent), "a held directory is not swept")

	// A test process this one starts finds TMPDIR a scratch directory
	// already, and works there: it must not wait for the lock this
	// process holds.
	inner, innerRelease, err := scratch.Take()
	require.NoError(t, err)
	assert.Equal(t, dir, inner)
	innerRelease()
	_, err = os.Stat(dir)
	require.NoError(t, err, "the inner release leaves the directory to its holder")

	release()
	_, err = os.Stat(dir)
	assert.True(t, os.IsNotExist(err), "released: %v", err)
	assert.Equal(t, parent, os.TempDir())
}

// A directory no process holds goes; one that is not a scratch directory
// stays.
func TestSweepRemovesOnlyUnheldScratchDirectories(t *testing.T) {
	parent := t.TempDir()
	left := filepath.Join(parent, scratch.Prefix+"left")
	other := filepath.Join(parent, "TestSomethingElse123")
	for _, d := range []string{left, other} {
		require.NoError(t, os.MkdirAll(filepath.Join(d, "sub"), 0o755))
	}
	assert.Equal(t, []string{scratch.Prefix + "left"}, scratch.Sweep(parent))
	_, err := os.Stat(left)
	assert.True(t, os.IsNotExist(err))
	_, err = os.Stat(other)
	assert.NoError(t, err)
}

// A process killed with SIGKILL runs no cleanup; its directory, and what
// it made there, goes with the next sweep.
func TestTheDirectoryOfAKilledProcessIsSwept(t *testing.T) {
	parent := t.TempDir()
	child := holder.Command()
	child.Env = append(child.Env, "TMPDIR="+parent)
	out, err := child.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, child.Start())
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err, "the helper said nothing")
	dir := strings.TrimSpace(strings.TrimPrefix(line, "scratch "))

	assert.Empty(t, scratch.Sweep(parent), "the helper lives")
	require.NoError(t, child.Process.Signal(syscall.SIGKILL))
	_ = child.Wait()
	assert.Equal(t, []string{filepath.Base(dir)}, scratch.Sweep(parent))
	_, err = os.Stat(dir)
	assert.True(t, os.IsNotExist(err), "after the sweep: %v", err)
}

// holder is the process killed above: it takes a scratch directory, makes
// a directory of its own in it, says which and waits to be killed.
var holder = role.Register(role.Role{Name: "scratch-holder", Run: func([]string) int {
	dir, _, err := scratch.Take()
	if err == nil {
		var made string
		made, err = os.MkdirTemp("", "TestV8CPodman")
		if err == nil {
			err = os.WriteFile(filepath.Join(made, "program"), []byte("x"), 0o755)
		}
	}
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 1
	}
	os.Stdout.WriteString("scratch " + dir + "\n")
	for {
		time.Sleep(time.Hour) // a goroutine asleep in select{} would end the process: no other runs yet
	}
}})
