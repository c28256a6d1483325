package vm

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/cavaliergopher/cpio"
)

// Initramfs writes a newc cpio archive for the kernel to unpack as its
// root file system. Parent directories are added as files need them.
type Initramfs struct {
	w    *cpio.Writer
	dirs map[string]bool
	err  error
}

// NewInitramfs starts an archive on w.
func NewInitramfs(w io.Writer) *Initramfs {
	return &Initramfs{w: cpio.NewWriter(w), dirs: map[string]bool{".": true, "/": true}}
}

func (a *Initramfs) dir(name string) {
	if a.dirs[name] || a.err != nil {
		return
	}
	a.dir(path.Dir(name))
	a.dirs[name] = true
	a.err = a.w.WriteHeader(&cpio.Header{Name: strings.TrimPrefix(name, "/"), Mode: cpio.TypeDir | 0o755})
}

// File adds a regular file with the given content and permissions.
func (a *Initramfs) File(name string, data []byte, perm os.FileMode) {
	a.dir(path.Dir(name))
	if a.err != nil {
		return
	}
	a.err = a.w.WriteHeader(&cpio.Header{Name: strings.TrimPrefix(name, "/"), Mode: cpio.TypeReg | cpio.FileMode(perm.Perm()), Size: int64(len(data))})
	if a.err == nil {
		_, a.err = a.w.Write(data)
	}
}

// Symlink adds name as a symbolic link to target.
func (a *Initramfs) Symlink(name, target string) {
	a.dir(path.Dir(name))
	if a.err != nil {
		return
	}
	a.err = a.w.WriteHeader(&cpio.Header{Name: strings.TrimPrefix(name, "/"), Mode: cpio.TypeSymlink | 0o777, Size: int64(len(target))})
	if a.err == nil {
		_, a.err = a.w.Write([]byte(target))
	}
}

// CopyFile adds the host file src as name, keeping its permissions.
func (a *Initramfs) CopyFile(name, src string) {
	if a.err != nil {
		return
	}
	fi, err := os.Stat(src)
	if err != nil {
		a.err = err
		return
	}
	data, err := os.ReadFile(src)
	if err != nil {
		a.err = err
		return
	}
	a.File(name, data, fi.Mode())
}

// CopyTree adds the host directory src under name.
func (a *Initramfs) CopyTree(name, src string) {
	if a.err != nil {
		return
	}
	a.err = filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		a.CopyFile(path.Join(name, filepath.ToSlash(rel)), p)
		return a.err
	})
}

// Program adds a dynamically linked host program at its own path, with
// its ELF interpreter and the shared libraries it names (DT_NEEDED, found
// in the usual multiarch directories), so that it runs in the VM.
func (a *Initramfs) Program(prog string) {
	if a.err != nil {
		return
	}
	seen := map[string]bool{}
	var add func(p string)
	add = func(p string) {
		if seen[p] || a.err != nil {
			return
		}
		seen[p] = true
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			a.err = fmt.Errorf("program %s: %w", prog, err)
			return
		}
		a.CopyFile(p, real)
		f, err := elf.Open(real)
		if err != nil {
			a.err = fmt.Errorf("program %s: %s: %w", prog, p, err)
			return
		}
		defer f.Close()
		for _, prog := range f.Progs {
			if prog.Type == elf.PT_INTERP {
				b, _ := io.ReadAll(prog.Open())
				add(strings.TrimRight(string(b), "\x00"))
			}
		}
		libs, _ := f.ImportedLibraries()
		for _, lib := range libs {
			found := false
			for _, d := range []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib"} {
				if _, err := os.Stat(filepath.Join(d, lib)); err == nil {
					add(filepath.Join(d, lib))
					found = true
					break
				}
			}
			if !found {
				a.err = fmt.Errorf("program %s: library %s not found", prog, lib)
			}
		}
	}
	add(prog)
}

// Close finishes the archive and reports the first error met.
func (a *Initramfs) Close() error {
	if a.err != nil {
		return a.err
	}
	return a.w.Close()
}
