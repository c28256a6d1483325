package claims

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Case is one row of a judge's table: facts, and what the judge must find.
type Case[F any] struct {
	Name  string
	Facts F
	Want  string            // the claim's verdict
	Parts map[string]string // part name -> verdict; the parts not named are not checked
}

// FactsDir is where a chapter keeps facts recorded on real kernels, relative
// to its package directory: FactsDir/KERNEL/ID.json, written by RecordFacts.
const FactsDir = "testdata/facts"

// Recorded is one claim's facts as a real kernel gave them, with what the
// judge found then.
type Recorded struct {
	Drill   string            `json:"drill,omitempty"` // the drill that observed them (DrillsDir)
	Test    string            `json:"test,omitempty"`  // the test that observed them, for a claim's further rows
	Kernel  string            `json:"kernel"`          // "Linux 6.18.44 x86_64, as root"
	Verdict string            `json:"verdict"`         // the claim's verdict on that kernel
	Parts   map[string]string `json:"parts,omitempty"`
	Facts   json.RawMessage   `json:"facts"`
}

// TestJudge runs a claim's judge on a table of facts and checks each
// finding: its verdict, the verdicts of the parts the case names, and that
// the finding is well formed (evidence given, parts that combine to the
// claim's verdict). Facts recorded on real kernels (FactsDir) are cases too:
// the judge must still find what it found there.
//
// judge must be the claim's registered judge (Register). Each refuting
// case that runs and passes is noted, and the chapter's Main fails a full
// run in which no refuting case of a claim's judge ran; recorded facts
// that refute count too.
func TestJudge[F any](t *testing.T, id string, judge func(F) Finding, cases []Case[F]) {
	t.Helper()
	if _, ok := Lookup(id); !ok {
		t.Fatalf("claim %q is not in the catalogue", id)
	}
	if msg := notRegistered(id, judge); msg != "" {
		t.Fatalf("%s", msg)
	}
	for _, c := range cases {
		ok := t.Run(c.Name, func(t *testing.T) {
			t.Helper()
			data, err := json.Marshal(c.Facts)
			if err != nil {
				t.Fatalf("the facts do not encode as JSON: %v", err)
			}
			expect(t, id, data, judge(c.Facts), c.Want, c.Parts)
		})
		if ok && c.Want == Refuted {
			ranRefuting(id, c.Name)
		}
	}
	recorded, err := ReadRecorded(".", id)
	if err != nil {
		t.Fatalf("claim %s: %v", id, err)
	}
	drills, err := ReadDrills(".", id)
	if err != nil {
		t.Fatalf("claim %s: %v", id, err)
	}
	recorded = append(recorded, drills...)
	for _, r := range recorded {
		name := "recorded on " + r.Kernel
		if r.Test != "" {
			name += " by " + r.Test
		}
		if r.Drill != "" {
			name = "the drill " + r.Drill + ", recorded on " + r.Kernel
		}
		ok := t.Run(name, func(t *testing.T) {
			t.Helper()
			var facts F
			dec := json.NewDecoder(strings.NewReader(string(r.Facts)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&facts); err != nil {
				t.Fatalf("the facts recorded on %s no longer decode into %T (re-record them): %v", r.Kernel, facts, err)
			}
			expect(t, id, r.Facts, judge(facts), r.Verdict, r.Parts)
		})
		if ok && r.Verdict == Refuted {
			ranRefuting(id, name)
		}
	}
}

func expect(t *testing.T, id string, facts []byte, f Finding, want string, parts map[string]string) {
	t.Helper()
	if err := f.check(); err != nil {
		t.Fatalf("malformed finding: %v\n%+v", err, f)
	}
	checkEvidence(t, id, facts, f)
	if f.Verdict != want {
		t.Errorf("verdict %s, want %s\nevidence: %s", f.Verdict, want, f.Evidence)
	}
	for _, name := range slices.Sorted(maps.Keys(parts)) {
		p, ok := f.Part(name)
		switch {
		case !ok:
			t.Errorf("no part %q in the finding (parts: %v)", name, partNames(f))
		case p.Verdict != parts[name]:
			t.Errorf("part %s: %s, want %s\nevidence: %s", name, p.Verdict, parts[name], p.Evidence)
		}
	}
}

func partNames(f Finding) []string {
	var names []string
	for _, p := range f.Parts {
		names = append(names, p.Name)
	}
	return names
}

// DrillsDir is where a chapter keeps the facts its drills observed,
// relative to its package directory: DrillsDir/ID.json, written by Drill
// when RecordDrillsEnv is set. TestJudge replays them: a drill's facts are
// the claim's refuting case that a real kernel gave.
const DrillsDir = "testdata/drills"

// RecordDrillsEnv, set to 1, makes each drill write what it observed to
// DrillsDir (as root: go test -tags sudo -run '^TestDrill' ./CHAPTER).
const RecordDrillsEnv = "NETNOTES_RECORD_DRILLS"

// ReadDrills reads the drill facts recorded for claim id under
// dir/DrillsDir.
func ReadDrills(dir, id string) ([]Recorded, error) {
	return readRecorded([]string{filepath.Join(dir, DrillsDir, id+".json")})
}

// ReadRecorded reads the facts recorded for claim id under dir/FactsDir, a
// file per kernel (ID.json), or per kernel and row where a kernel gave the
// claim several (ID.TEST.json), in the order of their paths.
func ReadRecorded(dir, id string) ([]Recorded, error) {
	var paths []string
	for _, name := range []string{id + ".json", id + ".*.json"} {
		p, err := filepath.Glob(filepath.Join(dir, FactsDir, "*", name))
		if err != nil {
			return nil, err
		}
		paths = append(paths, p...)
	}
	return readRecorded(paths)
}

func readRecorded(paths []string) ([]Recorded, error) {
	slices.Sort(paths)
	var out []Recorded
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var r Recorded
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if r.Kernel == "" || r.Verdict == "" || len(r.Facts) == 0 {
			return nil, fmt.Errorf("%s: want kernel, verdict and facts", p)
		}
		out = append(out, r)
	}
	return out, nil
}

// RecordFacts writes what a run observed for claim id, and what its judge
// found, to moduleRoot/CHAPTER/FactsDir/kernelDir/ID.json, so that the
// judge's tests replay it. kernelDir names the kernel as one path element
// ("linux-6.18").
//
// A claim with several rows (a test each, as V8's runtimes) keeps each: a
// row whose r.Test names its test goes to ID.TEST.json instead, and an
// ID.json left there by an earlier recording is removed (it held the last
// of several rows).
func RecordFacts(moduleRoot, kernelDir, id string, r Recorded) error {
	c, ok := Lookup(id)
	if !ok {
		return fmt.Errorf("claim %q is not in the catalogue", id)
	}
	if kernelDir == "" || strings.ContainsAny(kernelDir, `/\ `) || kernelDir[0] == '.' {
		return fmt.Errorf("kernel directory name %q: want one plain path element", kernelDir)
	}
	if !json.Valid(r.Facts) {
		return fmt.Errorf("claim %s: the facts are not JSON", id)
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Join(moduleRoot, c.Chapter, FactsDir, kernelDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := id + ".json"
	if r.Test != "" {
		if strings.ContainsAny(r.Test, `/\ `) || r.Test[0] == '.' {
			return fmt.Errorf("claim %s: test name %q: want one plain path element", id, r.Test)
		}
		name = id + "." + r.Test + ".json"
		if err := os.Remove(filepath.Join(dir, id+".json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, name), append(data, '\n'), 0o644)
}

// Drill judges facts observed on a namespace that a test set up so that the
// claim is false, and fails unless the judge finds want (usually Refuted):
// the end-to-end proof that the claim's own observation code and judge can
// go the other way. It logs "drill ID: verdict — evidence", which is not a
// verdict line: a drill says nothing about the reader's kernel, so the
// report never counts it.
func Drill[F any](t testing.TB, id string, facts F, judge func(F) Finding, want string) Finding {
	t.Helper()
	if _, ok := Lookup(id); !ok {
		t.Fatalf("claim %q is not in the catalogue", id)
	}
	if msg := notRegistered(id, judge); msg != "" {
		t.Fatalf("%s", msg)
	}
	if t.Failed() {
		t.Fatalf("drill %s: the test failed before it could observe", id)
	}
	data, err := json.Marshal(facts)
	if err != nil {
		t.Fatalf("drill %s: the facts do not encode as JSON: %v", id, err)
	}
	f := judge(facts)
	if err := f.check(); err != nil {
		t.Fatalf("drill %s: the judge's finding is malformed: %v", id, err)
	}
	t.Logf("drill %s: facts %s", id, data)
	for _, p := range f.Parts {
		t.Logf("drill %s/%s: %s — %s", id, p.Name, p.Verdict, p.Evidence)
	}
	t.Logf("drill %s: %s — %s", id, f.Verdict, f.Evidence)
	if f.Verdict != want {
		t.Errorf("drill %s: the judge found %s on a namespace where the claim is false, want %s", id, f.Verdict, want)
		return f
	}
	if os.Getenv(RecordDrillsEnv) == "1" {
		if err := recordDrill(t.Name(), id, f, data); err != nil {
			t.Errorf("drill %s: recording its facts: %v", id, err)
		}
	}
	return f
}

// recordDrill writes a drill's facts and finding to DrillsDir/ID.json.
func recordDrill(test, id string, f Finding, facts []byte) error {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return err
	}
	r := Recorded{Drill: test, Kernel: "Linux " + unix.ByteSliceToString(u.Release[:]) + " " + unix.ByteSliceToString(u.Machine[:]),
		Verdict: f.Verdict, Facts: facts}
	for _, p := range f.Parts {
		if r.Parts == nil {
			r.Parts = map[string]string{}
		}
		r.Parts[p.Name] = p.Verdict
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(DrillsDir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(DrillsDir, id+".json"), append(data, '\n'), 0o644)
}

// SeenFacts decodes a facts line's JSON, as a run logged it, into the
// claim's facts type: the first row of a judge's table is what a kernel
// really gave. It panics when the line no longer decodes (a field renamed
// since): re-record it.
func SeenFacts[F any](logged string) F {
	var f F
	dec := json.NewDecoder(strings.NewReader(logged))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		panic(fmt.Sprintf("a recorded facts line no longer decodes into %T (re-record it): %v", f, err))
	}
	return f
}

// With returns a copy of facts changed by edit: the refuting rows of a
// judge's table are the seen facts with what a disagreeing kernel would
// show instead.
func With[F any](facts F, edit func(*F)) F {
	edit(&facts)
	return facts
}
