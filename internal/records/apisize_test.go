package records_test

import (
	"go/ast"
	"go/build"
	"go/doc"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// maxNames is the most top-level names an internal package a chapter
// imports may show in `go doc -short` (issue 35): a reader of a chapter
// learns its helpers from their docs, and a long list hides the few a
// chapter needs among the tools' own.
const maxNames = 30

// chapters are the directories a reader reads as the notes.
var chapters = []string{"loopback", "uds", "unlink", "routing", "veth"}

// Every internal package a chapter imports, in any build (its tests and
// privileged files included), shows at most maxNames top-level names.
func TestChapterImportsHaveSmallAPIs(t *testing.T) {
	const root = "../.."
	fset := token.NewFileSet()
	imported := map[string]bool{}
	for _, ch := range chapters {
		files, err := filepath.Glob(filepath.Join(root, ch, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("chapter %s: no Go files (%v)", ch, err)
		}
		for _, name := range files {
			f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if rest, ok := strings.CutPrefix(path, "netnotes/internal/"); ok {
					imported[rest] = true
				}
			}
		}
	}
	for _, p := range slices.Sorted(maps.Keys(imported)) {
		if n := topLevelNames(t, filepath.Join(root, "internal", p)); n > maxNames {
			t.Errorf("internal/%s: go doc -short lists %d top-level names, more than %d", p, n, maxNames)
		}
	}
}

// topLevelNames counts what `go doc -short` lists unindented for the
// package in dir: its exported const and var groups, funcs and types (a
// type's constructors, methods and typed consts are listed under it).
func topLevelNames(t *testing.T, dir string) int {
	t.Helper()
	bp, err := build.ImportDir(dir, 0)
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	pkg, err := doc.NewFromFiles(fset, files, "netnotes/"+filepath.ToSlash(dir))
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	return len(pkg.Consts) + len(pkg.Vars) + len(pkg.Funcs) + len(pkg.Types)
}
