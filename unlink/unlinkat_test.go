package unlink

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
)

// The notes: "unlinkat behaves like unlink or rmdir, but resolves a relative
// path against a directory descriptor."
func TestN4UnlinkatResolvesAgainstTheDirectoryFd(t *testing.T) {
	v := claims.Check(t, "N4")
	facts := observeDirfd(t, t.TempDir())
	claims.Judge(v, facts, judgeDirfd)
}

// observeDirfd opens a directory under base and removes names through the
// fd: after a chdir elsewhere, after the directory is renamed, with flags
// 0 and with AT_REMOVEDIR.
func observeDirfd(t *testing.T, base string) DirfdFacts {
	t.Helper()
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
	targetGone := missing(filepath.Join(dir, "f1"))
	// The fd follows the directory through a rename; its old path does not.
	require.NoError(t, os.Rename(dir, moved))
	errOldPath := unix.Unlink(filepath.Join(dir, "f2"))
	errAfterRename := unix.Unlinkat(dirfd, "f2", 0)
	// Flags 0 is unlink (refuses a directory); AT_REMOVEDIR is rmdir
	// (refuses a file, removes an empty directory).
	errDirAsFile := unix.Unlinkat(dirfd, "sub", 0)
	errFileAsDir := unix.Unlinkat(dirfd, "f3", unix.AT_REMOVEDIR)
	errRemoveDir := unix.Unlinkat(dirfd, "sub", unix.AT_REMOVEDIR)

	return DirfdFacts{
		AfterChdir:      errnoName(errAfterChdir),
		TargetGone:      targetGone,
		DecoyKept:       !missing(filepath.Join(elsewhere, "f1")),
		OldPathAfterMv:  errnoName(errOldPath),
		AfterRename:     errnoName(errAfterRename),
		RenamedGone:     missing(filepath.Join(moved, "f2")),
		DirWithFlags0:   errnoName(errDirAsFile),
		FileWithRmdir:   errnoName(errFileAsDir),
		FileKept:        !missing(filepath.Join(moved, "f3")),
		EmptyWithRmdir:  errnoName(errRemoveDir),
		EmptyDirRemoved: missing(filepath.Join(moved, "sub")),
	}
}
