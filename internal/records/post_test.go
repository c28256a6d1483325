package records_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"netnotes/internal/records"
)

// Every claim says where the post makes it: the section (number and
// heading as the post writes them), the post's own sentence and its
// English. A claim beyond the notes says so, names the section it follows
// and has no sentence of the post's.
func TestEveryClaimCitesThePost(t *testing.T) {
	sections := map[string]string{}
	for _, s := range records.Sections {
		sections[s.Number] = s.Heading
	}
	for _, c := range records.Catalogue {
		p := c.Post
		if p.Section == "" || p.Heading == "" {
			t.Errorf("claim %s: Post has no Section or Heading: name the post's section it comes from (internal/records/catalogue.go)", c.ID)
		}
		if p.English == "" {
			t.Errorf("claim %s: Post has no English sentence", c.ID)
		}
		if h, ok := sections[p.Section]; !ok || h != p.Heading {
			t.Errorf("claim %s: section %s %q is not one of the post's (records.Sections)", c.ID, p.Section, p.Heading)
		}
		if p.Reference != "" && !c.BeyondTheNotes() {
			t.Errorf("claim %s follows the series' article %q: say it is beyond the notes", c.ID, p.Reference)
		}
		if c.BeyondTheNotes() {
			continue
		}
		if p.Original == "" {
			t.Errorf("claim %s: Post has no Original: the post's own sentence, in Chinese (or say the claim is beyond the notes)", c.ID)
		}
	}
}

// The post's text, as the catalogue quotes it: no Markdown emphasis, code
// marks or links (their text kept), runs of white space as one space.
func normalizePost(text string) string {
	text = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`).ReplaceAllString(text, "$1")
	text = strings.NewReplacer("**", "", "<mark>", "", "</mark>", "", "`", "").Replace(text)
	return strings.Join(strings.Fields(text), " ")
}

// findPost looks for the post beside the repository (the project's shared
// directory: /work/shared/seed/, or shared/ beside CI's clone), or at
// NETNOTES_POST.
func findPost(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("NETNOTES_POST"); p != "" {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("NETNOTES_POST: %v", err)
		}
		return string(data)
	}
	dir, _ := filepath.Abs("../..")
	for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		matches, _ := filepath.Glob(filepath.Join(dir, "shared", "seed", "000_*.txt"))
		if len(matches) == 1 {
			data, err := os.ReadFile(matches[0])
			if err != nil {
				t.Fatal(err)
			}
			return string(data)
		}
	}
	return ""
}

// Where the post is at hand, the catalogue quotes it word for word (each
// piece of a sentence the post spreads over lines, joined by " … ") and
// names its sections as it does.
func TestTheCatalogueQuotesThePostWordForWord(t *testing.T) {
	text := findPost(t)
	if text == "" {
		t.Skip("the post is not beside the repository (shared/seed/000_*.txt above it) and NETNOTES_POST is not set")
	}
	post := normalizePost(text)
	if !strings.Contains(text, records.PostTitle) {
		t.Errorf("the post's title is not %q", records.PostTitle)
	}
	for _, s := range records.Sections {
		if !regexp.MustCompile(`(?m)^#{2,4} ` + regexp.QuoteMeta(s.Number+". "+s.Heading) + `\s*$`).MatchString(text) {
			t.Errorf("section %s %q is not a heading of the post", s.Number, s.Heading)
		}
	}
	for _, c := range records.Catalogue {
		if r := c.Post.Reference; r != "" && !strings.Contains(post, normalizePost(r)) {
			t.Errorf("claim %s: the post lists no article %q", c.ID, r)
		}
		if c.Post.Original == "" {
			continue
		}
		for _, piece := range strings.Split(c.Post.Original, " … ") {
			if !strings.Contains(post, normalizePost(piece)) {
				t.Errorf("claim %s: the post does not say %q", c.ID, piece)
			}
		}
	}
}
