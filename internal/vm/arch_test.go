package vm

import (
	"bytes"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cavaliergopher/cpio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKernelNamesCarryTheirArchitecture(t *testing.T) {
	amd, err := LookupArch("amd64")
	require.NoError(t, err)
	arm, err := LookupArch("aarch64")
	require.NoError(t, err)
	assert.Equal(t, "arm64", arm.Name)

	a, k, err := SplitKernel("arm64:6.1", amd)
	require.NoError(t, err)
	assert.Equal(t, "arm64", a.Name)
	assert.Equal(t, "6.1", k)
	a, k, err = SplitKernel("6.12", arm)
	require.NoError(t, err)
	assert.Equal(t, "arm64", a.Name, "a bare line is the default architecture's")
	assert.Equal(t, "6.12", k)
	_, _, err = SplitKernel("riscv64:6.1", amd)
	assert.ErrorContains(t, err, `architecture "riscv64"`)

	assert.Equal(t, "6.1", amd.KernelName("6.1"))
	assert.Equal(t, "arm64:6.1", arm.KernelName("6.1"))
	assert.Equal(t, "-cloud-arm64", arm.cloudSuffix())
	assert.Equal(t, "arm64", ArchOf("arm64").Name)
}

// The machine's flags: amd64's are the ones the matrix always used; arm64
// is the virt board with a Cortex-A72 under emulation, its data on a
// virtio console bound to the file.
func TestQemuFlagsPerArchitecture(t *testing.T) {
	amd, arm := ArchOf("amd64"), ArchOf("arm64")
	assert.Empty(t, amd.machineArgs("tcg"))
	assert.Equal(t, []string{"-serial", "file:/t/data"}, amd.dataArgs("/t/data"))
	assert.Equal(t, []string{"-M", "virt", "-cpu", "cortex-a72"}, arm.machineArgs("tcg"))
	assert.Equal(t, []string{"-M", "virt", "-cpu", "host"}, arm.machineArgs("kvm"))
	assert.Contains(t, arm.dataArgs("/t/a,b"), "file,id=data,path=/t/a,,b", "a comma in the path is escaped")
	assert.Equal(t, "/dev/hvc0", arm.DataPort)
}

// A program taken from an unpacked tree: its links are followed inside
// the tree (an absolute target starts at the tree's root, never at the
// host's), and a program built for another machine is refused. The tree's
// files are all written before its links are made, so that no write can
// follow one out of the tree.
func TestProgramFromATree(t *testing.T) {
	self, err := os.Executable()
	require.NoError(t, err)
	root := t.TempDir()
	put := func(dst, src string) {
		t.Helper()
		data, err := os.ReadFile(src)
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(dst)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, dst), data, 0o755))
	}
	put("/usr/lib/bin/prog", self)
	// Its interpreter and libraries (a test binary may be dynamically
	// linked), where the host has them.
	f, err := elf.Open(self)
	require.NoError(t, err)
	defer f.Close()
	need, _ := f.ImportedLibraries()
	host := HostArch()
	for _, lib := range need {
		for _, d := range host.LibDirs {
			if _, err := os.Stat(filepath.Join(d, lib)); err == nil {
				put(filepath.Join(host.LibDirs[1], lib), filepath.Join(d, lib))
				break
			}
		}
	}
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			b, _ := io.ReadAll(prog.Open())
			interp := strings.TrimRight(string(b), "\x00")
			put(interp, interp)
		}
	}
	// The links last: a directory link and a file link, both absolute, and
	// a relative one.
	require.NoError(t, os.Symlink("/usr/lib", filepath.Join(root, "opt")))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755))
	require.NoError(t, os.Symlink("/opt/bin/prog", filepath.Join(root, "usr/bin/p")))
	require.NoError(t, os.Symlink("p", filepath.Join(root, "usr/bin/q")))

	real, err := resolveIn(root, "/usr/bin/q")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, "usr/lib/bin/prog"), real)
	_, err = resolveIn(root, "/usr/bin/missing")
	assert.Error(t, err)

	other := ArchOf("arm64")
	if host.Name == other.Name {
		other = ArchOf("amd64")
	}
	var buf bytes.Buffer
	a := NewInitramfs(&buf)
	a.ProgramFrom(root, other, "/usr/bin/q")
	assert.ErrorContains(t, a.Close(), "not "+other.Machine)

	buf.Reset()
	a = NewInitramfs(&buf)
	a.ProgramFrom(root, host, "/usr/bin/q")
	require.NoError(t, a.Close())
	r := cpio.NewReader(&buf)
	var names []string
	for {
		h, err := r.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		names = append(names, h.Name)
	}
	assert.Contains(t, names, "usr/bin/q")
	for _, lib := range need {
		assert.Contains(t, names, strings.TrimPrefix(filepath.Join(host.LibDirs[1], lib), "/"))
	}
}
