package role

// The environment variables that steer the notes, each read through its
// name here: all but internal/records' RecordDrillsEnv
// (NETNOTES_RECORD_DRILLS) and its tests' NETNOTES_POST, which belong to
// the chapters' contract, and .ci/run's NETNOTES_ARTIFACTS, a shell
// variable (where CI keeps its page). CONTRIBUTING.md, "The environment
// and the binaries' roles", tells a reader what each does;
// TestEveryRoleAndVariableIsListed keeps the lists one.
//
//	variable                read by                          set by
//	NETNOTES_STRICT         gate, claims                     CI, a reader (=1)
//	NETNOTES_USERNS         sandbox, gate                    the sandbox; a reader (=off)
//	NETNOTES_ROLE (Env)     role                             Role.Command
//	NETNOTES_VM             gate                             the matrix, inside its VMs
//	NETNOTES_VM_ACCEL       vm                               a reader (kvm, tcg)
//	NETNOTES_BENCH_SYSCALL  bench                            a reader (=go)
//	NETNOTES_CHART_OUT      bench/chart's tests              a reader (file.svg)
//	NETNOTES_PAGE           cmd/notes' tests                 CI (its run's page)
//	NETNOTES_SCREENSHOT     cmd/notes' tests                 CI (file.png)
//	NETNOTES_IMAGE_ROOTFS   cmd/image's tests (-tags image)  CI (make image -o FILE)
//	NETNOTES_HOST_RUN       cmd/image's tests                CI (notes -save FILE)
//	NETNOTES_IMAGE_RUNS     cmd/image's tests                CI (a directory)
//	NETNOTES_IMAGE_MODES    cmd/image's tests                a reader (mode names)
const (
	// StrictEnv=1 turns every skip, and every part of a claim that could
	// not be observed, into a failure.
	StrictEnv = "NETNOTES_STRICT"
	// UserNamespaceEnv tells a test process about its user namespace
	// (internal/sandbox sets it): "inside" for the process it re-executes
	// into one and its children, "refused: why" where the kernel said no,
	// "root" in processes a root test process starts (which may run as
	// another user on purpose and must not make one). A reader sets it to
	// "off" to run the privileged notes without one.
	UserNamespaceEnv = "NETNOTES_USERNS"
	// VMEnv is set inside the matrix's virtual machines (to "qemu").
	VMEnv = "NETNOTES_VM"
	// VMAccelEnv names qemu's accelerator instead of the one found.
	VMAccelEnv = "NETNOTES_VM_ACCEL"
	// BenchSyscallEnv=go has the raw path's peers read and write through
	// the scheduler-aware unix.Read and Write, for comparison.
	BenchSyscallEnv = "NETNOTES_BENCH_SYSCALL"
	// ChartOutEnv keeps the chart the chart's test draws, in that file.
	ChartOutEnv = "NETNOTES_CHART_OUT"
	// PageEnv is the page the browser test checks (else the sample's).
	PageEnv = "NETNOTES_PAGE"
	// ScreenshotEnv is where the browser test keeps its screenshots.
	ScreenshotEnv = "NETNOTES_SCREENSHOT"
	// ImageRootfsEnv is the image the container test runs.
	ImageRootfsEnv = "NETNOTES_IMAGE_ROOTFS"
	// HostRunEnv is the host's saved run the container test holds it to.
	HostRunEnv = "NETNOTES_HOST_RUN"
	// ImageRunsEnv is where the container test keeps each mode's run.
	ImageRunsEnv = "NETNOTES_IMAGE_RUNS"
	// ImageModesEnv names the modes the container test runs (all: unset).
	ImageModesEnv = "NETNOTES_IMAGE_MODES"
)
