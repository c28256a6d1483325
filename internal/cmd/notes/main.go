// Notes runs every note of netnotes and reports what this kernel did with
// each claim: one row per claim with its verdict (confirmed, refined,
// refuted, skipped, or no result) and the evidence the test observed.
//
// It runs `go test -json -count=1 -tags sudo ./...` from the module root
// (not root, the test binaries run their tests in a user namespace of their
// own, see internal/sandbox; what only real root can do, and everything
// privileged where no user namespace can be had, skips with a reason),
// reads the verdict lines the tests log, and prints the table, with a header
// naming the kernel, the architecture, how the notes ran (root, rootless
// user namespace, or unprivileged and why) and the Go version, and a footer
// counting the verdicts. It exits non-zero only when a test failed: a
// refuted claim is a finding, not a failure.
//
// Usage:
//
//	go run ./internal/cmd/notes [-md report.md] [-short] [-run regexp] [packages]
//	go run ./internal/cmd/notes -readme        # rewrite README.md's claim table
//	go run ./internal/cmd/notes -update-seen   # as root on the CI machine: record its verdicts
//
// `make notes` runs it; `make notes REPORT=report.md` adds -md.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
	"netnotes/internal/sandbox"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	md         string
	short      bool
	run        string
	from       string
	readme     bool
	updateSeen bool
	pkgs       []string
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("notes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.md, "md", "", "also write the report as Markdown to `file`")
	fs.BoolVar(&o.short, "short", false, "pass -short to go test")
	fs.StringVar(&o.run, "run", "", "pass -run `regexp` to go test: only the matching tests")
	fs.StringVar(&o.from, "from", "", "report on a saved `go test -json` stream read from `file` instead of running the tests")
	fs.BoolVar(&o.readme, "readme", false, "only rewrite README.md's claim table (catalogue, tests, "+claims.SeenFile+"); runs no test")
	fs.BoolVar(&o.updateSeen, "update-seen", false, "as root on the project's CI machine: run every note, record the verdicts in "+claims.SeenFile+" and rewrite README.md's table")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./internal/cmd/notes [flags] [packages]   (default ./...)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	o.pkgs = fs.Args()
	if len(o.pkgs) == 0 {
		o.pkgs = []string{"./..."}
	}
	if o.updateSeen && (o.from != "" || o.run != "" || o.short || len(fs.Args()) > 0) {
		fmt.Fprintln(stderr, "notes: -update-seen records a full run: it takes no -from, -run, -short or packages")
		return 2
	}

	root, err := claims.FindModuleRoot(".")
	if err != nil {
		fmt.Fprintln(stderr, "notes:", err)
		return 2
	}
	scan, err := claims.ScanTests(root)
	if err != nil {
		fmt.Fprintln(stderr, "notes:", err)
		return 2
	}
	if o.readme {
		if err := writeReadme(root, scan); err != nil {
			fmt.Fprintln(stderr, "notes:", err)
			return 1
		}
		fmt.Fprintln(stderr, "notes: README.md's claim table rewritten")
		return 0
	}

	env := machine()
	if o.updateSeen && !env.Root {
		fmt.Fprintln(stderr, "notes: -update-seen records the CI machine's verdicts as root: run it as root")
		return 2
	}
	if o.updateSeen {
		// New tests since the last recording leave the README's table
		// stale, and the README test would fail this very run.
		if err := writeReadme(root, scan); err != nil {
			fmt.Fprintln(stderr, "notes:", err)
			return 1
		}
	}
	col := newCollector()
	if isTerminal(stderr) {
		col.onEvent = newProgress(stderr, scan.Module).event
	}
	goFailed := ""
	if o.from != "" {
		env.Command = "a saved run, read from " + o.from
		f, err := os.Open(o.from)
		if err != nil {
			fmt.Fprintln(stderr, "notes:", err)
			return 2
		}
		err = col.read(f)
		f.Close()
		if err != nil {
			fmt.Fprintln(stderr, "notes:", err)
			return 2
		}
	} else {
		goArgs := []string{"test", "-json", "-count=1", "-tags", "sudo"}
		if o.short {
			goArgs = append(goArgs, "-short")
		}
		if o.run != "" {
			goArgs = append(goArgs, "-run", o.run)
		}
		goArgs = append(goArgs, o.pkgs...)
		env.Command = "go " + strings.Join(goArgs, " ")
		goFailed, err = goTest(root, goArgs, col, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "notes:", err)
			return 2
		}
	}
	if gate.Strict() {
		env.Strict = true
	}

	report := buildReport(claims.Catalogue, scan, col, env)
	if goFailed != "" && !report.Failed() {
		report.Failures = append(report.Failures, Failure{Test: "", Package: "go test", Why: goFailed})
	}
	report.writeText(stdout, width(stdout))
	if o.md != "" {
		var b bytes.Buffer
		report.writeMarkdown(&b)
		if err := os.WriteFile(o.md, b.Bytes(), 0o644); err != nil {
			fmt.Fprintln(stderr, "notes:", err)
			return 1
		}
		fmt.Fprintf(stderr, "notes: the report is also in %s\n", o.md)
	}
	if o.updateSeen {
		if report.Failed() {
			fmt.Fprintln(stderr, "notes: tests failed, so the verdicts were not recorded: fix them and run -update-seen again")
			return 1
		}
		if err := recordSeen(root, scan, report); err != nil {
			fmt.Fprintln(stderr, "notes:", err)
			return 1
		}
		fmt.Fprintf(stderr, "notes: recorded in %s and README.md; review and commit both\n", claims.SeenFile)
	}
	if report.Failed() {
		return 1
	}
	return 0
}

// goTest runs go in root, feeding its JSON stream to col. It returns a
// description of go's non-zero exit status, if any.
func goTest(root string, args []string, col *collector, stderr io.Writer) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("cannot run go: %w", err)
	}
	readErr := col.read(out)
	err = cmd.Wait()
	if readErr != nil {
		return "", readErr
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Sprintf("go test exited with status %d", exit.ExitCode()), nil
	}
	return "", err
}

// machine describes this machine for the header, and how the tests will
// run: as root; or, not root, in a user namespace of their own, which the
// test binaries make for themselves (internal/sandbox), as this probe just
// did; or unprivileged, with the reason.
func machine() Env {
	env := Env{Kernel: "unknown", Arch: runtime.GOARCH, GoVersion: runtime.Version()}
	switch gate.CurrentMode() {
	case gate.RealRoot:
		env.Root = true
	case gate.Rootless:
		env.Rootless = "root of the user namespace this runs in"
	default:
		if err := sandbox.ProbeUserNamespace(); err != nil {
			env.NoUserNS = err.Error()
		} else {
			env.Rootless = fmt.Sprintf("uid %d mapped to 0, with its own network and mount namespaces", os.Geteuid())
		}
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		env.Kernel = unix.ByteSliceToString(u.Release[:])
		env.Arch = unix.ByteSliceToString(u.Machine[:])
	}
	return env
}

func writeReadme(root string, scan *claims.Scan) error {
	seen, err := claims.ReadSeen(filepath.Join(root, claims.SeenFile), claims.Catalogue)
	if err != nil {
		return err
	}
	path := filepath.Join(root, "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	updated, err := claims.SpliceTable(readme, claims.ReadmeTable(claims.Catalogue, scan, seen))
	if err != nil {
		return err
	}
	return os.WriteFile(path, updated, 0o644)
}

// recordSeen writes this run's verdicts as the CI machine's, then the README.
func recordSeen(root string, scan *claims.Scan, r *Report) error {
	seen := seenFrom(r)
	path := filepath.Join(root, claims.SeenFile)
	if err := os.WriteFile(path, seen.Format(claims.Catalogue), 0o644); err != nil {
		return err
	}
	return writeReadme(root, scan)
}

// seenFrom turns a report into the seen file's content: one verdict per
// claim ("confirmed/refined" when its tests disagree), NotSeen for no result.
func seenFrom(r *Report) claims.Seen {
	root := "not root"
	if r.Env.Root {
		root = "as root"
	}
	seen := claims.Seen{
		Kernel:   fmt.Sprintf("Linux %s, %s, %s, %s", r.Env.Kernel, r.Env.Arch, root, r.Env.GoVersion),
		Verdicts: map[string]string{},
	}
	for _, row := range r.Rows {
		if row.Verdict == noResult {
			continue
		}
		have := seen.Verdicts[row.ID]
		if have == "" {
			seen.Verdicts[row.ID] = row.Verdict
		} else if !strings.Contains("/"+have+"/", "/"+row.Verdict+"/") {
			seen.Verdicts[row.ID] = have + "/" + row.Verdict
		}
	}
	return seen
}
