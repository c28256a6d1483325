package unlink_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
)

// The notes: "unlinkat behaves like unlink or rmdir, but resolves a relative
// path against a directory descriptor."
//
// equiv: exec 3<dir; cd elsewhere; mv dir moved; unlinkat(3, "f1", 0) (no shell command does this)
func TestN4UnlinkatResolvesAgainstTheDirectoryFd(t *testing.T) {
	v := claims.Check(t, "N4")
	base := t.TempDir()
	dir, elsewhere, moved := filepath.Join(base, "dir"), filepath.Join(base, "elsewhere"), filepath.Join(base, "moved")
	require.NoError(t, os.Mkdir(dir, 0o755))
	require.NoError(t, os.Mkdir(elsewhere, 0o755))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	for _, f := range []string{"dir/f1", "dir/f2", "dir/f3", "elsewhere/f1"} {
		require.NoError(t, os.WriteFile(filepath.Join(base, f), nil, 0o644))
	}
	dirfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	t.Cleanup(func() { _ = unix.Close(dirfd) })

	// A relative name resolves against dirfd, not the working directory,
	// which holds a decoy of the same name.
	t.Chdir(elsewhere)
	errAfterChdir := unix.Unlinkat(dirfd, "f1", 0)
	// The fd follows the directory through a rename; its old path does not.
	require.NoError(t, os.Rename(dir, moved))
	errOldPath := unix.Unlink(filepath.Join(dir, "f2"))
	errAfterRename := unix.Unlinkat(dirfd, "f2", 0)
	// Flags 0 is unlink (refuses a directory); AT_REMOVEDIR is rmdir
	// (refuses a file, removes an empty directory).
	errDirAsFile := unix.Unlinkat(dirfd, "sub", 0)
	errFileAsDir := unix.Unlinkat(dirfd, "f3", unix.AT_REMOVEDIR)
	errRemoveDir := unix.Unlinkat(dirfd, "sub", unix.AT_REMOVEDIR)

	assert.NoError(t, errAfterChdir)
	assert.True(t, missing(filepath.Join(dir, "f1")) && missing(filepath.Join(moved, "f1")), "f1 removed from the fd's directory")
	assert.False(t, missing(filepath.Join(elsewhere, "f1")), "the decoy in the working directory survives")
	assert.ErrorIs(t, errOldPath, unix.ENOENT, "the old path leads nowhere after the rename")
	assert.NoError(t, errAfterRename)
	assert.True(t, missing(filepath.Join(moved, "f2")))
	assert.ErrorIs(t, errDirAsFile, unix.EISDIR)
	assert.ErrorIs(t, errFileAsDir, unix.ENOTDIR)
	assert.NoError(t, errRemoveDir)
	assert.True(t, missing(filepath.Join(moved, "sub")), "AT_REMOVEDIR removed the empty directory")
	assert.False(t, missing(filepath.Join(moved, "f3")), "the file refused as a directory is still there")
	if t.Failed() {
		return
	}
	v.Confirmed("after chdir elsewhere: unlinkat(dirfd, \"f1\", 0) = %s, decoy elsewhere/f1 kept; after mv dir moved: "+
		"unlink(\"dir/f2\") = %s but unlinkat(dirfd, \"f2\", 0) = %s; unlinkat(dirfd, \"sub\", 0) = %s, "+
		"unlinkat(dirfd, \"f3\", AT_REMOVEDIR) = %s, unlinkat(dirfd, \"sub\", AT_REMOVEDIR) = %s and moved/sub is gone",
		errnoName(errAfterChdir), errnoName(errOldPath), errnoName(errAfterRename),
		errnoName(errDirAsFile), errnoName(errFileAsDir), errnoName(errRemoveDir))
}
