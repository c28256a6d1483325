package records_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"netnotes/internal/records"
)

// Each chapter's doc lists its claims' post and commands (go doc ./veth),
// generated from the catalogue: a change to the catalogue needs `go
// generate ./internal/records` to reach them.
func TestChapterDocsAreCurrent(t *testing.T) {
	var chapters []string
	for _, c := range records.Catalogue {
		if !slices.Contains(chapters, c.Chapter) {
			chapters = append(chapters, c.Chapter)
		}
	}
	for _, ch := range chapters {
		path := filepath.Join("../..", ch, records.ChapterDocFile)
		have, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v: run go generate ./internal/records", err)
			continue
		}
		if want := records.ChapterDoc(records.Catalogue, ch); !bytes.Equal(have, want) {
			t.Errorf("%s/%s is not what the catalogue gives: run go generate ./internal/records", ch, records.ChapterDocFile)
		}
	}
}
