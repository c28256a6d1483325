package vm

import "netnotes/internal/role"

// Plan is what the init inside the VM does, written to PlanPath in the
// initramfs as JSON.
type Plan struct {
	Modules []string // module files to load, in order (dependencies first)
	// DataModules are loaded first, before the init opens its data port
	// (the data port's driver, where the kernel builds it as a module).
	DataModules []string
	Tests       []Test   // test binaries to run, in order
	Env         []string // environment of every test binary
	// The scenario's part (Scenario): sysctls to write before the tests,
	// tracefs left unmounted, programs whose resolution the init reports.
	Sysctls   []Sysctl
	NoTracefs bool
	Show      []string // program names: the init says what each resolves to
}

// Test is one chapter's test binary.
type Test struct {
	Package string   // netnotes/loopback
	Binary  string   // /tests/loopback.test
	Dir     string   // working directory (the chapter's testdata lives there)
	Args    []string // -test.v=test2json -test.short ...
}

// Paths and framing shared by the host and the init.
const (
	PlanPath = "/netnotes/plan.json"
	// DataPort is amd64's serial port the init writes results to; the
	// console (ttyS0) carries the kernel's messages. Each Arch has its own
	// (Arch.DataPort).
	DataPort = "/dev/ttyS1"
	// Frame starts every line of the init's own on the data port.
	Frame = "@@netnotes "
	// EnvVM is set in the tests' environment inside the VM; its value
	// says what emulates the machine ("qemu-tcg").
	EnvVM = role.VMEnv
)

// Frame lines (after Frame): "module NAME ok", "module NAME error ERR",
// "sysctl KEY=VALUE ok (was V, reads V; a new network namespace reads V)", "sysctl KEY=VALUE error ERR",
// "condition ..." (what the init saw of the machine: its command line,
// tracefs, the programs of Plan.Show), "begin PKG", "end PKG exit N",
// "error ...", "done".
