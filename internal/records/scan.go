package records

import (
	"bufio"
	"errors"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// TestRef is one call claims.Check(t, "ID") found in the source: which claim
// it names and which test function holds it.
type TestRef struct {
	ID         string
	Dir        string // the package's directory relative to the module root: "loopback"
	File       string // relative to the module root, slash-separated: "loopback/own_sudo_test.go"
	Line       int    // of the Check call
	Func       string // the top-level function around the call: "TestOwnAddressGoesViaLo"
	Privileged bool   // the file builds only with the sudo tag
}

// Problem is a Check call whose claim ID the scanner cannot read, so nobody
// can tell which claim it checks without running it.
type Problem struct {
	Pos string // file:line
	Msg string
}

// MainRef is a chapter's TestMain that calls claims.Main(m, "chapter"),
// the hook that checks the chapter's judges after a full run.
type MainRef struct {
	Chapter string // Main's argument
	Dir     string
	File    string
	Tagged  bool // the file has a build constraint, so some runs leave it out
}

// Scan is what ScanTests found in a module's test files.
type Scan struct {
	Module   string    // the module path from go.mod
	Refs     []TestRef // in file order
	Mains    []MainRef
	Problems []Problem
}

// ScanTests reads every *_test.go file under root (a module root, holding
// go.mod), whatever its build tags, and finds the calls to claims.Check. It
// only parses: nothing is built or run. The claims package's own tests,
// which call Check on made-up runs, are not the notes' tests. Directories the go command ignores
// (testdata, vendor, names starting with "." or "_") and nested modules are
// skipped.
func ScanTests(root string) (*Scan, error) {
	module, err := ModulePath(root)
	if err != nil {
		return nil, err
	}
	s := &Scan{Module: module}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if path != root {
			name := d.Name()
			if name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			}
			if rel, err := filepath.Rel(root, path); err == nil && filepath.ToSlash(rel) == "internal/claims" {
				return nil // this package's own tests exercise Check on made-up runs
			}
		}
		return s.scanDir(root, path)
	})
	if err != nil {
		return nil, fmt.Errorf("scanning the tests under %s: %w", root, err)
	}
	return s, nil
}

// ModulePath reads the module path from root/go.mod.
func ModulePath(root string) (string, error) {
	f, err := os.Open(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("not a module root: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s has no module line", filepath.Join(root, "go.mod"))
}

// scanDir scans the test files of one directory. Package-level string
// constants of the directory's test files count as IDs too, so that
// claims.Check(t, idOwnAddress) is as visible as claims.Check(t, "L3").
func (s *Scan) scanDir(root, dir string) error {
	names, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil || len(names) == 0 {
		return err
	}
	slices.Sort(names)
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files = append(files, f)
	}
	consts := stringConsts(files)
	importPath := s.Module + "/internal/claims"
	for _, f := range files {
		qual, ok := importName(f, importPath)
		if !ok {
			continue
		}
		file := fset.Position(f.Package).Filename
		if r, err := filepath.Rel(root, file); err == nil {
			file = filepath.ToSlash(r)
		}
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Body != nil {
				s.scanFunc(fset, f, file, fn, qual, consts)
			}
		}
	}
	return nil
}

// stringConsts returns the package-level string constants of files, keyed
// by package clause and name ("loopback.idOwnAddress").
func stringConsts(files []*ast.File) map[string]string {
	consts := map[string]string{}
	for _, f := range files {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					if v, ok := stringLit(vs.Values[i]); ok {
						consts[f.Name.Name+"."+n.Name] = v
					}
				}
			}
		}
	}
	return consts
}

// scanFunc records the claims.Main and claims.Check calls in fn, a function
// of f (file, relative to the module root), which imports the claims
// package as qual.
func (s *Scan) scanFunc(fset *token.FileSet, f *ast.File, file string, fn *ast.FuncDecl, qual string, consts map[string]string) {
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if ok && fn.Name.Name == "TestMain" && isCall(call.Fun, qual, "Main") && len(call.Args) == 2 {
			if chapter, ok := stringLit(call.Args[1]); ok {
				s.Mains = append(s.Mains, MainRef{Chapter: chapter, Dir: path.Dir(file), File: file, Tagged: hasBuildLine(f)})
			}
			return true
		}
		if !ok || !isCall(call.Fun, qual, "Check") {
			return true
		}
		pos := fset.Position(call.Pos())
		at := fmt.Sprintf("%s:%d", file, pos.Line)
		if len(call.Args) != 2 {
			s.Problems = append(s.Problems, Problem{at, "claims.Check takes (t, \"ID\")"})
			return true
		}
		id, ok := stringLit(call.Args[1])
		if !ok {
			if ident, isIdent := call.Args[1].(*ast.Ident); isIdent {
				id, ok = consts[f.Name.Name+"."+ident.Name]
			}
		}
		if !ok {
			s.Problems = append(s.Problems, Problem{at,
				"the claim ID is not a string literal or constant, so the catalogue test cannot see which claim this checks: write claims.Check(t, \"ID\")"})
			return true
		}
		s.Refs = append(s.Refs, TestRef{
			ID: id, Dir: path.Dir(file), File: file, Line: pos.Line,
			Func: fn.Name.Name, Privileged: needsSudo(f),
		})
		return true
	})
}

// importName returns the name under which f imports the claims package ("."
// for a dot import).
func importName(f *ast.File, importPath string) (string, bool) {
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil || p != importPath {
			continue
		}
		if imp.Name == nil {
			return "claims", true
		}
		if imp.Name.Name == "_" {
			return "", false
		}
		return imp.Name.Name, true
	}
	return "", false
}

// isCall reports whether fun names the claims package's function name,
// instantiated or not (claims.TestJudge[F]).
func isCall(fun ast.Expr, qual, name string) bool {
	switch f := fun.(type) {
	case *ast.IndexExpr:
		return isCall(f.X, qual, name)
	case *ast.IndexListExpr:
		return isCall(f.X, qual, name)
	case *ast.SelectorExpr:
		x, ok := f.X.(*ast.Ident)
		return ok && qual != "." && x.Name == qual && f.Sel.Name == name
	case *ast.Ident:
		return qual == "." && f.Name == name
	}
	return false
}

// Uncheckable returns the claims of cat whose chapter has no TestMain,
// in a file every run builds, that calls claims.Main(m, "chapter"): there,
// nothing checks after a run that each judge's refuting case ran.
func (s *Scan) Uncheckable(cat []Claim) []Claim {
	var missing []Claim
	for _, c := range cat {
		ok := false
		for _, m := range s.Mains {
			if m.Chapter == c.Chapter && m.Dir == c.Chapter && !m.Tagged {
				ok = true
			}
		}
		if !ok {
			missing = append(missing, c)
		}
	}
	return missing
}

// hasBuildLine reports whether f has a //go:build line.
func hasBuildLine(f *ast.File) bool {
	for _, g := range f.Comments {
		if g.Pos() > f.Package {
			break
		}
		for _, c := range g.List {
			if constraint.IsGoBuild(c.Text) {
				return true
			}
		}
	}
	return false
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(lit.Value)
	return v, err == nil
}

// needsSudo reports whether the file's //go:build line requires the sudo tag:
// true with every tag set, false with every tag but sudo.
func needsSudo(f *ast.File) bool {
	for _, g := range f.Comments {
		if g.Pos() > f.Package {
			break
		}
		for _, c := range g.List {
			if !constraint.IsGoBuild(c.Text) {
				continue
			}
			expr, err := constraint.Parse(c.Text)
			if err != nil {
				return false
			}
			with := expr.Eval(func(string) bool { return true })
			without := expr.Eval(func(tag string) bool { return tag != "sudo" })
			return with && !without
		}
	}
	return false
}

// Chapters lists the import paths of the packages whose tests check a
// claim, in order: the notes' test binaries.
func (s *Scan) Chapters() []string {
	var pkgs []string
	for _, r := range s.Refs {
		if p := s.Module + "/" + r.Dir; !slices.Contains(pkgs, p) {
			pkgs = append(pkgs, p)
		}
	}
	slices.Sort(pkgs)
	return pkgs
}

// Tests returns the references to claim id.
func (s *Scan) Tests(id string) []TestRef {
	var refs []TestRef
	for _, r := range s.Refs {
		if r.ID == id {
			refs = append(refs, r)
		}
	}
	return refs
}

// Untested returns the claims of cat that no test checks.
func (s *Scan) Untested(cat []Claim) []Claim {
	var missing []Claim
	for _, c := range cat {
		if len(s.Tests(c.ID)) == 0 {
			missing = append(missing, c)
		}
	}
	return missing
}

// Unknown returns the Check calls naming an ID that cat does not hold.
func (s *Scan) Unknown(cat []Claim) []TestRef {
	var unknown []TestRef
	for _, r := range s.Refs {
		if _, ok := lookupIn(cat, r.ID); !ok {
			unknown = append(unknown, r)
		}
	}
	return unknown
}

// Misplaced returns the Check calls that live outside the chapter cat gives
// their claim: the report and the README would send the reader to the wrong
// package.
func (s *Scan) Misplaced(cat []Claim) []TestRef {
	var wrong []TestRef
	for _, r := range s.Refs {
		if c, ok := lookupIn(cat, r.ID); ok && c.Chapter != r.Dir {
			wrong = append(wrong, r)
		}
	}
	return wrong
}

// ErrNoModule is returned by FindModuleRoot outside a module.
var ErrNoModule = errors.New("no go.mod in this directory or above")

// FindModuleRoot returns the nearest directory at or above dir holding go.mod.
func FindModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoModule
		}
		dir = parent
	}
}

// ScanModule finds the module root at or above dir and scans its tests:
// what the report and the matrix both start from.
func ScanModule(dir string) (root string, scan *Scan, err error) {
	if root, err = FindModuleRoot(dir); err != nil {
		return "", nil, err
	}
	scan, err = ScanTests(root)
	return root, scan, err
}
