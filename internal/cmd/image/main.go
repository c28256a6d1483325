// Image builds an OCI image of the notes that runs where no Go toolchain
// is: `make image`, then `podman run --rm --privileged netnotes` (or
// docker's) prints the report of the machine it runs on.
//
// Nothing is pulled from a registry. The image is one layer, a root file
// system written here as a tar stream and imported (`podman import`, or
// `docker import`, with the image's entry point, working directory and
// PATH given as --change instructions). It holds:
//
//   - /netnotes/tests: the chapters' test binaries (go test -c -tags sudo,
//     static, CGO_ENABLED=0), built as make matrix builds them for its VMs
//     (vm.BuildTests);
//   - /netnotes/bin: the report tool (internal/cmd/notes), its entry
//     point, which runs those binaries with -tests in the phases make
//     notes runs (the measured claims alone, after the others), and Go's
//     test2json (cmd/test2json, built from the toolchain for the target),
//     which turns each binary's output into the stream go test -json gives;
//   - /netnotes/src: the module's source (what the report's scan reads to
//     link tests to claims, the seen file, each chapter's testdata, which
//     its binary reads from its directory) and the notes to read;
//   - the programs the notes run (userland: rm and unlink for unlink/, the
//     CNI bridge and host-local plugins for V8's CNI part) with their ELF
//     interpreter and libraries, from Debian's packages of the target
//     architecture: fetched with the matrix's private apt configuration
//     (vm.Apt, cached in ~/.cache/netnotes), dependencies resolved by
//     apt-get as for an empty system (Apt.Closure), unpacked once, and
//     copied program by program (vm.ProgramFiles), never from this host.
//
// Container runtimes (podman, docker) are not in the image: the rows and
// parts of V8, R7, R8, U1 and U6 that call them skip inside it, naming
// the program they miss.
//
// Usage:
//
//	go run ./internal/cmd/image [-engine podman|docker] [-tag netnotes] [-arch amd64|arm64]
//	go run ./internal/cmd/image -o rootfs.tar   # write the root file system, import nothing
//
// `make image` runs it; ENGINE, IMAGE (the tag), ARCH and IMAGEFLAGS pass
// the flags.
package main

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/exit"
	"netnotes/internal/records"
	"netnotes/internal/vm"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, unix.SIGTERM)
	defer stop()
	os.Exit(exit.Code("image", build(ctx, os.Args[1:], os.Stderr), os.Stderr))
}

// Where the image keeps its parts.
const (
	binDir   = "/netnotes/bin"
	testsDir = "/netnotes/tests"
	srcDir   = "/netnotes/src"
	pathEnv  = binDir + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)

// DefaultTag names the image.
const DefaultTag = "netnotes"

// userland is what the notes run, by the Debian package that has it, and
// which notes run it.
var userland = []struct {
	pkg   string
	progs []string // names looked up in /usr/bin and /bin, or absolute paths
	why   string
}{
	{"coreutils", []string{"rm", "unlink"}, "unlink/: N3 and N5 record what rm and unlink call"},
	{"containernetworking-plugins", []string{"/usr/lib/cni/bridge", "/usr/lib/cni/host-local"}, "veth/: V8's CNI part calls the bridge plugin as kubelet's runtime does"},
}

type options struct {
	engine string // podman, docker; "" with out
	tag    string
	out    string
	arch   vm.Arch
	cache  string
}

func build(ctx context.Context, args []string, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "image: "+format+"\n", a...) }
	root, scan, err := records.ScanModule(".")
	if err != nil {
		return exit.CannotRun(err)
	}
	start := time.Now()
	fs, err := gather(ctx, o, root, scan, logf)
	if err != nil {
		return exit.Failed(err)
	}
	if o.out != "" {
		if err := writeFile(o.out, fs); err != nil {
			return exit.Failed(err)
		}
		logf("wrote the root file system to %s (%s); import it with:\n  podman import %s %s %s",
			o.out, time.Since(start).Round(time.Second), strings.Join(quoted(ImportChanges(o.arch)), " "), o.out, o.tag)
		return nil
	}
	logf("importing it with %s as %s", o.engine, o.tag)
	cmd := exec.CommandContext(ctx, o.engine, ImportArgs(o.engine, o.arch, o.tag)...)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	pipe, err := cmd.StdinPipe()
	if err != nil {
		return exit.Failed(err)
	}
	if err := cmd.Start(); err != nil {
		return exit.Failed(fmt.Errorf("%s import: %w", o.engine, err))
	}
	werr := fs.write(pipe)
	pipe.Close()
	if err := errors.Join(cmd.Wait(), werr); err != nil {
		return exit.Failed(fmt.Errorf("%s import: %w", o.engine, err))
	}
	logf("built %s in %s; run it:\n  %s run --rm --privileged %s", o.tag, time.Since(start).Round(time.Second), o.engine, o.tag)
	return nil
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.engine, "engine", "", "import the image with `podman` or docker (default: podman if installed, else docker)")
	fs.StringVar(&o.tag, "tag", DefaultTag, "the image's `name`")
	fs.StringVar(&o.out, "o", "", "write the root file system as a tar `file` instead of importing it")
	archName := fs.String("arch", vm.HostArch().Name, "the `architecture` the image runs on (amd64, arm64)")
	fs.StringVar(&o.cache, "cache", "", "cache `directory` for apt's lists and packages and the built binaries (default: the user's cache dir/netnotes)")
	if err := fs.Parse(args); err != nil {
		return o, exit.CannotRun(nil)
	}
	if fs.NArg() > 0 {
		return o, exit.CannotRun(fmt.Errorf("unexpected arguments %q", fs.Args()))
	}
	var err error
	if o.arch, err = vm.LookupArch(*archName); err != nil {
		return o, exit.CannotRun(fmt.Errorf("-arch: %w", err))
	}
	if o.cache == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return o, exit.CannotRun(fmt.Errorf("no cache directory (set -cache): %w", err))
		}
		o.cache = filepath.Join(dir, "netnotes")
	}
	if o.out != "" {
		return o, nil
	}
	switch o.engine {
	case "":
		for _, e := range []string{"podman", "docker"} {
			if _, err := exec.LookPath(e); err == nil {
				o.engine = e
				break
			}
		}
		if o.engine == "" {
			return o, exit.CannotRun(errors.New("neither podman nor docker is on PATH: install one, or write the root file system with -o FILE"))
		}
	case "podman", "docker":
		if _, err := exec.LookPath(o.engine); err != nil {
			return o, exit.CannotRun(fmt.Errorf("-engine %s: %w", o.engine, err))
		}
	default:
		return o, exit.CannotRun(fmt.Errorf("-engine %q: podman or docker", o.engine))
	}
	return o, nil
}

// ImportChanges are the image's settings, as `podman import --change`
// and `docker import --change` take them.
func ImportChanges(arch vm.Arch) []string {
	return []string{
		`ENTRYPOINT ["` + binDir + `/notes", "-tests", "` + testsDir + `"]`,
		"WORKDIR " + srcDir,
		"ENV PATH=" + pathEnv,
		"LABEL org.opencontainers.image.title=netnotes",
		`LABEL org.opencontainers.image.description="executable notes on Linux local networking: the report of the machine it runs on"`,
		"LABEL netnotes.arch=" + arch.Name,
	}
}

// ImportArgs are the arguments of `ENGINE import` that make the image tag
// from a root file system on stdin.
func ImportArgs(engine string, arch vm.Arch, tag string) []string {
	args := []string{"import"}
	for _, c := range ImportChanges(arch) {
		args = append(args, "--change", c)
	}
	if engine == "podman" {
		args = append(args, "--arch", arch.GOARCH)
	} else {
		args = append(args, "--platform", "linux/"+arch.GOARCH)
	}
	return append(args, "-", tag)
}

func quoted(changes []string) []string {
	var out []string
	for _, c := range changes {
		out = append(out, "--change '"+c+"'")
	}
	return out
}

// gather builds and fetches everything the image holds.
func gather(ctx context.Context, o options, root string, scan *records.Scan, logf func(string, ...any)) (*rootfs, error) {
	fs := newRootfs()
	suffix := ""
	if o.arch.Name != vm.Arches[0].Name {
		suffix = "-" + o.arch.Name
	}
	work := filepath.Join(o.cache, "image"+suffix)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}

	pkgs := scan.Chapters()
	logf("building %d chapters' test binaries, the report tool and test2json (static, -tags sudo, GOARCH=%s) into %s", len(pkgs), o.arch.GOARCH, work)
	tests, err := vm.BuildTests(ctx, o.arch, root, scan.Module, pkgs, work)
	if err != nil {
		return nil, err
	}
	if len(tests) == 0 {
		return nil, errors.New("no chapter has tests")
	}
	for _, pkg := range slices.Sorted(maps.Keys(tests)) {
		fs.file(path.Join(testsDir, filepath.Base(tests[pkg])), tests[pkg], 0o755)
	}
	for name, target := range map[string]string{"notes": "./internal/cmd/notes", "test2json": "cmd/test2json"} {
		bin := filepath.Join(work, name)
		if err := vm.GoBuild(ctx, o.arch, root, "build", "-o", bin, target); err != nil {
			return nil, err
		}
		fs.file(path.Join(binDir, name), bin, 0o755)
	}

	apt, err := vm.NewApt(filepath.Join(o.cache, "apt"+suffix))
	if err != nil {
		return nil, err
	}
	apt.Arch = o.arch
	if err := apt.Update(ctx, 24*time.Hour); err != nil {
		if !apt.HasLists() {
			return nil, err
		}
		logf("updating the package lists failed, going on with the cached ones: %v", err)
	}
	var names []string
	for _, u := range userland {
		names = append(names, u.pkg)
	}
	all, err := apt.Closure(ctx, names...)
	if err != nil {
		return nil, err
	}
	logf("the notes' programs from Debian's %s packages: %s (with what they depend on: %d packages, cached in %s)",
		o.arch.Name, strings.Join(names, ", "), len(all), apt.Dir)
	tree, err := apt.Unpacked(ctx, filepath.Join(work, "userland"), all)
	if err != nil {
		return nil, err
	}
	for _, u := range userland {
		for _, prog := range u.progs {
			p := prog
			if !strings.HasPrefix(p, "/") {
				if p, err = vm.FindProgram(tree, prog); err != nil {
					return nil, fmt.Errorf("%s (%s): %w", u.pkg, u.why, err)
				}
			}
			files, err := vm.ProgramFiles(tree, o.arch, p)
			if err != nil {
				return nil, fmt.Errorf("%s (%s): %w", u.pkg, u.why, err)
			}
			for _, f := range files {
				fs.file(f.Name, f.Src, 0o755)
			}
		}
	}

	if err := fs.source(root); err != nil {
		return nil, err
	}
	fs.base()
	return fs, nil
}

// rootfs is the image's files, written as one tar stream: a directory
// before what it holds, every entry owned by root, with one fixed time, in
// the order of their names, so that the same inputs give the same layer.
type rootfs struct {
	entries map[string]entry
}

type entry struct {
	src  string // a host file to read; "" for a directory or data
	data []byte
	mode int64
	dir  bool
}

func newRootfs() *rootfs { return &rootfs{entries: map[string]entry{}} }

func (r *rootfs) dir(name string, mode int64) {
	for p := path.Clean(name); p != "/" && p != "."; p = path.Dir(p) {
		if _, ok := r.entries[p]; !ok {
			r.entries[p] = entry{dir: true, mode: 0o755}
		}
	}
	r.entries[path.Clean(name)] = entry{dir: true, mode: mode}
}

func (r *rootfs) file(name, src string, mode int64) {
	r.dir(path.Dir(name), 0o755)
	r.entries[path.Clean(name)] = entry{src: src, mode: mode}
}

func (r *rootfs) data(name string, data []byte, mode int64) {
	r.dir(path.Dir(name), 0o755)
	r.entries[path.Clean(name)] = entry{data: data, mode: mode}
}

// base adds what every root file system has: the mount points, /tmp, and
// users for root and nobody (the notes switch to nobody's uid for what an
// ordinary user is refused).
func (r *rootfs) base() {
	for _, d := range []string{"/proc", "/sys", "/dev", "/run", "/root", "/etc", "/var/tmp"} {
		r.dir(d, 0o755)
	}
	r.dir("/tmp", 0o1777)
	r.data("/etc/passwd", []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"), 0o644)
	r.data("/etc/group", []byte("root:x:0:\nnogroup:x:65534:\n"), 0o644)
}

// source adds the module's files under srcDir: what the go command would
// see (no directory whose name starts with "." or "_"), without built
// test binaries.
func (r *rootfs) source(root string) error {
	return filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasSuffix(name, ".test") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		r.file(path.Join(srcDir, filepath.ToSlash(rel)), p, 0o644)
		return nil
	})
}

// mtime is every entry's time: a fixed one, so that a rebuild from the
// same files gives the same layer.
var mtime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// write writes the tar stream.
func (r *rootfs) write(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	tw := tar.NewWriter(bw)
	for _, name := range slices.Sorted(maps.Keys(r.entries)) {
		e := r.entries[name]
		h := &tar.Header{Name: strings.TrimPrefix(name, "/"), Mode: e.mode, ModTime: mtime, Uname: "root", Gname: "root", Format: tar.FormatPAX}
		if e.dir {
			h.Typeflag, h.Name = tar.TypeDir, h.Name+"/"
			if err := tw.WriteHeader(h); err != nil {
				return err
			}
			continue
		}
		data := e.data
		if e.src != "" {
			var err error
			if data, err = os.ReadFile(e.src); err != nil {
				return err
			}
		}
		h.Typeflag, h.Size = tar.TypeReg, int64(len(data))
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// writeFile writes the tar stream to path, whole or not at all.
func writeFile(p string, r *rootfs) error {
	tmp := p + ".partial"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	err = errors.Join(r.write(f), f.Close())
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
