// Package vm runs the notes on other kernels: Debian's kernel packages,
// booted under qemu with the chapters' test binaries in an initramfs.
//
// The pieces, in the order RunKernel uses them:
//
//   - Apt fetches a kernel package by name (or the newest cloud kernel of a
//     line such as "6.1") with apt-get, through a configuration of its own:
//     its own sources list (bookworm, bookworm-security for 6.12, bullseye
//     for 5.10), lists and archive cache, all under one directory. The
//     system's sources are neither read nor changed.
//   - Unpack extracts the package once (dpkg-deb) and ModulesFor finds the
//     modules the notes need (veth, bridge, unix_diag) with the modules they
//     depend on, read from each module's .modinfo: a package ships no
//     modules.dep. ModuleBytes decompresses .ko.xz in Go, so any kernel's
//     finit_module takes them.
//   - Initramfs writes the newc archive (cavaliergopher/cpio): the static
//     init (internal/cmd/vminit), the modules, the test binaries with their
//     testdata, the host programs the notes run (rm, unlink) with their
//     ELF interpreter and libraries, and the Plan the init follows.
//   - Run boots it with qemu-system-x86_64: KVM where the CPU offers
//     hardware virtualisation, TCG otherwise; one vCPU, because under TCG
//     two soft-locked 6.1 in most runs. The kernel's messages go to the
//     first serial port, the init's output to the second, between framing
//     lines (Frame). A VM that has not powered off at the timeout is killed
//     and its kernel reported as hung, with what the console said last.
//   - Result.parse splits the second port's stream per package and turns
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
// Inside the VM the tests see NETNOTES_VM (gate.EnvVM) and skip what
// emulation cannot measure (gate.SkipEmulated).
package vm
