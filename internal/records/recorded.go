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
	Drill   string            `json:"drill,omitempty"` // the drill that observed them (DrillsDir)
	Kernel  string            `json:"kernel"`          // "Linux 6.18.44 x86_64, as root"
	Verdict string            `json:"verdict"`         // the claim's verdict on that kernel
	Parts   map[string]string `json:"parts,omitempty"`
	Facts   json.RawMessage   `json:"facts"`
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

// ReadRecorded reads the facts recorded for claim id under dir/FactsDir, one
// per kernel, in the order of the kernels' directory names.
func ReadRecorded(dir, id string) ([]Recorded, error) {
	paths, err := filepath.Glob(filepath.Join(dir, FactsDir, "*", id+".json"))
	if err != nil {
		return nil, err
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
	return os.WriteFile(filepath.Join(dir, id+".json"), append(data, '\n'), 0o644)
}
