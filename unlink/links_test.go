package unlink

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
)

// The notes: "unlink removes the directory entry and decrements the file's
// link count", after `stat` showed a fresh file with "Links: 1".
func TestN1UnlinkRemovesANameAndDecrementsTheLinkCount(t *testing.T) {
	v := claims.Check(t, "N1")
	facts := observeLinkCount(t, t.TempDir())
	claims.Judge(v, facts, judgeLinkCount)
}

// observeLinkCount writes a file in dir, gives it a second name, unlinks
// the first, and says what lstat, the data and the directory showed at
// each step.
func observeLinkCount(t *testing.T, dir string) LinkCountFacts {
	t.Helper()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	content := []byte("the inode's data, reachable by any of its names\n")
	require.NoError(t, os.WriteFile(a, content, 0o644))

	fresh := lstat(t, a)
	require.NoError(t, unix.Link(a, b)) // a second name for the same inode
	linkedA, linkedB := lstat(t, a), lstat(t, b)
	errUnlink := unix.Unlink(a)
	var gone unix.Stat_t
	errA := unix.Lstat(a, &gone)
	afterB := lstat(t, b)
	data, err := os.ReadFile(b)
	require.NoError(t, err)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	// Negative control for "unlink deletes the file": the inode and its
	// data live on through the other name.
	return LinkCountFacts{
		FreshNlink:    uint64(fresh.Nlink),
		LinkedNlinkA:  uint64(linkedA.Nlink),
		LinkedNlinkB:  uint64(linkedB.Nlink),
		LinkSameInode: linkedB.Ino == fresh.Ino,
		UnlinkA:       errnoName(errUnlink),
		LstatAAfter:   errnoName(errA),
		NlinkBAfter:   uint64(afterB.Nlink),
		BSameInode:    afterB.Ino == fresh.Ino,
		DataIntact:    bytes.Equal(content, data),
		Listing:       names,
	}
}

func lstat(t *testing.T, path string) unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	require.NoError(t, unix.Lstat(path, &st), "lstat %s", path)
	return st
}

// Link counts move by one per name: the note's "Links: 1", then what ln and
// unlink do to it.
func Example_linkCount() {
	dir, err := os.MkdirTemp("", "nn")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	nlink := func(path string) string {
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return errnoName(err)
		}
		return fmt.Sprint(st.Nlink)
	}

	_ = os.WriteFile(a, nil, 0o644)
	fmt.Println("touch a:    a", nlink(a))
	_ = unix.Link(a, b)
	fmt.Println("ln a b:     a", nlink(a), " b", nlink(b))
	_ = unix.Unlink(a)
	fmt.Println("unlink a:   a", nlink(a), " b", nlink(b))
	// Output:
	// touch a:    a 1
	// ln a b:     a 2  b 2
	// unlink a:   a ENOENT  b 1
}
