package vm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Payload is what every VM runs: the init and the chapters' test binaries,
// built once for all kernels.
type Payload struct {
	Init     string            // the static init binary
	Tests    map[string]string // package path -> static test binary
	Dirs     map[string]string // package path -> its source directory (for testdata)
	Programs []string          // programs the notes run (rm, unlink), with their libraries
	Root     string            // where Programs are read from: "" the host, else a tree of Arch's packages (Apt.Userland)
	Args     []string          // flags of every test binary
	Arch     Arch              // what it is built for, and the machine it boots
}

// BuildPayload compiles the init and the test binaries of pkgs (import
// paths in the module at root) for arch into dir, statically
// (CGO_ENABLED=0), with the sudo tag.
func BuildPayload(ctx context.Context, arch Arch, root, module string, pkgs []string, dir string) (*Payload, error) {
	p := &Payload{Init: filepath.Join(dir, "init"), Dirs: map[string]string{}, Arch: arch}
	if err := GoBuild(ctx, arch, root, "build", "-o", p.Init, "./internal/cmd/vminit"); err != nil {
		return nil, err
	}
	var err error
	if p.Tests, err = BuildTests(ctx, arch, root, module, pkgs, dir); err != nil {
		return nil, err
	}
	for pkg := range p.Tests {
		p.Dirs[pkg] = filepath.Join(root, strings.TrimPrefix(pkg, module+"/"))
	}
	return p, nil
}

// BuildTests compiles the test binaries of pkgs (import paths in the
// module at root) for arch into dir, statically, with the sudo tag: one
// PACKAGE.test each, named by the package's last element as go test -c
// names it. It returns package path -> binary; a package without tests
// has none.
func BuildTests(ctx context.Context, arch Arch, root, module string, pkgs []string, dir string) (map[string]string, error) {
	args := []string{"test", "-c", "-tags", "sudo", "-o", dir + "/"}
	for _, pkg := range pkgs {
		args = append(args, "./"+strings.TrimPrefix(pkg, module+"/"))
	}
	if err := GoBuild(ctx, arch, root, args...); err != nil {
		return nil, err
	}
	tests := map[string]string{}
	for _, pkg := range pkgs {
		bin := filepath.Join(dir, path.Base(strings.TrimPrefix(pkg, module+"/"))+".test")
		if _, err := os.Stat(bin); err == nil {
			tests[pkg] = bin
		}
	}
	return tests, nil
}

// GoBuild runs the go command in root for arch, statically (CGO_ENABLED=0).
func GoBuild(ctx context.Context, arch Arch, root string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOARCH="+arch.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// Result is what one kernel did with the notes.
type Result struct {
	Kernel   string        // the name asked for: "6.1", a package name, "host"
	Package  string        // the Debian package booted
	Release  string        // uname -r
	Took     time.Duration // boot and tests, wall time
	JSON     []byte        // the tests' `go test -json` stream
	Modules  []string      // "veth ok", "bridge error ..."
	Seen     []string      // what the init saw of the scenario: "sysctl ...", "condition ..."
	Problems []string      // what went wrong around the tests
	Console  []byte        // the kernel's messages
	Err      error         // the kernel could not be fetched, booted or run to the end
	done     bool
}

// Options are the knobs of one kernel's run.
type Options struct {
	Cache   string // cache directory (packages, unpacked kernels)
	Accel   string // qemu accelerator
	Timeout time.Duration
	Log     func(format string, args ...any)
	// Scenario is the host condition to set up; nil is the plain run.
	Scenario *Scenario
}

// RunKernel fetches kernel (a line such as "6.1" or a package name),
// builds its initramfs with payload, boots it and collects the results.
// Every failure ends up in Result.Err, naming the kernel.
func RunKernel(ctx context.Context, apt *Apt, kernel string, payload *Payload, o Options) *Result {
	r := &Result{Kernel: kernel}
	start := time.Now()
	defer func() { r.Took = time.Since(start) }()
	sc := o.Scenario
	if sc == nil {
		sc = &Scenario{}
	}
	name := kernel
	if sc.Name != "" {
		name += " " + sc.Name
	}
	fail := func(err error) *Result { r.Err = fmt.Errorf("kernel %s: %w", name, err); return r }
	k, mods, bb, err := fetch(ctx, apt, kernel, sc, o, func(pkg string) {
		r.Package = pkg
		o.Log("%s: %s", name, pkg)
	})
	if err != nil {
		return fail(err)
	}
	r.Release = k.Release
	early, err := k.ModulesFor(payload.Arch.DataModules)
	if err != nil {
		return fail(fmt.Errorf("the data port %s: %w", payload.Arch.DataPort, err))
	}
	initrd, err := os.CreateTemp("", tempPrefix()+"initrd-")
	if err != nil {
		return fail(err)
	}
	defer os.Remove(initrd.Name())
	if err := writeInitramfs(initrd, early, mods, payload, sc, bb); err != nil {
		initrd.Close()
		return fail(fmt.Errorf("building the initramfs: %w", err))
	}
	if err := initrd.Close(); err != nil {
		return fail(err)
	}
	o.Log("%s: booting %s under qemu (%s, one vCPU, timeout %s)", name, k.Release, o.Accel, o.Timeout)
	boot, err := Run(ctx, payload.Arch, k.Image, initrd.Name(), o.Accel, o.Timeout, sc.Append...)
	if err != nil && o.Accel == "kvm" && ctx.Err() == nil && (boot == nil || len(boot.Data) == 0) {
		// A /dev/kvm that opens may still refuse this guest.
		o.Log("%s: qemu with KVM failed (%v); emulating (TCG) instead", kernel, err)
		boot, err = Run(ctx, payload.Arch, k.Image, initrd.Name(), "tcg", o.Timeout, sc.Append...)
	}
	if boot != nil {
		r.Console = boot.Console
		r.parse(ctx, boot.Data)
	}
	switch {
	case boot != nil && boot.TimedOut:
		return fail(fmt.Errorf("hung: no power-off within %s (%s)", o.Timeout, lastWords(boot)))
	case err != nil:
		return fail(err)
	case !r.done:
		return fail(fmt.Errorf("the VM stopped before the notes finished (%s)", lastWords(boot)))
	}
	return r
}

// writeInitramfs writes the init, the modules, the tests and the programs
// they run, set up as sc says; busybox is its userland's binary, if any.
// fetchMu keeps runs that go on at once (matrix -jobs) from fetching or
// unpacking the same package together.
var fetchMu sync.Mutex

// fetch gets and unpacks the kernel package, finds the modules to load
// and the scenario's userland (busybox's path, if any).
func fetch(ctx context.Context, apt *Apt, kernel string, sc *Scenario, o Options, resolved func(pkg string)) (*Kernel, []Module, string, error) {
	fetchMu.Lock()
	defer fetchMu.Unlock()
	pkg, err := apt.Resolve(ctx, kernel)
	if err != nil {
		return nil, nil, "", err
	}
	resolved(pkg)
	deb, err := apt.Download(ctx, pkg)
	if err != nil {
		return nil, nil, "", err
	}
	k, err := Unpack(ctx, deb, pkg, filepath.Join(o.Cache, "kernels", pkg))
	if err != nil {
		return nil, nil, "", err
	}
	mods, err := k.ModulesFor(k.ModuleNames(sc))
	if err != nil {
		return k, nil, "", err
	}
	var bb string
	switch sc.Userland {
	case "":
	case UserlandBusybox:
		if bb, err = busybox(ctx, apt, o.Cache); err != nil {
			return k, nil, "", fmt.Errorf("userland %s: %w", sc.Userland, err)
		}
	default:
		return k, nil, "", fmt.Errorf("userland %q: only %q is known", sc.Userland, UserlandBusybox)
	}
	return k, mods, bb, nil
}

// writeInitramfs writes the init, the modules, the tests and the programs
// they run, set up as sc says; busybox is its userland's binary, if any.
func writeInitramfs(f *os.File, early, mods []Module, p *Payload, sc *Scenario, busybox string) error {
	w := bufio.NewWriterSize(f, 1<<20)
	a := NewInitramfs(w)
	a.CopyFile("/init", p.Init)
	plan := Plan{Env: []string{"PATH=/usr/bin:/bin:/usr/sbin:/sbin", "HOME=/tmp", "TMPDIR=/tmp", EnvVM + "=qemu"},
		Sysctls: sc.Sysctls, NoTracefs: sc.NoTracefs}
	// NETNOTES_STRICT is not passed in: inside a VM the measured parts
	// are skipped on purpose (timing under emulation), which strict mode
	// would fail. The matrix's -check compares every verdict and part,
	// "skipped" included, with the record instead.
	for i, m := range early {
		data, err := ModuleBytes(m)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("/modules/early/%02d-%s.ko", i, m.Name)
		a.File(name, data, 0o644)
		plan.DataModules = append(plan.DataModules, name)
	}
	for i, m := range mods {
		data, err := ModuleBytes(m)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("/modules/%02d-%s.ko", i, m.Name)
		a.File(name, data, 0o644)
		plan.Modules = append(plan.Modules, name)
	}
	for _, pkg := range sortedKeys(p.Tests) {
		base := filepath.Base(pkg)
		bin := "/tests/" + base + ".test"
		a.CopyFile(bin, p.Tests[pkg])
		dir := "/src/" + base
		if td := filepath.Join(p.Dirs[pkg], "testdata"); isDir(td) {
			a.CopyTree(dir+"/testdata", td)
		}
		a.File(dir+"/.keep", nil, 0o644)
		plan.Tests = append(plan.Tests, Test{Package: pkg, Binary: bin, Dir: dir, Args: p.Args})
	}
	if sc.Drills != "" && slices.Contains(p.Args, "-test.skip") {
		// The drills the scenario asks for, in a pass of their own
		// after the notes (the main pass skips every drill).
		for _, t := range slices.Clone(plan.Tests) {
			t.Args = drillArgs(p.Args, sc.Drills)
			plan.Tests = append(plan.Tests, t)
		}
	}
	for _, prog := range p.Programs {
		if busybox != "" && slices.Contains(userlandPrograms, filepath.Base(prog)) {
			continue
		}
		a.ProgramFrom(p.Root, p.Arch, prog)
	}
	if busybox != "" {
		a.CopyFile("/bin/busybox", busybox)
		for _, name := range userlandPrograms {
			a.Symlink("/usr/bin/"+name, "/bin/busybox")
		}
	}
	if !sc.Plain() {
		plan.Show = userlandPrograms
	}
	js, err := json.Marshal(plan)
	if err != nil {
		return err
	}
	a.File(PlanPath, js, 0o644)
	if err := a.Close(); err != nil {
		return err
	}
	return w.Flush()
}

func isDir(p string) bool { fi, err := os.Stat(p); return err == nil && fi.IsDir() }

// lastWords says where a VM stopped: a panic, lockup or BUG on the
// console if there is one, else the last lines of the console and of the
// tests' output.
func lastWords(b *Boot) string {
	console := strings.Split(strings.TrimSpace(string(b.Console)), "\n")
	for i := len(console) - 1; i >= 0 && i >= len(console)-60; i-- {
		l := strings.TrimSpace(console[i])
		for _, sign := range []string{"Kernel panic", "soft lockup", "BUG:", "rcu_sched self-detected stall", "Oops"} {
			if strings.Contains(l, sign) {
				return "console: " + l
			}
		}
	}
	var words []string
	if l := lastLine(b.Console); l != "" {
		words = append(words, "console's last line: "+l)
	} else {
		words = append(words, "nothing on the console")
	}
	if l := lastLine(b.Data); l != "" {
		words = append(words, "tests' last line: "+l)
	} else {
		words = append(words, "no output from the init (did the kernel reach it?)")
	}
	return strings.Join(words, "; ")
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(string(b), "\r", "")), "\n")
	l := strings.TrimSpace(lines[len(lines)-1])
	return strings.TrimPrefix(l, Frame)
}

// parse splits the data port's stream into the frames and each package's
// test output, which `go tool test2json` turns into `go test -json`.
func (r *Result) parse(ctx context.Context, data []byte) {
	var pkg string
	var raw bytes.Buffer
	for _, line := range strings.SplitAfter(string(data), "\n") {
		trimmed := strings.TrimRight(line, "\r\n")
		f, isFrame := strings.CutPrefix(trimmed, Frame)
		if !isFrame {
			if pkg != "" {
				raw.WriteString(line)
			}
			continue
		}
		switch word, rest, _ := strings.Cut(f, " "); word {
		case "module":
			r.Modules = append(r.Modules, rest)
			if strings.Contains(rest, " error ") {
				r.Problems = append(r.Problems, "module "+rest)
			}
		case "sysctl":
			r.Seen = append(r.Seen, f)
			if strings.Contains(rest, " error ") {
				r.Problems = append(r.Problems, f)
			}
		case "condition":
			r.Seen = append(r.Seen, rest)
		case "begin":
			pkg = rest
			raw.Reset()
		case "end":
			r.JSON = append(r.JSON, toJSON(ctx, pkg, raw.Bytes())...)
			if !strings.HasSuffix(rest, " exit 0") && !strings.HasSuffix(rest, " exit 1") {
				r.Problems = append(r.Problems, "test binary "+rest)
			}
			pkg = ""
		case "error":
			r.Problems = append(r.Problems, rest)
		case "done":
			r.done = true
		}
	}
	if pkg != "" { // cut off mid-package: keep what it said
		r.JSON = append(r.JSON, toJSON(ctx, pkg, raw.Bytes())...)
		r.Problems = append(r.Problems, pkg+": cut off before it ended")
	}
}

// toJSON converts a test binary's -test.v=test2json output.
func toJSON(ctx context.Context, pkg string, raw []byte) []byte {
	cmd := exec.CommandContext(ctx, "go", "tool", "test2json", "-t", "-p", pkg)
	cmd.Stdin = bytes.NewReader(bytes.TrimLeft(raw, "\n"))
	out, err := cmd.Output()
	if err != nil && len(out) == 0 {
		ev, _ := json.Marshal(map[string]any{"Action": "output", "Package": pkg, "Output": "test2json: " + err.Error() + "\n"})
		return append(ev, '\n')
	}
	return out
}
