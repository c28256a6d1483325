package vm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"netnotes/internal/role"

	"golang.org/x/sys/unix"
)

// Temporary files (the initramfs, the serial ports' files) are named
// after the runner's pid, so that Sweep can tell those of a runner that
// died before its cleanup.
func tempPrefix() string { return "netnotes-vm-" + strconv.Itoa(os.Getpid()) + "-" }

var tempRE = regexp.MustCompile(`^netnotes-vm-(\d+)-`)

// Sweep removes the temporary files and directories of runners that no
// longer run (killed before their cleanup) and returns their names.
func Sweep() []string {
	entries, err := os.ReadDir(os.TempDir())
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		m := tempRE.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[1])
		if err := unix.Kill(pid, 0); !errors.Is(err, unix.ESRCH) {
			continue
		}
		if os.RemoveAll(filepath.Join(os.TempDir(), e.Name())) == nil {
			removed = append(removed, e.Name())
		}
	}
	return removed
}

// Accel returns the qemu accelerator to use: "kvm" where the CPU offers
// hardware virtualisation and /dev/kvm opens, else "tcg" (emulation).
// NETNOTES_VM_ACCEL overrides the choice.
func Accel() string {
	if a := os.Getenv(role.VMAccelEnv); a != "" {
		return a
	}
	cpu, _ := os.ReadFile("/proc/cpuinfo")
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return "tcg"
	}
	f.Close()
	// A /dev/kvm without vmx or svm (a paravirtual flavour) refuses
	// ordinary guest kernels.
	if bytes.Contains(cpu, []byte(" vmx")) || bytes.Contains(cpu, []byte(" svm")) {
		return "kvm"
	}
	return "tcg"
}

// Boot is what one boot left behind.
type Boot struct {
	Console  []byte        // the kernel's messages (the console, Arch.Console)
	Data     []byte        // the init's output (the data port, Arch.DataPort)
	Took     time.Duration // wall time from qemu's start to its exit
	TimedOut bool          // the VM was killed at the timeout
}

// Run boots image with initrd under arch's qemu (one vCPU: two soft-lock
// 6.1 under TCG) and waits for it to power off, or kills it at timeout.
// extra is appended to the kernel's command line.
func Run(ctx context.Context, arch Arch, image, initrd, accel string, timeout time.Duration, extra ...string) (*Boot, error) {
	qemu, err := exec.LookPath(arch.Qemu)
	if err != nil {
		return nil, fmt.Errorf("%s not found: apt-get install %s", arch.Qemu, arch.QemuPackage)
	}
	dir, err := os.MkdirTemp("", tempPrefix()+"serial-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	console, data := filepath.Join(dir, "console"), filepath.Join(dir, "data")
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := []string{
		"-nodefaults", "-display", "none", "-no-reboot",
		"-accel", accel, "-smp", "1", "-m", "1536",
	}
	args = append(args, arch.machineArgs(accel)...)
	args = append(args,
		"-kernel", image, "-initrd", initrd,
		"-append", strings.Join(append([]string{"console=" + arch.Console + " panic=-1 loglevel=4 rdinit=/init"}, extra...), " "),
		"-serial", "file:"+console)
	args = append(args, arch.dataArgs(data)...)
	cmd := exec.CommandContext(ctx, qemu, args...)
	// A runner killed with SIGKILL cannot kill its VM: the kernel does.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	runErr := cmd.Run()
	b := &Boot{Took: time.Since(start), TimedOut: errors.Is(ctx.Err(), context.DeadlineExceeded)}
	b.Console, _ = os.ReadFile(console)
	b.Data, _ = os.ReadFile(data)
	if runErr != nil && !b.TimedOut && ctx.Err() == nil {
		return b, fmt.Errorf("qemu: %v: %s", runErr, strings.TrimSpace(stderr.String()))
	}
	return b, ctx.Err()
}
