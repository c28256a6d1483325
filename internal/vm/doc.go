// Package vm runs the notes on other kernels: Debian's kernel packages,
// booted under qemu with the chapters' test binaries in an initramfs.
//
// The pieces, in the order RunKernel uses them:
//
//   - Apt fetches a kernel package by name (or the newest cloud kernel of a
//     line such as "6.1") with apt-get, through a configuration of its own:
//     its own sources list (bookworm, bookworm-security for 6.12, bullseye
//     for 5.10), lists and archive cache, all under one directory, for one
//     architecture (Arch: amd64, or arm64 with APT::Architecture=arm64, in
//     a directory of its own). The system's sources are neither read nor
//     changed.
//   - Unpack extracts the package once (dpkg-deb) and ModulesFor finds the
//     modules the notes need (veth, bridge, unix_diag) with the modules they
//     depend on, read from each module's .modinfo: a package ships no
//     modules.dep. ModuleBytes decompresses .ko.xz in Go, so any kernel's
//     finit_module takes them.
//   - Initramfs writes the newc archive (cavaliergopher/cpio): the static
//     init (internal/cmd/vminit), the modules, the test binaries with their
//     testdata (all built with the Arch's GOARCH), the programs the notes
//     run (rm, unlink) with their ELF interpreter and libraries, and the
//     Plan the init follows. On amd64 those programs are the host's own;
//     for arm64 they come from Debian's arm64 coreutils and libc6
//     (Apt.Userland, unpacked once), with the arm64 loader
//     (/lib/ld-linux-aarch64.so.1): a program built for another machine
//     than the Arch's is refused, and links are followed inside that tree.
//   - Run boots it with the Arch's qemu: KVM where the host is of the same
//     architecture and offers hardware virtualisation, TCG otherwise; one
//     vCPU, because under TCG two soft-locked 6.1 in most runs. The
//     kernel's messages go to the console, the init's output to a data port
//     of its own, between framing lines (Frame). On amd64 (qemu's pc
//     machine) these are the first and second serial ports. On arm64 the
//     machine is qemu's virt board (made for guests: the kernel is loaded
//     directly, no firmware to emulate) with a Cortex-A72, chosen for speed
//     under TCG: `-cpu max` adds what TCG emulates at a cost (pointer
//     authentication on every function entry and return, SVE, MTE), and
//     the whole suite took 163 s with it against 89 s with cortex-a72 on
//     6.1. The virt board has one PL011 UART, the console (ttyAMA0); the
//     data port is a virtio console (hvc0 on a virtio-serial PCI device),
//     which Debian's arm64 6.12 builds in and 6.1 builds as modules: the
//     Plan's DataModules (virtio_pci, virtio_console and what they depend
//     on), which the init loads before it opens the port. A VM that has not
//     powered off at the timeout is killed and its kernel reported as hung,
//     with what the console said last; the runner's death kills it too
//     (Pdeathsig), and Sweep removes the files a killed runner left.
//   - Result.parse splits the data port's stream per package and turns
//     each test binary's -test.v=test2json output into `go test -json` with
//     `go tool test2json`, the stream every netnotes tool reads.
//
// A Scenario (Options.Scenario) sets the VM up as a reader's host may be:
// arguments appended to the kernel's command line, more modules from the
// kernel's package, sysctls the init writes in the initial namespace
// before the notes, tracefs left unmounted, busybox (Debian's
// busybox-static, fetched like a kernel) as rm and unlink, and drills to
// run after the notes. The init reports what it saw of it ("sysctl ...",
// "condition ..." frames, in Result.Seen).
//
// Inside the VM the tests see NETNOTES_VM (role.VMEnv) and skip what
// emulation cannot measure (gate.SkipEmulated).
package vm
