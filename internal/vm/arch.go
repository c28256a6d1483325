package vm

import (
	"debug/elf"
	"fmt"
	"os"
	"runtime"
	"strings"

	"netnotes/internal/role"
)

// Arch is a machine architecture the matrix boots Debian's kernels on:
// what apt fetches for it, what Go builds for it and how qemu emulates it.
type Arch struct {
	Name    string      // Debian's name, in package names and APT::Architecture: "arm64"
	GOARCH  string      // Go's name, for the init and the test binaries: "arm64"
	Machine string      // uname -m, as the evidence names it: "aarch64"
	ELF     elf.Machine // what every program put in the VM must be built for
	Interp  string      // the ELF interpreter its C library's programs name
	LibDirs []string    // where the shared libraries of a program are looked up

	Qemu        string // the emulator
	QemuPackage string // the Debian package that has it
	// Console is the kernel's console device, on the machine's first
	// serial port; DataPort is the device the init writes its results
	// to, on a channel of its own (dataArgs).
	Console, DataPort string
	// DataModules are the modules the data port needs on a kernel that
	// builds them as modules (the init loads them before opening it).
	DataModules []string
	// Userland names the Debian packages (of this architecture) the
	// programs the notes run come from (rm, unlink and their C library);
	// none: the host's own programs, which only the host's architecture
	// can run.
	Userland []string

	machineArgs func(accel string) []string // qemu's machine and CPU flags
	dataArgs    func(file string) []string  // qemu's flags that write the data port into file
}

// Arches are the architectures the matrix knows, amd64 first (the default).
//
// amd64 is qemu's default pc machine: its CPU model under TCG is qemu64, the
// kernel's console is the first 16550 serial port (ttyS0) and the init's
// output goes to the second (ttyS1): both ports are built into every
// Debian kernel.
//
// arm64 is qemu's virt machine (the board made for guests: no firmware to
// emulate, the kernel is loaded directly) with a Cortex-A72 under TCG. That
// CPU model is chosen for speed: `-cpu max` enables what TCG emulates at a
// cost on every instruction or function entry (pointer authentication,
// SVE, MTE), and the whole suite took 163 s with it against 89 s with
// cortex-a72 (6.1); with KVM (an arm64 host) the host's own CPU. The virt
// machine has a single PL011 UART, which carries the kernel's console
// (ttyAMA0); the init's output goes to a virtio console (hvc0, a
// virtio-serial PCI device), which Debian's 6.12 builds in and 6.1 builds
// as modules (virtio_pci, virtio_console: the init loads them first). The
// programs the notes run (coreutils' rm and unlink) come from Debian's
// arm64 packages with their C library and loader, never from the host.
var Arches = []Arch{
	{
		Name: "amd64", GOARCH: "amd64", Machine: "x86_64", ELF: elf.EM_X86_64,
		Interp:  "/lib64/ld-linux-x86-64.so.2",
		LibDirs: []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib"},
		Qemu:    "qemu-system-x86_64", QemuPackage: "qemu-system-x86",
		Console: "ttyS0", DataPort: "/dev/ttyS1",
		machineArgs: func(string) []string { return nil },
		dataArgs:    func(file string) []string { return []string{"-serial", "file:" + file} },
	},
	{
		Name: "arm64", GOARCH: "arm64", Machine: "aarch64", ELF: elf.EM_AARCH64,
		Interp:  "/lib/ld-linux-aarch64.so.1",
		LibDirs: []string{"/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib", "/usr/lib"},
		Qemu:    "qemu-system-aarch64", QemuPackage: "qemu-system-arm",
		Console: "ttyAMA0", DataPort: "/dev/hvc0",
		DataModules: []string{"virtio_pci", "virtio_console"},
		Userland:    []string{"coreutils", "libc6"},
		machineArgs: func(accel string) []string {
			if accel == "kvm" {
				return []string{"-M", "virt", "-cpu", "host"}
			}
			return []string{"-M", "virt", "-cpu", "cortex-a72"}
		},
		dataArgs: func(file string) []string {
			return []string{"-device", "virtio-serial-pci",
				"-chardev", "file,id=data,path=" + strings.ReplaceAll(file, ",", ",,"),
				"-device", "virtconsole,chardev=data"}
		},
	},
}

// LookupArch finds an architecture by Debian's, Go's or uname's name.
func LookupArch(name string) (Arch, error) {
	var names []string
	for _, a := range Arches {
		if name == a.Name || name == a.GOARCH || name == a.Machine {
			return a, nil
		}
		names = append(names, a.Name)
	}
	return Arch{}, fmt.Errorf("architecture %q: the matrix knows %s", name, strings.Join(names, ", "))
}

// ArchOf is the Arch of a Go architecture; the init finds its own with
// ArchOf(runtime.GOARCH). An unknown one is amd64's.
func ArchOf(goarch string) Arch {
	for _, a := range Arches {
		if a.GOARCH == goarch {
			return a
		}
	}
	return Arches[0]
}

// HostArch is the architecture the matrix itself runs on.
func HostArch() Arch { return ArchOf(runtime.GOARCH) }

// Accel is the accelerator for a guest of this architecture: Accel()'s
// choice when the host is of the same architecture, else emulation
// (TCG), unless NETNOTES_VM_ACCEL says otherwise.
func (a Arch) Accel() string {
	if a.GOARCH == runtime.GOARCH {
		return Accel()
	}
	if env := os.Getenv(role.VMAccelEnv); env != "" {
		return env
	}
	return "tcg"
}

// SplitKernel splits a kernel name of the matrix: "arm64:6.1" is arm64's
// 6.1 line; a name without an architecture ("6.1", a package name) is
// def's.
func SplitKernel(name string, def Arch) (Arch, string, error) {
	if prefix, rest, ok := strings.Cut(name, ":"); ok {
		a, err := LookupArch(prefix)
		return a, rest, err
	}
	return def, name, nil
}

// KernelName is the name a kernel's column goes by: the line or package as
// given, prefixed with the architecture unless that is amd64 ("6.1",
// "arm64:6.1").
func (a Arch) KernelName(kernel string) string {
	if a.Name == Arches[0].Name {
		return kernel
	}
	return a.Name + ":" + kernel
}

// cloudSuffix ends the names of Debian's cloud kernel packages.
func (a Arch) cloudSuffix() string { return "-cloud-" + a.Name }
