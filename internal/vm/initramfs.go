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
	a.ProgramFrom("", HostArch(), prog)
}

// ProgramFrom is Program for a program of arch under root (a tree
// unpacked from packages, "" for the host's own files): prog, its
// interpreter and libraries are paths inside root, and so are the targets
// of its symbolic links. A file built for another machine is an error.
func (a *Initramfs) ProgramFrom(root string, arch Arch, prog string) {
	if a.err != nil {
		return
	}
	files, err := ProgramFiles(root, arch, prog)
	if err != nil {
		a.err = err
		return
	}
	for _, f := range files {
		a.CopyFile(f.Name, f.Src)
	}
}

// File is a file to put at Name in a root file system, read from Src.
type File struct{ Name, Src string }

// ProgramFiles lists what a dynamically linked program of arch under root
// needs to run ("" for the host's own): the program at its own path, its
// ELF interpreter and the shared libraries it names (DT_NEEDED, found in
// the arch's library directories), each read from where its links lead
// inside root. A file built for another machine is an error.
func ProgramFiles(root string, arch Arch, prog string) ([]File, error) {
	var files []File
	seen := map[string]bool{}
	var add func(p string) error
	add = func(p string) error {
		if seen[p] {
			return nil
		}
		seen[p] = true
		real, err := resolveIn(root, p)
		if err != nil {
			return fmt.Errorf("program %s: %w", prog, err)
		}
		files = append(files, File{p, real})
		f, err := elf.Open(real)
		if err != nil {
			return fmt.Errorf("program %s: %s: %w", prog, p, err)
		}
		defer f.Close()
		if f.Machine != arch.ELF {
			return fmt.Errorf("program %s: %s is built for %v, not %s", prog, p, f.Machine, arch.Machine)
		}
		for _, ph := range f.Progs {
			if ph.Type == elf.PT_INTERP {
				b, _ := io.ReadAll(ph.Open())
				if err := add(strings.TrimRight(string(b), "\x00")); err != nil {
					return err
				}
			}
		}
		libs, _ := f.ImportedLibraries()
		for _, lib := range libs {
			found := false
			for _, d := range arch.LibDirs {
				if _, err := resolveIn(root, filepath.Join(d, lib)); err == nil {
					if err := add(filepath.Join(d, lib)); err != nil {
						return err
					}
					found = true
					break
				}
			}
			if !found {
				return fmt.Errorf("program %s: library %s not found", prog, lib)
			}
		}
		return nil
	}
	return files, add(prog)
}

// resolveIn follows the symbolic links of path as if root were /: an
// absolute target starts again at root. With root "" it is the host's
// filepath.EvalSymlinks.
func resolveIn(root, path string) (string, error) {
	if root == "" {
		return filepath.EvalSymlinks(path)
	}
	p := filepath.Clean("/" + path)
	for hops := 0; ; hops++ {
		if hops > 40 {
			return "", fmt.Errorf("%s: too many links", path)
		}
		dir, err := resolveDirIn(root, filepath.Dir(p), hops)
		if err != nil {
			return "", err
		}
		p = filepath.Join(dir, filepath.Base(p))
		target, err := os.Readlink(filepath.Join(root, p))
		if err != nil {
			if _, serr := os.Lstat(filepath.Join(root, p)); serr != nil {
				return "", serr
			}
			return filepath.Join(root, p), nil // not a link
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(p), target)
		}
		p = filepath.Clean("/" + target)
	}
}

// resolveDirIn resolves a directory path's links inside root, component by
// component, and returns it relative to root (starting with /).
func resolveDirIn(root, dir string, hops int) (string, error) {
	if dir == "/" {
		return dir, nil
	}
	parent, err := resolveDirIn(root, filepath.Dir(dir), hops)
	if err != nil {
		return "", err
	}
	p := filepath.Join(parent, filepath.Base(dir))
	target, err := os.Readlink(filepath.Join(root, p))
	if err != nil {
		return p, nil
	}
	if hops > 40 {
		return "", fmt.Errorf("%s: too many links", dir)
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(parent, target)
	}
	return resolveDirIn(root, filepath.Clean("/"+target), hops+1)
}

// Close finishes the archive and reports the first error met.
func (a *Initramfs) Close() error {
	if a.err != nil {
		return a.err
	}
	return a.w.Close()
}
