package records_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuncLines is the longest a function may be, from its func line to its
// closing brace: a longer one does more than one thing, and a reader loses
// the thread (issue 35).
const maxFuncLines = 80

// Every function of the module, tests included, fits in maxFuncLines;
// generated files and testdata are left out.
func TestNoFunctionIsLongerThan80Lines(t *testing.T) {
	const root = "../.."
	fset := token.NewFileSet()
	for _, path := range moduleGoFiles(t, root) {
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if ast.IsGenerated(f) {
			continue
		}
		for _, long := range longFuncs(fset, f, maxFuncLines) {
			rel, _ := filepath.Rel(root, long)
			t.Errorf("%s: split it", filepath.ToSlash(rel))
		}
	}
}

// The check finds a long function, names it and its length, and passes a
// short one.
func TestLongFuncsNamesTheLongOnes(t *testing.T) {
	src := "package p\n\nfunc short() {\n}\n\nfunc (s *T) long() {\n" + strings.Repeat("\t_ = 1\n", 79) + "}\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := longFuncs(fset, f, 81); len(got) != 0 {
		t.Errorf("at most 81 lines: got %q, want none", got)
	}
	got := longFuncs(fset, f, 80)
	if want := "p.go:6 long: 81 lines, over 80"; len(got) != 1 || got[0] != want {
		t.Errorf("at most 80 lines: got %q, want [%q]", got, want)
	}
}

// longFuncs returns "FILE:LINE FUNC: N lines, over LIMIT" for each function
// declaration of f longer than limit lines, counted from its func line to its
// closing brace.
func longFuncs(fset *token.FileSet, f *ast.File, limit int) []string {
	var long []string
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		start := fset.Position(fn.Pos())
		n := fset.Position(fn.Body.Rbrace).Line - start.Line + 1
		if n > limit {
			long = append(long, fmt.Sprintf("%s:%d %s: %d lines, over %d", start.Filename, start.Line, fn.Name.Name, n, limit))
		}
	}
	return long
}
