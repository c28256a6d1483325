package vm

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The Debian suites a private apt configuration reads: bookworm has 6.1,
// bookworm-security the 6.12 backport, bullseye 5.10. The system's own
// sources are never read or changed.
var suites = []struct{ uri, suite string }{
	{"http://deb.debian.org/debian", "bookworm"},
	{"http://deb.debian.org/debian", "bookworm-updates"},
	{"http://deb.debian.org/debian-security", "bookworm-security"},
	{"http://deb.debian.org/debian", "bullseye"},
	{"http://deb.debian.org/debian-security", "bullseye-security"},
}

const keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"

// Apt runs apt-get with a configuration of its own under Dir: its own
// sources list, package lists and archive cache, for one architecture
// (Arch; the zero value is amd64).
type Apt struct {
	Dir  string
	Arch Arch
}

func (a *Apt) arch() Arch {
	if a.Arch.Name == "" {
		return Arches[0]
	}
	return a.Arch
}

// NewApt prepares the private configuration in dir.
func NewApt(dir string) (*Apt, error) {
	if _, err := exec.LookPath("apt-get"); err != nil {
		return nil, fmt.Errorf("apt-get not found (kernel packages are fetched from Debian with it): %w", err)
	}
	if _, err := os.Stat(keyring); err != nil {
		return nil, fmt.Errorf("no Debian archive keyring at %s (apt-get install debian-archive-keyring): %w", keyring, err)
	}
	for _, d := range []string{"lists/partial", "archives/partial", "debs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	var src bytes.Buffer
	for _, s := range suites {
		fmt.Fprintf(&src, "deb [signed-by=%s] %s %s main\n", keyring, s.uri, s.suite)
	}
	if err := os.WriteFile(filepath.Join(dir, "sources.list"), src.Bytes(), 0o644); err != nil {
		return nil, err
	}
	return &Apt{Dir: dir}, nil
}

// options point every directory apt writes to at a.Dir.
func (a *Apt) options() []string {
	return []string{
		"-o", "Dir::Etc::SourceList=" + filepath.Join(a.Dir, "sources.list"),
		"-o", "Dir::Etc::SourceParts=-",
		"-o", "Dir::State::Lists=" + filepath.Join(a.Dir, "lists"),
		"-o", "Dir::Cache=" + a.Dir,
		"-o", "Dir::Cache::Archives=" + filepath.Join(a.Dir, "archives"),
		"-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache=",
		"-o", "APT::Sandbox::User=root",
		"-o", "Acquire::Languages=none",
		"-o", "APT::Architecture=" + a.arch().Name, "-o", "APT::Architectures=" + a.arch().Name,
		"-q",
	}
}

func (a *Apt) run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, args[0], append(a.options(), args[1:]...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %v: %s", args[0], strings.Join(args[1:], " "), err, lastLines(stderr.String(), 3))
	}
	return out, nil
}

// Update fetches the package lists when they are older than maxAge.
func (a *Apt) Update(ctx context.Context, maxAge time.Duration) error {
	stamp := filepath.Join(a.Dir, "lists", ".updated")
	if fi, err := os.Stat(stamp); err == nil && time.Since(fi.ModTime()) < maxAge {
		return nil
	}
	if _, err := a.run(ctx, a.Dir, "apt-get", "update"); err != nil {
		return err
	}
	return os.WriteFile(stamp, nil, 0o644)
}

// HasLists reports whether an earlier Update left package lists.
func (a *Apt) HasLists() bool {
	m, _ := filepath.Glob(filepath.Join(a.Dir, "lists", "*_Packages*"))
	return len(m) > 0
}

// Resolve turns a kernel line ("5.10", "6.1", "6.12") into the newest
// Debian cloud kernel package of that line; a full package name
// (linux-image-...) is returned as it is. The kernel may be prefixed with
// a's architecture ("arm64:6.1").
func (a *Apt) Resolve(ctx context.Context, kernel string) (string, error) {
	if prefix, rest, ok := strings.Cut(kernel, ":"); ok && prefix == a.arch().Name {
		kernel = rest // "arm64:6.1", as the matrix names it
	}
	if strings.HasPrefix(kernel, "linux-image-") {
		return kernel, nil
	}
	if !regexp.MustCompile(`^\d+\.\d+$`).MatchString(kernel) {
		return "", fmt.Errorf("not a kernel line such as 6.1 nor a Debian kernel package name such as linux-image-6.1.0-37-cloud-amd64")
	}
	out, err := a.run(ctx, a.Dir, "apt-cache", "pkgnames", "linux-image-"+kernel+".")
	if err != nil {
		return "", err
	}
	suffix := a.arch().cloudSuffix()
	re := regexp.MustCompile(`^linux-image-` + regexp.QuoteMeta(kernel) + `\.[0-9]+(-[0-9]+|\+deb[0-9]+)` + suffix + `$`)
	var names []string
	for _, n := range strings.Fields(string(out)) {
		if re.MatchString(n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("no linux-image-%s.*%s package in %s", kernel, suffix, suiteNames())
	}
	sort.Slice(names, func(i, j int) bool { return versionLess(names[i], names[j]) })
	return names[len(names)-1], nil
}

// Download fetches a package's .deb into the cache (once) and returns its path.
func (a *Apt) Download(ctx context.Context, pkg string) (string, error) {
	debs := filepath.Join(a.Dir, "debs")
	if m, _ := filepath.Glob(filepath.Join(debs, pkg+"_*.deb")); len(m) > 0 {
		return m[0], nil
	}
	if _, err := a.run(ctx, debs, "apt-get", "download", pkg); err != nil {
		return "", err
	}
	m, _ := filepath.Glob(filepath.Join(debs, pkg+"_*.deb"))
	if len(m) == 0 {
		return "", fmt.Errorf("package %s: apt-get download left no %s_*.deb in %s", pkg, pkg, debs)
	}
	return m[0], nil
}

func suiteNames() string {
	var s []string
	for _, x := range suites {
		s = append(s, x.suite)
	}
	return strings.Join(s, ", ")
}

var numRE = regexp.MustCompile(`\d+`)

// versionLess orders package names by the numbers in them.
func versionLess(a, b string) bool {
	na, nb := numRE.FindAllString(a, -1), numRE.FindAllString(b, -1)
	for i := 0; i < len(na) && i < len(nb); i++ {
		x, _ := strconv.Atoi(na[i])
		y, _ := strconv.Atoi(nb[i])
		if x != y {
			return x < y
		}
	}
	return len(na) < len(nb)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
