package records

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// FactsDir is where a chapter keeps facts recorded on real kernels, relative
// to its package directory: FactsDir/KERNEL/ID.json, written by RecordFacts.
const FactsDir = "testdata/facts"

// Recorded is one claim's facts as a real kernel gave them, with what the
// judge found then.
type Recorded struct {
	Drill   string             `json:"drill,omitempty"` // the drill that observed them (DrillsDir)
	Test    string             `json:"test,omitempty"`  // the test that observed them, for a claim's further rows
	Kernel  string             `json:"kernel"`          // "Linux 6.18.44 x86_64, as root"
	Verdict Verdict            `json:"verdict"`         // the claim's verdict on that kernel
	Parts   map[string]Verdict `json:"parts,omitempty"`
	Facts   json.RawMessage    `json:"facts"`

	Path string `json:"-"` // the file it was read from
}

// ProjectKernel names the project machine's kernel as a directory of
// recorded facts (FactsDir/ProjectKernel): the facts a judge's table
// starts from (claims.RecordedFacts).
const ProjectKernel = "linux-6.18"

// DrillsDir is where a chapter keeps the facts its drills observed,
// relative to its package directory: DrillsDir/ID.json, written by Drill
// when RecordDrillsEnv is set. A judge's table shows them as a row
// (claims.RecordedDrill), and TestJudge replays those no table shows: a
// drill's facts are the claim's refuting case that a real kernel gave.
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
		r, err := ReadRecordedFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// ReadRecordedFile reads one file of recorded facts (FactsDir's or
// DrillsDir's); its errors name the file.
func ReadRecordedFile(path string) (Recorded, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Recorded{}, err
	}
	r := Recorded{Path: path}
	if err := json.Unmarshal(data, &r); err != nil {
		return Recorded{}, fmt.Errorf("%s: %w", path, err)
	}
	if r.Kernel == "" || r.Verdict == "" || len(r.Facts) == 0 {
		return Recorded{}, fmt.Errorf("%s: want kernel, verdict and facts", path)
	}
	return r, nil
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
