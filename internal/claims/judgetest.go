package claims

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"netnotes/internal/records"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// Case is one row of a judge's table: facts, and what the judge must find.
type Case[F any] struct {
	Name  string
	Facts F
	Want  Verdict            // the claim's verdict
	Parts map[string]Verdict // part name -> verdict; the parts not named are not checked

	from string // the recording a row was loaded from (RecordedDrill)
}

// TestJudge runs a claim's judge on a table of facts and checks each
// finding: its verdict, the verdicts of the parts the case names, and that
// the finding is well formed (evidence given, parts that combine to the
// claim's verdict). Facts recorded on real kernels (FactsDir, DrillsDir)
// are cases too, replayed by the claim's first table in the binary: the
// judge must still find what it found there.
//
// judge must be the claim's registered judge (Register). Each refuting
// case that runs and passes is noted, and the chapter's Main fails a full
// run in which no refuting case of a claim's judge ran; recorded facts
// that refute count too.
func TestJudge[F any](t *testing.T, id string, judge func(F) Finding, cases []Case[F]) {
	t.Helper()
	if _, ok := records.Lookup(id); !ok {
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
			expect(t, id, c.Facts, data, judge(c.Facts), c.Want, c.Parts)
		})
		if ok && c.Want == Refuted {
			ranRefuting(id, c.Name)
		}
	}
	if !firstReplay(id) {
		return // another table of the claim replayed its recordings
	}
	recorded, err := records.ReadRecorded(".", id)
	if err != nil {
		t.Fatalf("claim %s: %v", id, err)
	}
	drills, err := records.ReadDrills(".", id)
	if err != nil {
		t.Fatalf("claim %s: %v", id, err)
	}
	recorded = append(recorded, drills...)
	for _, r := range recorded {
		if slices.ContainsFunc(cases, func(c Case[F]) bool { return c.from == r.Path }) {
			continue // a row of the table already
		}
		name := recordedName(r)
		ok := t.Run(name, func(t *testing.T) {
			t.Helper()
			facts, err := decodeFacts[F](r.Facts)
			if err != nil {
				t.Fatalf("%s: the facts recorded on %s %v (re-record them)", r.Path, r.Kernel, err)
			}
			expect(t, id, facts, r.Facts, judge(facts), r.Verdict, r.Parts)
		})
		if ok && r.Verdict == Refuted {
			ranRefuting(id, name)
		}
	}
}

func expect(t *testing.T, id string, facts any, data []byte, f Finding, want Verdict, parts map[string]Verdict) {
	t.Helper()
	if err := f.check(); err != nil {
		t.Fatalf("malformed finding: %v\n%+v", err, f)
	}
	checkEvidence(t, id, facts, data, f)
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

// Drill judges facts observed on a namespace that a test set up so that the
// claim is false, and fails unless the judge finds want (usually Refuted):
// the end-to-end proof that the claim's own observation code and judge can
// go the other way. Its evidence is checked against its facts, as
// TestJudge checks a table's. It logs "drill ID: verdict — evidence", which is not a
// verdict line: a drill says nothing about the reader's kernel, so the
// report never counts it.
func Drill[F any](t testing.TB, id string, facts F, judge func(F) Finding, want Verdict) Finding {
	t.Helper()
	if _, ok := records.Lookup(id); !ok {
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
	checkEvidence(t, id, facts, data, f)
	t.Logf("drill %s: facts %s", id, data)
	for _, p := range f.Parts {
		t.Logf("drill %s/%s: %s — %s", id, p.Name, p.Verdict, p.Evidence)
	}
	t.Logf("drill %s: %s — %s", id, f.Verdict, f.Evidence)
	if f.Verdict != want {
		t.Errorf("drill %s: the judge found %s on a namespace where the claim is false, want %s", id, f.Verdict, want)
		return f
	}
	if os.Getenv(records.RecordDrillsEnv) == "1" {
		if err := recordDrill(t.Name(), id, f, data); err != nil {
			t.Errorf("drill %s: recording its facts: %v", id, err)
		}
	}
	return f
}

// recordDrill writes a drill's facts and finding to records.DrillsDir/ID.json.
func recordDrill(test, id string, f Finding, facts []byte) error {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return err
	}
	r := records.Recorded{Drill: test, Kernel: "Linux " + unix.ByteSliceToString(u.Release[:]) + " " + unix.ByteSliceToString(u.Machine[:]),
		Verdict: f.Verdict, Facts: facts}
	for _, p := range f.Parts {
		if r.Parts == nil {
			r.Parts = map[string]Verdict{}
		}
		r.Parts[p.Name] = p.Verdict
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(records.DrillsDir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(records.DrillsDir, id+".json"), append(data, '\n'), 0o644)
}

// SeenFacts decodes a facts line's JSON, as a run logged it, into the
// claim's facts type: the first row of a judge's table is what a kernel
// really gave. Called when a test runs, never at package load: a line that
// no longer decodes (a field renamed since) fails t, naming the field, and
// no other test.
func SeenFacts[F any](t testing.TB, logged string) F {
	t.Helper()
	f, err := decodeFacts[F]([]byte(logged))
	if err != nil {
		t.Fatalf("a logged facts line %v (re-record it)", err)
	}
	return f
}

// RecordedFacts loads the facts the project machine recorded for claim id
// (FactsDir/records.ProjectKernel/ID.json in the chapter): the first row
// of a judge's table, without copying it into the table. TestJudge replays
// the recording itself as a case; the rows made from it With a change are
// the table's own. For a claim with several rows on one kernel (a test
// each, as V8's runtimes), id names the row as ID.TEST, the file
// RecordFacts wrote for it.
//
// Called when a test runs, never at package load: a file that is missing
// or no longer decodes into F (a field renamed since) fails t with the
// file's path and the field, and no other test.
func RecordedFacts[F any](t testing.TB, id string) F {
	t.Helper()
	r := readRecorded(t, filepath.Join(records.FactsDir, records.ProjectKernel, id+".json"))
	f, err := decodeFacts[F](r.Facts)
	if err != nil {
		t.Fatalf("%s: the facts %v (re-record them: sudo go run ./internal/cmd/notes -record-facts)", r.Path, err)
	}
	return f
}

// RecordedDrill is a row of a judge's table made from what claim id's drill
// observed (DrillsDir/ID.json): facts a real kernel gave on a namespace set
// up so that the claim is false, with the verdict the judge found then. A
// table shows its refuting row so, by name, where no other fact set
// refutes; TestJudge does not replay the file a second time.
func RecordedDrill[F any](t testing.TB, id string) Case[F] {
	t.Helper()
	r := readRecorded(t, filepath.Join(records.DrillsDir, id+".json"))
	f, err := decodeFacts[F](r.Facts)
	if err != nil {
		t.Fatalf("%s: the drill's facts %v (re-record them as root: %s=1 go test -tags sudo -run '^TestDrill' ./CHAPTER)", r.Path, err, records.RecordDrillsEnv)
	}
	return Case[F]{Name: recordedName(r), Facts: f, Want: r.Verdict, Parts: r.Parts, from: r.Path}
}

func readRecorded(t testing.TB, path string) records.Recorded {
	t.Helper()
	r, err := records.ReadRecordedFile(path)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return r
}

// decodeFacts decodes recorded facts into F, refusing a field F does not
// have: a field renamed since the recording is named, not left at zero.
func decodeFacts[F any](data []byte) (F, error) {
	var f F
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return f, fmt.Errorf("no longer decode into %T: %w", f, err)
	}
	return f, nil
}

// recordedName names a recording's row in a judge's table.
func recordedName(r records.Recorded) string {
	if r.Drill != "" {
		return "the drill " + r.Drill + ", recorded on " + r.Kernel
	}
	name := "recorded on " + r.Kernel
	if r.Test != "" {
		name += " by " + r.Test
	}
	return name
}

// With returns a deep copy of facts changed by edit: the refuting rows of a
// judge's table are the seen facts with what a disagreeing kernel would
// show instead. Facts are JSON (Judge logs them so), so the copy goes
// through JSON: edit may change a slice, map or pointer of the copy
// without touching the row it was made from. It panics for facts that do
// not round-trip through JSON.
func With[F any](facts F, edit func(*F)) F {
	data, err := json.Marshal(facts)
	if err != nil {
		panic(fmt.Sprintf("claims.With: the facts do not encode as JSON: %v", err))
	}
	var c F
	if err := json.Unmarshal(data, &c); err != nil {
		panic(fmt.Sprintf("claims.With: the facts do not decode from their own JSON into %T: %v", c, err))
	}
	edit(&c)
	return c
}
