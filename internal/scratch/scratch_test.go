package scratch_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	child := exec.Command(os.Args[0], "-test.run=^TestHelperProcessTakesAndWaits$")
	child.Env = append(os.Environ(), "NETNOTES_SCRATCH_HELPER=1", "TMPDIR="+parent)
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

func TestHelperProcessTakesAndWaits(t *testing.T) {
	if os.Getenv("NETNOTES_SCRATCH_HELPER") != "1" {
		t.Skip("helper process for TestTheDirectoryOfAKilledProcessIsSwept")
	}
	dir, _, err := scratch.Take()
	require.NoError(t, err)
	made, err := os.MkdirTemp("", "TestV8CPodman")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(made, "program"), []byte("x"), 0o755))
	os.Stdout.WriteString("scratch " + dir + "\n")
	select {}
}
