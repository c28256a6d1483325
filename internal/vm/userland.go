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
	var debs []string
	for _, pkg := range arch.Userland {
		deb, err := a.Download(ctx, pkg)
		if err != nil {
			return "", fmt.Errorf("%s userland: %w", arch.Name, err)
		}
		debs = append(debs, filepath.Base(deb))
	}
	root := filepath.Join(dir, "userland-"+arch.Name)
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
			return "", fmt.Errorf("%s userland: dpkg-deb -x %s: %v: %s", arch.Name, deb, err, out)
		}
	}
	return root, os.WriteFile(stamp, []byte(want), 0o644)
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
