package records_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"netnotes/internal/gate"
	"netnotes/internal/records"
)

// The commands a reader types (Claim.Commands) and the `equiv:` lines that
// annotate the code with the command each step mirrors must name programs
// and options that exist: a reader who copies one gets the program's
// answer, not "command not found" or "invalid option". Here each command is
// parsed as a shell parses it (mvdan.cc/sh), and every program it calls,
// wrapped ones included (`ip netns exec NS CMD`, `sh -c '...'`, `strace
// CMD`), is looked up on PATH and every option it passes is looked up in
// the program's own help (--help, -h, help, its subcommand's --help, its
// man page). commands_sudo_test.go then runs the catalogue's commands, as
// root, in private namespaces.

// call is one program run by a command, with its arguments.
type call struct {
	prog string
	args []string // options and operands, up to a wrapped program's name
}

// builtins are the shell's own commands: no program to find, no options
// worth checking.
var builtins = []string{"kill", "cd", "echo", "exec", "wait", "set", "export", "read", "true", "false", "alias", "printf"}

// wrappers run another program named among their arguments: the first
// argument that names a program starts the wrapped command.
var wrappers = []string{"strace", "setpriv", "sudo", "timeout", "nsenter", "env", "unshare"}

// packages names the Debian package of every program a command may use, so
// that a missing one is a skip that says what to install; a program not in
// this list and not on PATH is a mistake.
var packages = map[string]string{
	"ip": "iproute2", "ss": "iproute2", "tc": "iproute2", "bridge": "iproute2", "nstat": "iproute2",
	"ping": "iputils-ping", "socat": "socat", "bpftrace": "bpftrace", "strace": "strace",
	"python3": "python3", "sysctl": "procps", "kill": "procps", "podman": "podman",
	"docker": "docker.io", "dockerd": "docker.io", "curl": "curl", "make": "make", "go": "golang",
	"setpriv": "util-linux", "nsenter": "util-linux", "unshare": "util-linux", "sudo": "sudo",
	"netstat": "net-tools", "bpftool": "bpftool", "tar": "tar", "sh": "dash", "bash": "bash",
	"stat": "coreutils", "ln": "coreutils", "touch": "coreutils", "unlink": "coreutils",
	"rm": "coreutils", "rmdir": "coreutils", "mkdir": "coreutils", "mv": "coreutils",
	"ls": "coreutils", "df": "coreutils", "dd": "coreutils", "head": "coreutils",
	"sleep": "coreutils", "readlink": "coreutils", "chmod": "coreutils", "cat": "coreutils",
	"timeout": "coreutils", "iptables": "iptables", "ip6tables": "iptables", "iptables-save": "iptables",
	"nft": "nftables", "conntrack": "conntrack", "modprobe": "kmod", "tcpdump": "tcpdump", "ethtool": "ethtool",
}

// parseCalls returns the programs a command runs, wrapped ones included.
func parseCalls(command string) ([]call, error) {
	file, err := syntax.NewParser(syntax.KeepComments(true)).Parse(strings.NewReader(command), "")
	if err != nil {
		return nil, err
	}
	var calls []call
	var walkErr error
	syntax.Walk(file, func(node syntax.Node) bool {
		ce, ok := node.(*syntax.CallExpr)
		if !ok || len(ce.Args) == 0 || walkErr != nil {
			return true
		}
		var words []string
		for _, w := range ce.Args {
			s, err := expand.Literal(&expand.Config{}, w)
			if err != nil {
				walkErr = fmt.Errorf("%q: %w", command, err)
				return false
			}
			words = append(words, s)
		}
		more, err := unwrap(words)
		if err != nil {
			walkErr = err
			return false
		}
		calls = append(calls, more...)
		return true
	})
	return calls, walkErr
}

// unwrap turns one simple command into the calls it makes: itself, and the
// program it runs for the reader (ip netns exec, sh -c, bpftrace -c, a
// wrapper's command).
func unwrap(words []string) ([]call, error) {
	prog, args := words[0], words[1:]
	switch name := filepath.Base(prog); {
	case (name == "sh" || name == "bash") && len(args) >= 2 && args[0] == "-c":
		return parseCalls(args[1])
	case name == "ip":
		for i := 0; i+3 < len(args); i++ {
			if args[i] == "netns" && args[i+1] == "exec" {
				inner, err := unwrap(args[i+3:])
				return append([]call{{prog, args[:i+3]}}, inner...), err
			}
		}
	case name == "bpftrace":
		if i := slices.Index(args, "-c"); i >= 0 && i+1 < len(args) {
			inner, err := parseCalls(args[i+1])
			return append([]call{{prog, slices.Delete(slices.Clone(args), i+1, i+2)}}, inner...), err
		}
	case slices.Contains(wrappers, name):
		for i, a := range args {
			if strings.HasPrefix(a, "-") || strings.Contains(a, "=") {
				continue
			}
			if _, known := packages[a]; known || slices.Contains(builtins, a) {
				inner, err := unwrap(args[i:])
				return append([]call{{prog, args[:i]}}, inner...), err
			}
		}
	}
	return []call{{prog, args}}, nil
}

// options lists the options among a call's arguments, "-count" for
// "-count=1", up to "--".
func (c call) options() []string {
	var opts []string
	for _, a := range c.args {
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' || strings.ContainsAny(a[1:2], "0123456789") && a != "-4" && a != "-6" {
			continue // an operand: "-", a negative number
		}
		opt, _, _ := strings.Cut(a, "=")
		opts = append(opts, opt)
	}
	return opts
}

// subcommand is the words that open the call's arguments, when they read
// as a subcommand (podman system service, go test), for its own help.
func (c call) subcommand() string {
	var words []string
	for _, a := range c.args {
		if !regexp.MustCompile(`^[a-z][a-z-]*$`).MatchString(a) {
			break
		}
		words = append(words, a)
	}
	return strings.Join(words, " ")
}

// helpCache keeps each program's help text: asking takes from a few
// milliseconds to a second (man), and many commands share programs.
var helpCache = struct {
	sync.Mutex
	texts map[string]*helpEntry
}{texts: map[string]*helpEntry{}}

type helpEntry struct {
	once sync.Once
	text string
}

// helpText is what the program says about its options, with brackets
// removed (ip's "-n[etns]" is "-netns"): --help, -h, iproute2's help, the
// subcommand's --help (go: go help SUB, testflag and build); with man,
// its man page instead.
func helpText(prog, sub string, man bool) string {
	key := fmt.Sprintf("%s %s %v", prog, sub, man)
	helpCache.Lock()
	e, ok := helpCache.texts[key]
	if !ok {
		e = &helpEntry{}
		helpCache.texts[key] = e
	}
	helpCache.Unlock()
	e.once.Do(func() {
		var asks [][]string
		switch {
		case man:
			asks = [][]string{{"man", "-P", "cat", prog}}
		case prog == "go":
			asks = [][]string{{"go", "help", sub}, {"go", "help", "testflag"}, {"go", "help", "build"}}
		case slices.Contains(abbreviates, filepath.Base(prog)) || filepath.Base(prog) == "bpftool":
			// Their own word for it, which never acts: `ip netns add
			// NAME --help` would add a namespace named NAME.
			asks = [][]string{{prog, "help"}}
			if sub != "" {
				asks = append(asks, []string{prog, strings.Fields(sub)[0], "help"})
			}
		default:
			asks = [][]string{{prog, "--help"}, {prog, "-h"}}
			if sub != "" && slices.Contains(subcommandHelp, filepath.Base(prog)) {
				asks = append(asks, append(append([]string{prog}, strings.Fields(sub)...), "--help"))
			}
		}
		var b bytes.Buffer
		for _, args := range asks {
			b.Write(output(args[0], args[1:]...))
		}
		text := regexp.MustCompile(".\b").ReplaceAllString(b.String(), "") // man's overstrike
		e.text = strings.NewReplacer("[", "", "]", "", "\u2010", "-", "\u2212", "-").Replace(text)
	})
	return e.text
}

// helpTimeout bounds one ask for help: python3 --help took 1.4 s and man
// 1 s on the project's machine, many times that at a load of 20.
const helpTimeout = time.Minute

// output runs a program that only prints, and returns what it printed; a
// program that does not finish in time says so in the text, which then
// names no option (the check says which program did not answer).
func output(name string, args ...string) []byte {
	ctx, cancel := context.WithTimeout(context.Background(), helpTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "MANWIDTH=200", "MANPAGER=cat", "PAGER=cat")
	cmd.Stdin = nil
	out, _ := cmd.CombinedOutput()
	if ctx.Err() != nil {
		out = append(out, fmt.Sprintf("\n(netnotes: %s %s did not finish within %v)\n", name, strings.Join(args, " "), helpTimeout)...)
	}
	return out
}

// subcommandHelp are the programs whose `PROG SUB... --help` only prints
// the subcommand's help, whatever SUB is: their command-line libraries
// (cobra, Go's flag) see --help before doing anything. Other programs are
// asked only --help and -h, never with operands: a command given operands
// may act on them before it reads --help.
var subcommandHelp = []string{"podman", "docker"}

// iproute2 takes abbreviated options (-s for -statistics): an option there
// may be the start of one its help names.
var abbreviates = []string{"ip", "tc", "bridge"}

// unknownOptions lists the options of c its program's help does not name.
func unknownOptions(c call) []string {
	unknown := optionsNotIn(c, helpText(c.prog, c.subcommand(), false))
	if len(unknown) > 0 {
		unknown = optionsNotIn(call{c.prog, unknown}, helpText(c.prog, "", true))
	}
	return unknown
}

// optionsNotIn lists the options of c that help does not name.
func optionsNotIn(c call, help string) []string {
	var unknown []string
	words := regexp.MustCompile(`-{1,2}[A-Za-z0-9][A-Za-z0-9_-]*`).FindAllString(help, -1)
	named := func(opt string) bool {
		for _, w := range words {
			if w == opt || slices.Contains(abbreviates, c.prog) && strings.HasPrefix(w, opt) {
				return true
			}
		}
		return false
	}
	for _, opt := range c.options() {
		if named(opt) {
			continue
		}
		// Short options run together: ss -xlpe is -x -l -p -e.
		if !strings.HasPrefix(opt, "--") && len(opt) > 2 {
			all := true
			for _, r := range opt[1:] {
				all = all && named("-"+string(r))
			}
			if all {
				continue
			}
		}
		unknown = append(unknown, opt)
	}
	return unknown
}

// checkCommand says what is wrong with one command: a program that does
// not exist, an option its program does not have. Programs missing here
// but known (packages) are returned apart, for a skip that names them.
func checkCommand(root, command string) (problems, missing []string) {
	calls, err := parseCalls(command)
	if err != nil {
		return []string{fmt.Sprintf("does not parse as a shell command: %v", err)}, nil
	}
	for _, c := range calls {
		for _, a := range c.args {
			if strings.HasSuffix(a, "...") && !strings.HasPrefix(a, "./") {
				problems = append(problems, fmt.Sprintf("%s: %q stands for something a reader cannot type: write it out", c.prog, a))
			}
		}
		if slices.Contains(builtins, c.prog) {
			continue
		}
		if _, err := exec.LookPath(c.prog); err != nil {
			if pkg, known := packages[filepath.Base(c.prog)]; known && !strings.Contains(c.prog, "/") {
				missing = append(missing, fmt.Sprintf("%s (Debian: %s)", c.prog, pkg))
			} else {
				problems = append(problems, fmt.Sprintf("%s: no such program (nor one netnotes knows)", c.prog))
			}
			continue
		}
		switch filepath.Base(c.prog) {
		case "sh", "bash":
			continue // a script of their own is parsed by parseCalls
		case "make":
			if p := makeTargets(root, c.args); p != "" {
				problems = append(problems, p)
			}
			continue
		case "go":
			if p := goPackages(root, c.args); p != "" {
				problems = append(problems, p)
			}
		}
		if unknown := unknownOptions(c); len(unknown) > 0 {
			why := ""
			if h := helpText(c.prog, c.subcommand(), false); strings.Contains(h, "(netnotes: ") {
				why = " (its help did not finish in time: " + h[strings.LastIndex(h, "(netnotes: "):] + ")"
			}
			problems = append(problems, fmt.Sprintf("%s: no option %s in its help or man page%s", c.prog, strings.Join(unknown, ", "), strings.TrimSpace(why)))
		}
	}
	return problems, missing
}

// makeTargets says which of args is not a target of the Makefile.
func makeTargets(root string, args []string) string {
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		return err.Error()
	}
	for _, a := range args {
		if strings.Contains(a, "=") || strings.HasPrefix(a, "-") {
			continue
		}
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(a) + `:`).Match(mk) {
			return fmt.Sprintf("make: no target %q in the Makefile", a)
		}
	}
	return ""
}

// goPackages says which ./path argument of a go command is not a directory
// of the module.
func goPackages(root string, args []string) string {
	for _, a := range args {
		if strings.HasPrefix(a, "./") && !strings.Contains(a, "...") {
			if st, err := os.Stat(filepath.Join(root, a)); err != nil || !st.IsDir() {
				return fmt.Sprintf("go: no package %s in the module", a)
			}
		}
	}
	return ""
}

var equivRE = regexp.MustCompile(`^\s*// equiv: (.*)$`)

// equivLines returns the `equiv:` lines of the module's Go files, by
// position.
func equivLines(t *testing.T, root string) map[string]string {
	t.Helper()
	lines := map[string]string{}
	for _, path := range moduleGoFiles(t, root) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if m := equivRE.FindStringSubmatch(line); m != nil {
				rel, _ := filepath.Rel(root, path)
				lines[fmt.Sprintf("%s:%d", rel, i+1)] = m[1]
			}
		}
	}
	return lines
}

// moduleGoFiles returns the paths of the Go files under root, a module
// root, leaving out testdata and hidden directories.
func moduleGoFiles(t *testing.T, root string) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

// checkAll checks commands in parallel subtests, one per name; each skips
// naming the programs to install (a failure in strict mode) once
// everything else was checked.
func checkAll(t *testing.T, commands map[string][]string) {
	for name, cmds := range commands {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var missing []string
			for _, command := range cmds {
				problems, absent := checkCommand("../..", command)
				for _, p := range problems {
					t.Errorf("%s\n\t%s", p, command)
				}
				for _, m := range absent {
					if !slices.Contains(missing, m) {
						missing = append(missing, m)
					}
				}
			}
			if len(missing) > 0 {
				gate.Skip(t, "not installed here, so the options of their commands were not checked: %s; install them and run again", strings.Join(missing, ", "))
			}
		})
	}
}

func TestEveryClaimsCommandsNameProgramsAndOptionsThatExist(t *testing.T) {
	commands := map[string][]string{}
	for _, c := range records.Catalogue {
		if len(c.Commands) == 0 {
			t.Errorf("claim %s has no Commands: what would a reader type to see it? (internal/records/catalogue.go)", c.ID)
		}
		commands[c.ID] = c.Commands
	}
	checkAll(t, commands)
}

// The `equiv:` lines that stay in the code annotate one step with the
// command it mirrors (placeholders such as IF or PORT stand for what the
// test chose); they must name real programs and options too.
func TestEveryEquivLineNamesProgramsAndOptionsThatExist(t *testing.T) {
	lines := equivLines(t, "../..")
	if len(lines) == 0 {
		t.Fatal("no equiv: lines found: is the module root ../..?")
	}
	commands := map[string][]string{}
	for pos, command := range lines {
		commands[pos] = []string{command}
	}
	checkAll(t, commands)
}

// The checker itself: what it must find wrong, and what it must let pass.
func TestCheckCommandFindsWhatAReaderWouldTripOn(t *testing.T) {
	if _, err := exec.LookPath("ip"); err != nil {
		gate.Skip(t, "ip (iproute2) is not installed: install it and run again")
	}
	for _, c := range []struct {
		command string
		bad     bool
	}{
		{"ip -n nn1 -s link show lo", false},
		{"ip netns exec nn1 sh -c 'ip -br link; ip -4 addr'", false},
		{"ip -n nn1 -zz link show lo", true},                // no such option
		{"ip netns exec nn1 ip --frobnicate link", true},    // inside ip netns exec
		{"sh -c 'ip -br link; ip --frobnicate link'", true}, // inside sh -c
		{"./uds_demo", true},                                // a program nobody has
		{"make no-such-target", true},                       // not in the Makefile
		{"go test -run '^TestL1' ./no-such-chapter", true},  // no such package
		{"go test -count=1 -run '^TestL1' -v ./loopback", false},
		{"bpftool map create ... type sockhash", true}, // "..." is not runnable, bpftool maybe missing too
	} {
		problems, missing := checkCommand("../..", c.command)
		if got := len(problems) > 0 || len(missing) > 0 && c.bad; got != c.bad {
			t.Errorf("checkCommand(%q): problems %q, missing %q; want bad=%v", c.command, problems, missing, c.bad)
		}
	}
}
