package claims

import (
	"flag"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	"netnotes/internal/gate"
	"netnotes/internal/records"
	"netnotes/internal/scratch"
)

// The registry holds each claim's judge, registered once in its chapter
// beside the judge itself:
//
//	var _ = claims.Register("L3", judgeOwnAddress)
//
// Judge, Drill and TestJudge take a claim's judge only when it is the one
// registered for that claim, and TestJudge notes every refuting case that
// ran and passed. Main, the chapter's TestMain, then checks after a full
// run that every claim of the chapter has a registered judge and that a
// refuting case of that judge ran: a table in a file the build ignores, or
// in a helper nobody calls, never runs, so it does not count.
var registry = struct {
	sync.Mutex
	judges   map[string]registered
	refuted  map[string]string // claim ID -> the first refuting case that ran
	replayed map[string]bool   // claim ID -> its recordings replayed (TestJudge)
}{judges: map[string]registered{}, refuted: map[string]string{}, replayed: map[string]bool{}}

type registered struct {
	pc   uintptr  // the judge function's entry
	name string   // its name, for messages
	rule []string // numbers and names the rule itself writes (unsupported)
}

// Register records judge as claim id's judge, for the whole test binary.
// rule lists the numbers, addresses and names the judge's evidence may
// hold that its facts do not: the rule's own threshold, the address its
// test always uses (see unsupported). A number is written with its unit
// ("2.0x", "25%", "100 B"), so that it allows that quantity only; what the
// rule derives from the facts is no rule word (see Deriver). It panics
// for an ID that is not in the catalogue or is registered twice, and for
// a number without a unit. It returns true, so that a package-level `var
// _ =` can call it.
func Register[F any](id string, judge func(F) Finding, rule ...string) bool {
	if _, ok := records.Lookup(id); !ok {
		panic(fmt.Sprintf("claims.Register: claim %q is not in the catalogue", id))
	}
	for _, w := range rule {
		if m := ruleNumberRE.FindStringSubmatch(w); m != nil {
			if _, ok := units[m[2]]; !ok {
				panic(fmt.Sprintf("claims.Register: claim %s: the rule's number %q has no unit the evidence check knows (%s); "+
					"write it as the evidence does (\"2.0x\", \"25%%\", \"100 B\", \"200 ms\"), "+
					"or, if the rule derives it from the facts (a count, an interval's coverage), give it with a Derived method on the facts type (claims.Deriver)",
					id, w, unitNames()))
			}
		}
	}
	r := registered{pc: funcPC(judge), name: funcName(judge), rule: rule}
	registry.Lock()
	defer registry.Unlock()
	if have, dup := registry.judges[id]; dup {
		panic(fmt.Sprintf("claims.Register: claim %s has a judge already (%s); register %s once", id, have.name, r.name))
	}
	registry.judges[id] = r
	return true
}

func funcPC(fn any) uintptr { return reflect.ValueOf(fn).Pointer() }

func funcName(fn any) string {
	if f := runtime.FuncForPC(funcPC(fn)); f != nil {
		return f.Name()
	}
	return "a func"
}

// notRegistered says what is wrong when judge is not claim id's registered
// judge, or "" when it is, or when no judge is registered for id in this
// binary (the claims package's own tests judge made-up claims; a chapter's
// Main fails for a claim without one).
func notRegistered[F any](id string, judge func(F) Finding) string {
	registry.Lock()
	defer registry.Unlock()
	r, ok := registry.judges[id]
	if !ok || r.pc == funcPC(judge) {
		return ""
	}
	return fmt.Sprintf("claim %s: %s is not its judge; %s is (claims.Register)", id, funcName(judge), r.name)
}

// ranRefuting notes that a refuting case of claim id's registered judge ran
// and passed.
func ranRefuting(id, name string) {
	registry.Lock()
	defer registry.Unlock()
	if _, ok := registry.judges[id]; !ok {
		return
	}
	if _, ok := registry.refuted[id]; !ok {
		registry.refuted[id] = name
	}
}

// firstReplay reports whether claim id's recordings are still to be
// replayed in this binary, and notes that they now are: a claim with
// several tables replays them once, so that a recording that no longer
// decodes fails one test.
func firstReplay(id string) bool {
	registry.Lock()
	defer registry.Unlock()
	if registry.replayed[id] {
		return false
	}
	registry.replayed[id] = true
	return true
}

// Main runs a chapter's tests (call it from the chapter's TestMain:
// os.Exit(claims.Main(m, "veth"))) and then, after a run of all its tests
// (no -run, -skip or -list), fails it when a claim of the chapter has no
// registered judge, or no refuting case of that judge ran.
//
// First it prints where the notes run (records.WhereLine of gate.Where),
// which `go test -json` carries as the package's output, so that a saved
// stream names the machine and the mode; and it gives the process a
// scratch directory as its TMPDIR (package scratch), after removing those
// of killed runs, so that a run killed at any moment leaves nothing the
// next one does not sweep. After a run that passed, it fails when the
// tests left a child process alive or anything in that directory.
func Main(m *testing.M, chapter string) int {
	fmt.Println(records.WhereLine(gate.Where()))
	parent := os.TempDir()
	dir, release, err := scratch.Take()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: a temporary directory for the notes: %v\n", err)
		return 1
	}
	if dir == parent {
		dir = "" // a parent process's scratch, which it checks
	}
	code := m.Run()
	if code == 0 {
		if left := leftBehind(dir, exitingChildren); len(left) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: the tests left behind what their cleanup should have removed:\n  %s\n", strings.Join(left, "\n  "))
			code = 1
		}
	}
	release()
	if code != 0 || filtered() {
		return code
	}
	if problems := uncovered(chapter); len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: every verdict rule must be shown going the other way:\n  %s\n", strings.Join(problems, "\n  "))
		return 1
	}
	return 0
}

// uncovered lists the claims of chapter whose registered judge no refuting
// case ran for.
func uncovered(chapter string) []string {
	registry.Lock()
	defer registry.Unlock()
	var out []string
	for _, c := range records.Catalogue {
		if c.Chapter != chapter {
			continue
		}
		r, ok := registry.judges[c.ID]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("claim %s has no judge registered (var _ = claims.Register(%q, judge) beside its judge in %s/)", c.ID, c.ID, chapter))
		case registry.refuted[c.ID] == "":
			out = append(out, fmt.Sprintf("claim %s: no case of claims.TestJudge(t, %q, %s, ...) with Want: claims.Refuted ran and passed", c.ID, c.ID, r.name))
		case c.RefutableOnlyBy != "" && !strings.HasPrefix(registry.refuted[c.ID], "refutable only by "):
			out = append(out, fmt.Sprintf("claim %s is refutable only by %s: name its refuting case so (\"refutable only by ...\"), not %q", c.ID, c.RefutableOnlyBy, registry.refuted[c.ID]))
		}
	}
	return out
}

// filtered reports whether the test binary runs only some of its tests.
func filtered() bool {
	for _, name := range []string{"test.run", "test.skip", "test.list"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return true
		}
	}
	return false
}

// refutingCaseRan reports which refuting case of claim id's registered
// judge ran in this test binary ("" for none).
func refutingCaseRan(id string) string {
	registry.Lock()
	defer registry.Unlock()
	return registry.refuted[id]
}
