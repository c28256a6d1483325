package vm

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Userland fetches the Debian packages of the architecture's Userland
// (coreutils and its C library, of that architecture), unpacks them into
// one tree under dir (once for a given set of packages) and returns the
// tree: the root the VM's programs are taken from. Nothing of the host's
// own files goes in.
func (a *Apt) Userland(ctx context.Context, dir string) (string, error) {
	arch := a.arch()
	if len(arch.Userland) == 0 {
		return "", fmt.Errorf("%s: no userland packages (the host's programs are used)", arch.Name)
	}
	root, err := a.Unpacked(ctx, filepath.Join(dir, "userland-"+arch.Name), arch.Userland)
	if err != nil {
		return "", fmt.Errorf("%s userland: %w", arch.Name, err)
	}
	return root, nil
}

// Unpacked fetches the Debian packages pkgs and unpacks them into one
// tree, root (once for a given set of packages: a stamp in root names
// them), and returns it.
func (a *Apt) Unpacked(ctx context.Context, root string, pkgs []string) (string, error) {
	var debs []string
	for _, pkg := range pkgs {
		deb, err := a.Download(ctx, pkg)
		if err != nil {
			return "", err
		}
		debs = append(debs, filepath.Base(deb))
	}
	stamp := filepath.Join(root, ".unpacked")
	want := strings.Join(debs, "\n") + "\n"
	if have, err := os.ReadFile(stamp); err == nil && string(have) == want {
		return root, nil
	}
	_ = os.RemoveAll(root)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	for _, deb := range debs {
		if out, err := exec.CommandContext(ctx, "dpkg-deb", "-x", filepath.Join(a.Dir, "debs", deb), root).CombinedOutput(); err != nil {
			return "", fmt.Errorf("dpkg-deb -x %s: %v: %s", deb, err, out)
		}
	}
	return root, os.WriteFile(stamp, []byte(want), 0o644)
}

// Closure lists pkgs with every package they depend on (Depends and
// Pre-Depends; no Recommends), as apt-get would install them on a system
// that has nothing: what a root file system of them needs.
func (a *Apt) Closure(ctx context.Context, pkgs ...string) ([]string, error) {
	empty := filepath.Join(a.Dir, "status.empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		return nil, err
	}
	args := append([]string{"apt-get", "-o", "Dir::State::status=" + empty, "-o", "Debug::NoLocking=1",
		"--simulate", "--no-install-recommends", "install"}, pkgs...)
	out, err := a.run(ctx, a.Dir, args...)
	if err != nil {
		return nil, err
	}
	var all []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Inst" {
			all = append(all, f[1])
		}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("apt-get --simulate install %s names no package", strings.Join(pkgs, " "))
	}
	return all, nil
}

// FindProgram looks a program up in root's /usr/bin and /bin (as PATH would
// in the VM) and returns its path inside root.
func FindProgram(root, name string) (string, error) {
	for _, d := range []string{"/usr/bin", "/bin"} {
		if _, err := os.Lstat(filepath.Join(root, d, name)); err == nil {
			return filepath.Join(d, name), nil
		}
	}
	return "", fmt.Errorf("no %s in %s's /usr/bin or /bin", name, root)
}
