package role_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/role"
)

// echo prints its arguments and exits with 7.
var echo = role.Register(role.Role{Name: "role-test-echo", Run: func(args []string) int {
	os.Stdout.WriteString(strings.Join(args, " ") + "\n")
	return 7
}})

// prepared is set by a role that prepares the process and continues.
var prepared = role.Register(role.Role{Name: "role-test-prepare", Run: func([]string) int {
	wasPrepared = true
	return role.Continue
}})

var wasPrepared bool

// A role named in the environment plays, with the arguments it was given,
// and its status is the process's; none of the tests run.
func TestANamedRolePlaysAndExits(t *testing.T) {
	out, err := echo.Command("a", "b").Output()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "want exit status 7, got %v", err)
	assert.Equal(t, 7, exit.ExitCode())
	assert.Equal(t, "a b\n", string(out))
}

// one wants one argument and prints it.
var one = role.Register(role.Role{Name: "role-test-one", Args: []string{"a word"}, Run: func(args []string) int {
	os.Stdout.WriteString(args[0] + "\n")
	return 0
}})

// A role started with another number of arguments than it names says so
// and exits with status 2, without playing.
func TestARoleRefusesTheWrongNumberOfArguments(t *testing.T) {
	out, err := one.Command().CombinedOutput()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "want exit status 2, got %v", err)
	assert.Equal(t, 2, exit.ExitCode())
	assert.Equal(t, "role-test-one: want 1 arguments (a word), got []\n", string(out))
	out, err = one.Command("hi").Output()
	require.NoError(t, err)
	assert.Equal(t, "hi\n", string(out))
}

// A role started under its own name (a link so named) plays too.
func TestARoleIsChosenByTheProgramsName(t *testing.T) {
	self, err := os.Executable()
	require.NoError(t, err)
	link := filepath.Join(t.TempDir(), "role-test-echo")
	require.NoError(t, os.Symlink(self, link))
	out, err := exec.Command(link, "c").Output()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "want exit status 7, got %v", err)
	assert.Equal(t, "c\n", string(out))
}

// A role that continues prepares the process, whose tests then run, and
// its children play no role.
func TestARoleThatContinuesRunsTheTests(t *testing.T) {
	out, err := prepared.Command("-test.run=^TestPreparedHelper$", "-test.v").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "--- PASS: TestPreparedHelper")
}

func TestPreparedHelper(t *testing.T) {
	if !wasPrepared {
		t.Skip("helper process for TestARoleThatContinuesRunsTheTests")
	}
	_, named := os.LookupEnv(role.Env)
	assert.False(t, named, "%s is left for the children", role.Env)
}

// Every role and every NETNOTES_* variable of the module is listed in
// CONTRIBUTING.md's section on them, and the section lists no other;
// every variable is in env.go's table too.
func TestEveryRoleAndVariableIsListed(t *testing.T) {
	root := filepath.Join("..", "..")
	doc, err := os.ReadFile(filepath.Join(root, "CONTRIBUTING.md"))
	require.NoError(t, err)
	const heading = "## The environment and the binaries' roles"
	_, section, ok := strings.Cut(string(doc), "\n"+heading+"\n")
	require.True(t, ok, "CONTRIBUTING.md has no section %q", heading)
	section, _, _ = strings.Cut(section, "\n## ")

	varRE := regexp.MustCompile(`NETNOTES_[A-Z0-9_]+`)
	roleRE := regexp.MustCompile(`role\.Register\(role\.Role\{Name: "([a-z0-9-]+)"`)
	rowRE, nameRE := regexp.MustCompile("(?m)^\\| (`[^|]*) \\|"), regexp.MustCompile("`([a-z0-9-]+)`")
	vars, roles := map[string]string{}, map[string]string{}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		switch {
		case d.IsDir() && (name == "testdata" || name == ".git" || strings.HasPrefix(name, ".") && name != ".ci" && path != root):
			return filepath.SkipDir
		case d.IsDir():
			return nil
		case !strings.HasSuffix(name, ".go") && name != "Makefile" && path != filepath.Join(root, ".ci", "run"):
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, v := range varRE.FindAllString(string(b), -1) {
			vars[v] = path
		}
		for _, m := range roleRE.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasPrefix(m[1], "role-test-") {
				roles[m[1]] = path
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, roles, "no role.Register in the module?")

	envGo, err := os.ReadFile("env.go")
	require.NoError(t, err)
	for v, where := range vars {
		assert.Contains(t, string(envGo), v, "%s (in %s) is not in internal/role/env.go's table", v, where)
	}

	listedVars := varRE.FindAllString(section, -1)
	var listedRoles []string
	for _, row := range rowRE.FindAllStringSubmatch(section, -1) {
		for _, m := range nameRE.FindAllStringSubmatch(row[1], -1) {
			listedRoles = append(listedRoles, m[1])
		}
	}
	for v, where := range vars {
		assert.Contains(t, listedVars, v, "%s (in %s) is not listed in CONTRIBUTING.md, %q", v, where, heading)
	}
	for r, where := range roles {
		assert.Contains(t, listedRoles, r, "role %s (in %s) is not listed in CONTRIBUTING.md, %q", r, where, heading)
	}
	for _, v := range listedVars {
		_, ok := vars[v]
		assert.True(t, ok || v == role.Env, "CONTRIBUTING.md lists %s, which nothing reads", v)
	}
	for _, r := range listedRoles {
		_, ok := roles[r]
		assert.True(t, ok, "CONTRIBUTING.md lists the role %s, which nothing registers", r)
	}
	assert.True(t, slices.Contains(listedVars, role.Env), "CONTRIBUTING.md does not list %s itself", role.Env)
}
