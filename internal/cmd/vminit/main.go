// Vminit is the init (PID 1) of the matrix's virtual machines: a static
// program the kernel runs from the initramfs that internal/vm builds.
//
// It mounts what the notes need (proc, sysfs, devtmpfs, a tmpfs on /tmp,
// tracefs unless the plan's scenario leaves it unmounted), loads the
// kernel modules of the plan in order with finit_module, writes the
// plan's sysctls, says what it sees of the scenario (its command line,
// tracefs, the programs the notes run), runs each chapter's test binary
// with the plan's flags, and powers the machine off. Everything the host
// reads goes to the data port (its architecture's vm.Arch.DataPort:
// amd64's second serial port, arm64's virtio console, whose driver
// modules the plan's DataModules load first): the tests' output in
// test2json form between framing lines that start with vm.Frame; the
// kernel's own messages stay on the console. It never returns: a PID 1
// that exits panics the kernel.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/vm"
)

func main() {
	out := setup()
	err := run(out)
	if err != nil {
		frame(out, "error %v", err)
	}
	frame(out, "done")
	unix.Sync()
	_ = unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	select {} // PID 1 must not exit
}

// setup mounts the file systems and opens the data port (or the console
// when the port is missing, so that something is seen).
func setup() io.Writer {
	mounts := []struct{ src, dir, fstype string }{
		{"proc", "/proc", "proc"},
		{"sysfs", "/sys", "sysfs"},
		{"devtmpfs", "/dev", "devtmpfs"},
		{"tmpfs", "/tmp", "tmpfs"},
		{"tmpfs", "/run", "tmpfs"},
	}
	var errs []error
	for _, m := range mounts {
		_ = os.MkdirAll(m.dir, 0o755)
		if err := unix.Mount(m.src, m.dir, m.fstype, 0, ""); err != nil {
			errs = append(errs, fmt.Errorf("mount %s on %s: %w", m.fstype, m.dir, err))
		}
	}
	// securityfs, as a booted system has it, names the kernel's lockdown
	// mode (the notes' where line reads it); a kernel without it is no
	// error of the VM's.
	_ = unix.Mount("securityfs", "/sys/kernel/security", "securityfs", 0, "")
	dataPort := vm.ArchOf(runtime.GOARCH).DataPort
	errs = append(errs, dataModules(dataPort)...)
	var out io.Writer = os.Stdout
	if f, err := openPort(dataPort); err == nil {
		raw(f)
		out = f
	} else if c, err2 := os.OpenFile("/dev/console", os.O_WRONLY, 0); err2 == nil {
		out = c
		errs = append(errs, fmt.Errorf("opening %s: %w", dataPort, err))
	}
	for _, err := range errs {
		frame(out, "error %v", err)
	}
	// One line on the console, so that a VM that hangs later shows it
	// got this far.
	if c, err := os.OpenFile("/dev/console", os.O_WRONLY, 0); err == nil {
		fmt.Fprintf(c, "vminit: running the notes, results on %s\n", dataPort)
		c.Close()
	}
	return out
}

// dataModules loads the plan's DataModules (the data port's driver).
func dataModules(port string) []error {
	b, err := os.ReadFile(vm.PlanPath)
	if err != nil {
		return nil // run reports it
	}
	var plan vm.Plan
	if json.Unmarshal(b, &plan) != nil || len(plan.DataModules) == 0 {
		return nil
	}
	var errs []error
	for _, m := range plan.DataModules {
		if err := load(m); err != nil {
			errs = append(errs, fmt.Errorf("module %s (for %s): %w", filepath.Base(m), port, err))
		}
	}
	return errs
}

// openPort opens the data port, waiting up to ten seconds for it: a
// virtio console's port is added after its driver has probed the device
// and talked with qemu, while its device node (hvc0) may be there from the
// start and answer ENODEV until then.
func openPort(port string) (*os.File, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		f, err := os.OpenFile(port, os.O_WRONLY, 0)
		if err == nil || time.Now().After(deadline) || !(errors.Is(err, unix.ENODEV) || errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENXIO)) {
			return f, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// raw turns off output processing (\n to \r\n) on the serial port.
func raw(f *os.File) {
	t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		return
	}
	t.Oflag &^= unix.OPOST
	_ = unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, t)
}

func frame(out io.Writer, format string, args ...any) {
	fmt.Fprintf(out, "\n"+vm.Frame+format+"\n", args...)
}

// run carries out the plan the matrix wrote: the scenario's conditions,
// then each test binary, each framed for the host to read.
func run(out io.Writer) error {
	b, err := os.ReadFile(vm.PlanPath)
	if err != nil {
		return err
	}
	var plan vm.Plan
	if err := json.Unmarshal(b, &plan); err != nil {
		return fmt.Errorf("%s: %w", vm.PlanPath, err)
	}
	if plan.NoTracefs {
		frame(out, "condition tracefs not mounted (nothing on /sys/kernel/tracing)")
	} else if err := unix.Mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, ""); err != nil {
		frame(out, "error mount tracefs on /sys/kernel/tracing: %v", err)
	}
	for _, m := range plan.Modules {
		name := strings.TrimSuffix(filepath.Base(m), ".ko")
		if err := load(m); err != nil {
			frame(out, "module %s error %v", name, err)
		} else {
			frame(out, "module %s ok", name)
		}
	}
	for _, s := range plan.Sysctls {
		setSysctl(out, s)
	}
	if len(plan.Show) > 0 {
		showConditions(out, plan)
	}
	for _, t := range plan.Tests {
		runTest(out, plan, t)
	}
	return nil
}

// setSysctl writes s and says what it was, what it reads now and, for
// the network's, what a new namespace reads.
func setSysctl(out io.Writer, s vm.Sysctl) {
	was, _ := os.ReadFile(s.Path())
	if err := os.WriteFile(s.Path(), []byte(s.Value), 0); err != nil {
		frame(out, "sysctl %s=%s error %v", s.Key, s.Value, err)
		return
	}
	got, err := os.ReadFile(s.Path())
	if err != nil {
		frame(out, "sysctl %s=%s error reading it back: %v", s.Key, s.Value, err)
		return
	}
	fresh := ""
	if strings.HasPrefix(s.Key, "net.") {
		fresh = "; a new network namespace reads " + inNewNetns(s.Path())
	}
	frame(out, "sysctl %s=%s ok (was %s, reads %s%s)", s.Key, s.Value, strings.TrimSpace(string(was)), strings.TrimSpace(string(got)), fresh)
}

// showConditions says the kernel's command line, its modules, and which
// program each of plan.Show is on the tests' PATH (which it sets).
func showConditions(out io.Writer, plan vm.Plan) {
	if b, err := os.ReadFile("/proc/cmdline"); err == nil {
		frame(out, "condition cmdline %s", strings.TrimSpace(string(b)))
	}
	if b, err := os.ReadFile("/proc/modules"); err == nil {
		var names []string
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) > 0 {
				names = append(names, f[0])
			}
		}
		frame(out, "condition modules %s", strings.Join(names, " "))
	}
	os.Setenv("PATH", pathOf(plan.Env))
	for _, name := range plan.Show {
		p, err := exec.LookPath(name)
		if err != nil {
			frame(out, "condition %s not found on PATH", name)
			continue
		}
		if real, err := filepath.EvalSymlinks(p); err == nil && real != p {
			p += " -> " + real
		}
		frame(out, "condition %s is %s", name, p)
	}
}

// runTest runs one test binary of the plan, framed by begin and end.
func runTest(out io.Writer, plan vm.Plan, t vm.Test) {
	frame(out, "begin %s", t.Package)
	cmd := exec.Command(t.Binary, t.Args...)
	cmd.Dir = t.Dir
	cmd.Env = plan.Env
	cmd.Stdout = out
	cmd.Stderr = out
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		frame(out, "error %s: %v", t.Binary, err)
		code = -1
	}
	frame(out, "end %s exit %d", t.Package, code)
}

// inNewNetns reads a /proc/sys/net file from a network namespace made for
// the purpose: what the notes' fresh namespaces inherit of the initial
// one's setting (tcp_congestion_control and IPv4's conf/all and
// conf/default are copied; IPv6's only under
// net.core.devconf_inherit_init_net=1). The thread that made it stays in
// it and ends with its goroutine, never unlocked.
func inNewNetns(path string) string {
	got := make(chan string, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			got <- fmt.Sprintf("nothing (unshare: %v)", err)
			return
		}
		b, err := os.ReadFile(path)
		if err != nil {
			got <- fmt.Sprintf("nothing (%v)", err)
			return
		}
		got <- strings.TrimSpace(string(b))
	}()
	return <-got
}

// pathOf returns the PATH of an environment.
func pathOf(env []string) string {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			return v
		}
	}
	return "/usr/bin:/bin"
}

// load inserts one module; one that is already there is fine.
func load(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	err = unix.FinitModule(int(f.Fd()), "", 0)
	if errors.Is(err, unix.EEXIST) {
		return nil
	}
	return err
}
