package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/records"
	"netnotes/internal/stream"
)

// The prebuilt binaries run in go test's phases: the measured claims'
// tests alone, after the others, with the flags go test would give them.
func TestBinaryPhasesAreGoTestsPhases(t *testing.T) {
	scan := &records.Scan{Module: "netnotes", Refs: []records.TestRef{
		{ID: "U3", Dir: "uds", Func: "TestU3"},
		{ID: "L4", Dir: "loopback", Func: "TestL4Measured"},
	}}
	got := phases(options{pkgs: []string{"./..."}, short: true}, scan)
	require.Len(t, got, 2)
	first, err := binaryPhase(got[0], scan)
	require.NoError(t, err)
	assert.Equal(t, []string{"./loopback", "./uds"}, first.pkgs)
	assert.Equal(t, []string{"-test.v=test2json", "-test.paniconexit0", "-test.count=1", "-test.short", "-test.skip", "^(TestL4Measured)$", "-test.timeout=10m0s"}, first.args)
	second, err := binaryPhase(got[1], scan)
	require.NoError(t, err)
	assert.Equal(t, 1, second.parallel)
	assert.Equal(t, []string{"./loopback"}, second.pkgs)
	assert.Contains(t, second.args, "^(TestL4Measured)$")

	_, err = binaryPhase([]string{"test", "-cover", "./uds"}, scan)
	assert.ErrorContains(t, err, "go test flag -cover: the prebuilt binaries cannot run it")
}

// A module of two chapters, built with go test -c and run with -tests:
// the report is go test's, each binary ran in its chapter's directory,
// the measured claim's test in the second phase, and -save kept the
// stream.
func TestPrebuiltBinariesGiveTheReportGoTestWould(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module netnotes\n\ngo 1.26\n",
		// The scan links a test to its claim by its call of claims.Check.
		"internal/claims/claims.go": "package claims\n\nimport \"testing\"\n\nfunc Check(t testing.TB, id string) {}\n",
		"routing/testdata/entry":    "127.0.0.0/8 local dev lo\n",
		"routing/r1_test.go": `package routing

import (
	"os"
	"strings"
	"testing"

	"netnotes/internal/claims"
)

func TestR1(t *testing.T) {
	claims.Check(t, "R1")
	entry, err := os.ReadFile("testdata/entry") // in the chapter's directory
	if err != nil {
		t.Fatal(err)
	}
	t.Log("claim R1: confirmed — " + strings.TrimSpace(string(entry)))
}
`,
		"loopback/l4_test.go": `package loopback

import (
	"testing"

	"netnotes/internal/claims"
)

func TestL4(t *testing.T) {
	claims.Check(t, "L4")
	t.Log("claim L4/no-difference: confirmed — 0.98-1.03x")
	t.Log("claim L4: confirmed — parts: no-difference confirmed")
}
`,
	}
	for name, text := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	seen, err := os.ReadFile(filepath.Join("../../..", records.SeenFile))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "internal/records"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, records.SeenFile), seen, 0o644))
	bins := t.TempDir()
	build := exec.Command("go", "test", "-c", "-o", bins+"/", "./routing", "./loopback")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=", "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	saved := filepath.Join(t.TempDir(), "run.json")
	t.Chdir(dir)
	code, report, errs := runNotes(t, "-tests", bins, "-save", saved)
	require.Equal(t, 0, code, "%s\n%s", report, errs)
	assert.Contains(t, report, "  ran     the test binaries in "+bins+" (go test -c -tags sudo) under test2json, in the phases of `make notes`\n")
	assert.Contains(t, report, "  timing  L4 measured alone, one package at a time, after the other notes had finished\n")
	assert.Contains(t, report, "  R1  confirmed  ")
	assert.Contains(t, report, "127.0.0.0/8 local dev lo")
	assert.Contains(t, report, "  L4  confirmed  ")

	f, err := os.Open(saved)
	require.NoError(t, err)
	defer f.Close()
	r := stream.NewReader()
	require.NoError(t, r.Read(f))
	assert.Len(t, r.Verdicts(), 2, "the saved stream holds both phases")
	assert.Equal(t, "pass", r.Result(stream.Key{Package: "netnotes/loopback", Test: "TestL4"}))
}
