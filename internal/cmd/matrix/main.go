// Matrix runs the notes on several kernels and tables their verdicts: one
// row per claim (and part), one column per kernel.
//
// Each kernel is a Debian package, fetched by name with apt-get through a
// private apt configuration (the system's sources are neither read nor
// changed) and cached under the user's cache directory
// (~/.cache/netnotes: apt/ for the lists and the .deb files, kernels/ for
// the unpacked packages). For each, internal/vm builds an initramfs holding
// a static init, the modules the notes need and every chapter's test
// binary (built once, CGO_ENABLED=0, -tags sudo), boots it with
// qemu-system-x86_64 (KVM where it works, TCG otherwise; one vCPU) and
// reads the tests' output back from a serial port. "host" runs the same
// tests natively on the running kernel (as root, for the privileged notes).
//
// A kernel named "arm64:6.1" (or any kernel with -arch arm64) is Debian's
// arm64 package of that line, with arm64 test binaries and arm64 programs
// from Debian's packages, booted with qemu-system-aarch64 (vm.Arch says
// how); its column is named the same way, in the table, in
// internal/records/matrix.txt and in the README.
//
// The notes run with -short: what the matrix compares is functional. The
// drills (TestDrill*, which make a claim false on purpose and give no
// verdict) are left out unless -drills.
// Timing under emulation measures the emulator, so the performance
// verdicts skip inside a VM and say so.
//
// Besides kernels, it runs host scenarios (-scenarios names built-in ones,
// -scenario defines one): a kernel command line, modules loaded before the
// notes, sysctls in the initial namespace, tracefs left unmounted, busybox's
// rm and unlink. Each scenario runs on every Debian kernel after that
// kernel's plain run, in a column of its own; a verdict that differs from
// the plain run's is marked and shown with its evidence and the plain
// run's, under the table. Scenario columns are never recorded or checked.
//
// Usage:
//
//	go run ./internal/cmd/matrix [-kernels "5.10 6.1 6.12 host"] [-run regexp] [-timeout 5m]
//	go run ./internal/cmd/matrix -kernels 6.12 -scenarios "ipv6-off calico-host busybox-userland no-tracefs"
//	go run ./internal/cmd/matrix -kernels 6.12 -scenario 'mine:like=calico-host,append=ipv6.disable=1
//	go run ./internal/cmd/matrix -kernels linux-image-6.1.0-56-rt-amd64
//	go run ./internal/cmd/matrix -arch arm64          # arm64's 6.1 and 6.12
//	go run ./internal/cmd/matrix -kernels "arm64:6.12 6.12"
//	go run ./internal/cmd/matrix -record   # write internal/records/matrix.txt
//	go run ./internal/cmd/matrix -check    # fail when a recorded kernel line disagrees
//
// `make matrix` runs it; `make matrix KERNELS="..."` passes -kernels,
// SCENARIOS="..." -scenarios, SCENARIO='...' -scenario and ARCH=arm64
// -arch.
// A kernel that cannot be fetched, unpacked, booted or run to the end is
// reported with what went wrong, and the other kernels still run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/exit"
	"netnotes/internal/records"
	"netnotes/internal/scratch"
	"netnotes/internal/vm"
)

// DefaultKernels is one kernel per line the notes are checked on;
// DefaultArmKernels the same with -arch arm64 (Debian's bookworm has 6.1
// and 6.12 for arm64; the host, x86_64 here, cannot be one of them).
const (
	DefaultKernels    = "5.10 6.1 6.12 host"
	DefaultArmKernels = "6.1 6.12"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, unix.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	kernels []string
	arch    vm.Arch // of the kernels named without one
	run     string
	timeout time.Duration
	// timeoutSet: -timeout was given, so it holds for every architecture;
	// otherwise a foreign one gets foreignSlowdown times the default.
	timeoutSet bool
	cache      string
	out        string
	evidence   bool
	record     bool
	check      bool
	drills     bool
	scens      []*vm.Scenario
	jobs       int
}

// drillTests names the drills: tests that make a claim false on purpose to
// show its judge can say so. They give no verdict about the kernel and
// spend most of their time waiting for what does not come (40 of a VM's
// 70 s under emulation), so the matrix leaves them out unless -drills.
const drillTests = "^TestDrill"

// run is the tool: read the flags, plan a task per kernel and scenario,
// boot them, print the table, record or check it. Every step returns an
// error; this is the one place that prints it, a line at a time.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return exit.Code("matrix", matrix(ctx, args, stdout, stderr), stderr)
}

func matrix(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, kernelArch, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "matrix: "+format+"\n", a...)
	}
	if removed := vm.Sweep(); len(removed) > 0 {
		logf("removed what a killed run left: %s", strings.Join(removed, ", "))
	}
	root, scan, err := records.ScanModule(".")
	if err != nil {
		return exit.CannotRun(err)
	}
	r := &runner{ctx: ctx, o: o, root: root, pkgs: chapters(scan), kernelArch: kernelArch, logf: logf}
	tasks := r.plan()
	defer func() {
		for _, release := range r.release {
			release()
		}
	}()
	if err := r.prepare(scan.Module, tasks); err != nil {
		return exit.Failed(err)
	}
	cols := r.runAll(tasks)
	diffs := scenarioDiffs(cols)
	writeTable(stdout, cols, diffs, o.evidence)

	problems := problemsOf(cols, diffs)
	path := filepath.Join(root, records.MatrixFile)
	if o.record {
		if len(problems) > 0 {
			return exit.Failed(errors.Join(append(problems, errors.New("a kernel failed, so nothing was recorded"))...))
		}
		if err := recordAll(path, root, cols, logf); err != nil {
			return exit.Failed(err)
		}
	}
	if o.check {
		diffs, err := check(path, cols)
		if err != nil {
			return exit.Failed(err)
		}
		for _, d := range diffs {
			problems = append(problems, errors.New("differs from the record: "+d))
		}
	}
	if len(problems) > 0 {
		return exit.Failed(errors.Join(problems...))
	}
	return nil
}

// parseFlags reads the command line into options, and each kernel named
// into its architecture: "6.1" (amd64's) or "arm64:6.1" from here on.
func parseFlags(args []string, stderr io.Writer) (o options, kernelArch map[string]vm.Arch, err error) {
	fs := flag.NewFlagSet("matrix", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kernels := fs.String("kernels", "", "kernels to run, space-separated: Debian kernel lines (5.10, 6.1, 6.12), linux-image-* package names, or host; arch:kernel for another architecture's (arm64:6.1) (default \""+DefaultKernels+"\", with -arch arm64 \""+DefaultArmKernels+"\")")
	archName := fs.String("arch", "amd64", "the `architecture` of the kernels named without one (amd64, arm64: Debian's arm64 kernels under qemu-system-aarch64)")
	fs.StringVar(&o.run, "run", "", "pass -test.run `regexp` to the tests")
	fs.DurationVar(&o.timeout, "timeout", 6*time.Minute, "kill a VM that has not powered off after this `duration` and report its kernel as hung; unless given, a VM of another architecture than this machine's gets twice the default")
	fs.StringVar(&o.cache, "cache", "", "cache `directory` for apt lists, packages and unpacked kernels (default: the user's cache dir/netnotes)")
	fs.StringVar(&o.out, "out", "", "also write each kernel's `go test -json` stream into `directory` (read one with: go run ./internal/cmd/notes -from FILE)")
	fs.BoolVar(&o.evidence, "evidence", false, "print each kernel's evidence under the table")
	fs.BoolVar(&o.record, "record", false, "write the Debian kernels' verdicts to "+records.MatrixFile)
	fs.BoolVar(&o.drills, "drills", false, "also run the drills (tests that make a claim false on purpose; they give no verdict)")
	fs.BoolVar(&o.check, "check", false, "exit non-zero when a kernel line's verdicts differ from "+records.MatrixFile+" (plain runs only)")
	fs.IntVar(&o.jobs, "jobs", 1, "boot up to `n` VMs at a time (each takes one CPU under emulation)")
	names := fs.String("scenarios", "", "also run these built-in host `scenarios` (space-separated) on each Debian kernel:"+builtinHelp())
	defs := fs.String("scenario", "", "define and run host scenarios (space-separated `definitions`), each "+scenarioKeys)
	if err := fs.Parse(args); err != nil {
		return o, nil, exit.CannotRun(nil) // the flag package has said why
	}
	fs.Visit(func(f *flag.Flag) { o.timeoutSet = o.timeoutSet || f.Name == "timeout" })
	if o.scens, err = scenarios(*names, *defs); err != nil {
		return o, nil, exit.CannotRun(err)
	}
	switch {
	case o.jobs < 1:
		return o, nil, exit.CannotRun(errors.New("-jobs wants 1 or more"))
	case o.record && len(o.scens) > 0:
		return o, nil, exit.CannotRun(errors.New("-record records the plain runs only; run it without scenarios"))
	case fs.NArg() > 0:
		return o, nil, exit.CannotRun(fmt.Errorf("unexpected arguments %q (kernels go in -kernels)", fs.Args()))
	}
	if o.arch, err = vm.LookupArch(*archName); err != nil {
		return o, nil, exit.CannotRun(fmt.Errorf("-arch: %w", err))
	}
	if *kernels == "" {
		*kernels = DefaultKernels
		if o.arch.Name == "arm64" {
			*kernels = DefaultArmKernels
		}
	}
	kernelArch = map[string]vm.Arch{}
	for _, name := range strings.Fields(*kernels) {
		arch, k, err := vm.SplitKernel(name, o.arch)
		if err != nil {
			return o, nil, exit.CannotRun(fmt.Errorf("kernel %s: %w", name, err))
		}
		if k != "host" {
			k = arch.KernelName(k)
		} else if arch.Name != vm.HostArch().Name {
			return o, nil, exit.CannotRun(fmt.Errorf("kernel %s: this machine is %s; %s kernels run under qemu only", name, vm.HostArch().Name, arch.Name))
		}
		o.kernels = append(o.kernels, k)
		kernelArch[k] = arch
	}
	if len(o.kernels) == 0 {
		return o, nil, exit.CannotRun(errors.New("no kernels given"))
	}
	if len(o.scens) > 0 && !slices.ContainsFunc(o.kernels, func(k string) bool { return k != "host" }) {
		return o, nil, exit.CannotRun(errors.New("the scenarios run on Debian kernels under qemu, and -kernels names none (e.g. -kernels 6.12)"))
	}
	if o.cache == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return o, nil, exit.CannotRun(fmt.Errorf("no cache directory (set -cache): %w", err))
		}
		o.cache = filepath.Join(dir, "netnotes")
	}
	return o, kernelArch, nil
}

// runner boots the kernels of one run of the matrix.
type runner struct {
	ctx        context.Context
	o          options
	root       string
	pkgs       []string
	kernelArch map[string]vm.Arch
	logf       func(string, ...any)
	apts       map[string]*vm.Apt     // per architecture
	payloads   map[string]*vm.Payload // per architecture
	release    []func()               // removes the payloads' directories
}

// task is one column of the table: a kernel's plain run, or a scenario on it.
type task struct {
	kernel string
	sc     *vm.Scenario
}

// plan lists one task per kernel and scenario, in the table's order: each
// kernel's plain run, then its scenarios (VMs only).
func (r *runner) plan() []task {
	if len(r.o.scens) > 0 && slices.Contains(r.o.kernels, "host") {
		r.logf("host: the scenarios need a VM of their own, so host runs plain only")
	}
	var tasks []task
	for _, k := range r.o.kernels {
		tasks = append(tasks, task{k, nil})
		if k != "host" {
			for _, sc := range r.o.scens {
				tasks = append(tasks, task{k, sc})
			}
		}
	}
	return tasks
}

// prepare builds, for each architecture of a VM among the tasks, the test
// binaries and the packages its kernels need.
func (r *runner) prepare(module string, tasks []task) error {
	r.apts, r.payloads = map[string]*vm.Apt{}, map[string]*vm.Payload{}
	for _, t := range tasks {
		arch := r.kernelArch[t.kernel]
		if t.kernel == "host" || r.payloads[arch.Name] != nil {
			continue
		}
		apt, payload, release, err := prepare(r.ctx, arch, r.root, module, r.pkgs, r.o, r.logf)
		if err != nil {
			return err
		}
		r.release = append(r.release, release)
		payload.Args = testArgs(r.o, r.o.timeoutFor(arch))
		r.payloads[arch.Name], r.apts[arch.Name] = payload, apt
	}
	return nil
}

// testArgs are the test binaries' flags in a VM. Each binary's own timeout
// comes before the VM's, so that a hung test is reported by name (with its
// goroutines) rather than as a hung kernel.
func testArgs(o options, vmTimeout time.Duration) []string {
	testTimeout := vmTimeout * 9 / 10
	if vmTimeout > 2*time.Minute {
		testTimeout = vmTimeout - 30*time.Second
	}
	args := []string{"-test.v=test2json", "-test.short", "-test.count=1", "-test.timeout=" + testTimeout.String()}
	if o.run != "" {
		args = append(args, "-test.run", o.run)
	}
	if !o.drills {
		args = append(args, "-test.skip", drillTests)
	}
	return args
}

// runAll runs the tasks: the host alone first, then the VMs -jobs at a
// time. It returns the columns of the tasks that ran (an interrupt stops
// the rest), in the tasks' order.
func (r *runner) runAll(tasks []task) []column {
	cols := make([]column, len(tasks))
	ran := make([]bool, len(tasks))
	for i, t := range tasks {
		if t.kernel == "host" && r.ctx.Err() == nil {
			cols[i], ran[i] = r.runTask(t), true
		}
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, r.o.jobs)
	for i, t := range tasks {
		if t.kernel == "host" {
			continue
		}
		slots <- struct{}{}
		if r.ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			cols[i], ran[i] = r.runTask(t), true
		}()
	}
	wg.Wait()
	var done []column
	for i := range cols {
		if ran[i] {
			done = append(done, cols[i])
		}
	}
	return done
}

// runTask runs one kernel (or scenario) and reads its column of the table.
func (r *runner) runTask(t task) column {
	col := column{Kernel: t.kernel}
	name := t.kernel
	if t.sc != nil {
		col.Scenario, col.Def = t.sc.Name, describeScenario(t.sc)
		name += " " + t.sc.Name
	}
	var res *vm.Result
	if t.kernel == "host" {
		res = runHost(r.ctx, r.root, r.pkgs, r.o, r.logf)
	} else {
		arch := r.kernelArch[t.kernel]
		res = vm.RunKernel(r.ctx, r.apts[arch.Name], t.kernel, r.payloads[arch.Name], vm.Options{Cache: r.o.cache, Accel: arch.Accel(), Timeout: r.o.timeoutFor(arch), Log: r.logf, Scenario: t.sc})
	}
	col.Release = res.Release
	col.Problems, col.Seen = res.Problems, res.Seen
	if err := col.readColumn(res.JSON); err != nil {
		col.Problems = append(col.Problems, err.Error())
	}
	if res.Err != nil {
		col.Err = res.Err.Error()
	}
	for _, p := range res.Problems {
		r.logf("%s: %s", name, p)
	}
	r.logf("%s: %d verdicts, %d failed tests, %s", name, len(col.Verdicts), len(col.Failed), res.Took.Round(time.Second))
	if res.Err != nil {
		r.logf("%v", res.Err)
	}
	if r.o.out != "" {
		if err := save(r.o.out, strings.ReplaceAll(name, " ", "+"), res); err != nil {
			r.logf("%v", err)
		}
	}
	return col
}

// problemsOf lists what makes the run fail: a kernel that failed (its lines
// above say how), and a scenario that leaves a claim without a verdict
// where its kernel's plain run gave one (a note that could not observe
// there, not a finding). A claim that skipped whole in the scenario,
// naming what it lacks there (no nf_tables under no-netfilter), has a
// verdict; its parts then have none of their own, and that is no problem.
func problemsOf(cols []column, diffs []difference) []error {
	var problems []error
	skipped := map[string]bool{} // kernel, scenario, claim
	for _, c := range cols {
		if c.Err != "" || len(c.Failed) > 0 || len(c.Problems) > 0 {
			name := strings.TrimSpace(c.Kernel + " " + c.Scenario)
			problems = append(problems, fmt.Errorf("%s failed (see above)", name))
		}
		for id, v := range c.Verdicts {
			if v == records.Skipped {
				skipped[c.Kernel+"\x00"+c.Scenario+"\x00"+id] = true
			}
		}
	}
	for _, d := range diffs {
		claim, _, part := strings.Cut(d.ID, "/")
		if d.Now == "" && !(part && skipped[d.Kernel+"\x00"+d.Scenario+"\x00"+claim]) {
			problems = append(problems, fmt.Errorf("%s %s: no verdict for %s, where the plain run gave %s", d.Kernel, d.Scenario, d.ID, d.Plain))
		}
	}
	return problems
}

// recordAll writes the Debian kernels' verdicts to matrix.txt and their
// facts under the chapters.
func recordAll(path, root string, cols []column, logf func(string, ...any)) error {
	if err := record(path, cols); err != nil {
		return err
	}
	n, err := recordFacts(root, cols)
	if err != nil {
		return err
	}
	logf("recorded in %s and %d facts files under the chapters' %s; review and commit them", records.MatrixFile, n, records.FactsDir)
	return nil
}

// alsoRun are packages without claims whose privileged tests need what
// only the Debian kernels have (ktrace's kprobes).
var alsoRun = []string{"internal/ktrace"}

// chapters lists the packages whose tests check claims, and alsoRun.
func chapters(scan *records.Scan) []string {
	pkgs := scan.Chapters()
	for _, p := range alsoRun {
		pkgs = append(pkgs, scan.Module+"/"+p)
	}
	sort.Strings(pkgs)
	return pkgs
}

// prepare sets up apt and builds what every VM of arch runs, in a
// directory of payloads/ that release removes. amd64 keeps the cache's
// apt/ and payloads/ directories; another architecture has its own
// (apt-arm64/, payloads-arm64/): apt's lists are of one architecture.
func prepare(ctx context.Context, arch vm.Arch, root, module string, pkgs []string, o options, logf func(string, ...any)) (_ *vm.Apt, _ *vm.Payload, release func(), err error) {
	if err := os.MkdirAll(o.cache, 0o755); err != nil {
		return nil, nil, nil, err
	}
	suffix := ""
	if arch.Name != vm.Arches[0].Name {
		suffix = "-" + arch.Name
	}
	apt, err := vm.NewApt(filepath.Join(o.cache, "apt"+suffix))
	if err != nil {
		return nil, nil, nil, err
	}
	apt.Arch = arch
	logf("kernel packages are cached in %s", o.cache)
	if err := apt.Update(ctx, 24*time.Hour); err != nil {
		if !apt.HasLists() {
			return nil, nil, nil, err
		}
		// Yesterday's lists still name packages the cache may hold.
		logf("updating the package lists failed, going on with the cached ones: %v", err)
	}
	// Each run builds its test binaries into a directory of its own,
	// held while it runs: two runs at once (a reader's two terminals)
	// once overwrote each other's binaries in a shared payload/, and a
	// VM then ran another run's tests. A killed run's is swept by the next.
	payloads := filepath.Join(o.cache, "payloads"+suffix)
	if err := os.MkdirAll(payloads, 0o755); err != nil {
		return nil, nil, nil, err
	}
	dir, held, err := scratch.Hold(payloads)
	if err != nil {
		return nil, nil, nil, err
	}
	defer func() {
		if err != nil {
			held()
		}
	}()
	logf("building the init and %d packages' test binaries (static, -tags sudo, GOARCH=%s)", len(pkgs), arch.GOARCH)
	p, err := vm.BuildPayload(ctx, arch, root, module, pkgs, dir)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(arch.Userland) > 0 {
		// Another architecture's programs, from Debian's packages of it.
		if p.Root, err = apt.Userland(ctx, o.cache); err != nil {
			return nil, nil, nil, err
		}
		logf("%s programs from %s (%s)", arch.Name, p.Root, strings.Join(arch.Userland, ", "))
		for _, prog := range []string{"rm", "unlink"} {
			path, err := vm.FindProgram(p.Root, prog)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("%s userland: %w", arch.Name, err)
			}
			p.Programs = append(p.Programs, path)
		}
		return apt, p, held, nil
	}
	for _, prog := range []string{"rm", "unlink"} {
		if path, err := exec.LookPath(prog); err == nil {
			p.Programs = append(p.Programs, path)
		}
	}
	return apt, p, held, nil
}

// runHost runs the notes natively on the running kernel.
func runHost(ctx context.Context, root string, pkgs []string, o options, logf func(string, ...any)) *vm.Result {
	var u unix.Utsname
	_ = unix.Uname(&u)
	res := &vm.Result{Kernel: "host", Release: unix.ByteSliceToString(u.Release[:])}
	args := []string{"test", "-json", "-short", "-count=1", "-tags", "sudo"}
	if o.run != "" {
		args = append(args, "-run", o.run)
	}
	if !o.drills {
		args = append(args, "-skip", drillTests)
	}
	args = append(args, pkgs...)
	logf("host: go %s", strings.Join(args, " "))
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	out, err := cmd.Output()
	res.Took = time.Since(start)
	res.JSON = out
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		res.Err = fmt.Errorf("host: go test: %w", err)
	}
	return res
}

func save(dir, kernel string, r *vm.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(kernel)
	if err := os.WriteFile(filepath.Join(dir, name+".json"), r.JSON, 0o644); err != nil {
		return err
	}
	if len(r.Console) > 0 {
		return os.WriteFile(filepath.Join(dir, name+".console"), r.Console, 0o644)
	}
	return nil
}

// foreignSlowdown is how much longer a VM of another architecture than
// this machine's may take: qemu translates every instruction (TCG), and
// arm64's 6.1 ran the tracing tests about three times slower than x86's
// 6.12 here; with the drills on a loaded 2-core machine it passed 6m.
const foreignSlowdown = 2

// timeoutFor is how long a VM of arch may run before it counts as hung.
func (o *options) timeoutFor(arch vm.Arch) time.Duration {
	if o.timeoutSet || arch.Name == vm.HostArch().Name {
		return o.timeout
	}
	return foreignSlowdown * o.timeout
}
