package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/records"
	"netnotes/internal/vm"
)

func TestParseScenarioReadsEveryKey(t *testing.T) {
	s, err := parseScenario("mine:append=ipv6.disable=1,append=quiet,modules=ipip+ip-gre,sysctl=net.ipv4.tcp_congestion_control=cubic," +
		"sysctl=net/core/devconf_inherit_init_net=1,tracefs=off,netfilter=off,userland=busybox,drills=N3")
	require.NoError(t, err)
	assert.Equal(t, &vm.Scenario{
		Name:        "mine",
		Append:      []string{"ipv6.disable=1", "quiet"},
		Modules:     []string{"ipip", "ip_gre"},
		Sysctls:     []vm.Sysctl{{Key: "net.ipv4.tcp_congestion_control", Value: "cubic"}, {Key: "net.core.devconf_inherit_init_net", Value: "1"}},
		NoTracefs:   true,
		NoNetfilter: true,
		Userland:    vm.UserlandBusybox,
		Drills:      "N3",
	}, s)
	assert.Equal(t, "/proc/sys/net/ipv4/tcp_congestion_control", s.Sysctls[0].Path())
	// Written back, it reads the same.
	again, err := parseScenario(describeScenario(s))
	require.NoError(t, err)
	assert.Equal(t, s, again)
}

func TestParseScenarioStartsFromABuiltin(t *testing.T) {
	s, err := parseScenario("v6-calico:append=ipv6.disable=1,like=calico-host")
	require.NoError(t, err)
	assert.Equal(t, "v6-calico", s.Name)
	assert.Equal(t, []string{"ipip", "sit", "ip_gre"}, s.Modules)
	assert.Equal(t, []string{"ipv6.disable=1"}, s.Append)
}

func TestEveryBuiltinParses(t *testing.T) {
	for _, b := range Builtin {
		s, ok := builtinScenario(b.Name)
		require.True(t, ok, b.Name)
		assert.False(t, s.Plain(), b.Name)
		assert.Equal(t, b.Name+":"+b.Def, describeScenario(s))
	}
	s, _ := builtinScenario("ipv6-off")
	assert.Equal(t, []string{"ipv6.disable=1"}, s.Append)
}

func TestParseScenarioRefusesBadInput(t *testing.T) {
	for def, want := range map[string]string{
		"ipv6.disable=1":              "want NAME:KEY=VALUE",
		"ipv6-off":                    "a built-in scenario goes in -scenarios",
		"Bad Name:tracefs=off":        "is not one",
		"plain:tracefs=off":           "is not one",
		"x:":                          "it would be the plain run",
		"x:tracefs=on":                "changes nothing",
		"x:tracefs":                   `"tracefs" is not KEY=VALUE`,
		"x:tracefs=maybe":             "want on or off",
		"x:netfilter=on":              "changes nothing",
		"x:netfilter=maybe":           "want on or off",
		"x:append=":                   "append= has no value",
		"x:append=console=ttyS1":      "the VM sets console= itself",
		"x:append=rdinit=/bin/sh":     "the VM sets rdinit= itself",
		"x:modules=ipip+":             `"" is not a module name`,
		"x:modules=../../evil":        "is not a module name",
		"x:sysctl=net.ipv4.x":         "want sysctl=KEY=VALUE",
		"x:sysctl=../../etc/passwd=1": "is not a sysctl key",
		"x:sysctl=kernel=1":           "is not a sysctl key",
		"x:userland=toybox":           "want busybox",
		"x:drills=(":                  "drills=(",
		"x:like=nope,tracefs=off":     `no built-in scenario "nope"`,
		"x:colour=blue":               `unknown key "colour"`,
	} {
		_, err := parseScenario(def)
		if assert.Error(t, err, def) {
			assert.Contains(t, err.Error(), want, def)
		}
	}
}

func TestScenariosResolvesNamesAndDefinitions(t *testing.T) {
	got, err := scenarios("ipv6-off no-tracefs", "bbr2:modules=tcp_bbr,sysctl=net.ipv4.tcp_congestion_control=bbr")
	require.NoError(t, err)
	var names []string
	for _, s := range got {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"ipv6-off", "no-tracefs", "bbr2"}, names)

	for names, want := range map[[2]string]string{
		{"ipv6-of", ""}:                     `no built-in scenario "ipv6-of" (built in: ipv6-off`,
		{"x:tracefs=off", ""}:               "-scenarios takes built-in names",
		{"cubic cubic", ""}:                 "named twice",
		{"", "a:tracefs=off a:tracefs=off"}: "defined twice",
		{"", "cubic:tracefs=off"}:           "a built-in scenario has that name",
	} {
		_, err := scenarios(names[0], names[1])
		if assert.Error(t, err, names) {
			assert.Contains(t, err.Error(), want, names)
		}
	}
}

// The flags' errors come before anything is built or booted.
func TestRunRefusesBadScenariosAtOnce(t *testing.T) {
	var out, errs bytes.Buffer
	assert.Equal(t, 2, run(t.Context(), []string{"-kernels", "6.12", "-scenarios", "ipv6-of"}, &out, &errs))
	assert.Contains(t, errs.String(), `no built-in scenario "ipv6-of"`)
	errs.Reset()
	assert.Equal(t, 2, run(t.Context(), []string{"-kernels", "6.12", "-scenarios", "cubic", "-record"}, &out, &errs))
	assert.Contains(t, errs.String(), "records the plain runs only")
	errs.Reset()
	assert.Equal(t, 2, run(t.Context(), []string{"-kernels", "host", "-scenarios", "cubic"}, &out, &errs))
	assert.Contains(t, errs.String(), "-kernels names none")
	errs.Reset()
	assert.Equal(t, 2, run(t.Context(), []string{"-kernels", "6.12", "-jobs", "0"}, &out, &errs))
	assert.Contains(t, errs.String(), "-jobs wants 1 or more")
}

// A scenario's verdict that differs from its kernel's plain run is found
// and marked, with both runs' evidence; one that agrees is not; a claim
// the scenario left without a verdict, or could not observe, is a
// difference too, but no finding: it is marked and listed apart, with
// what would decide it (before issue 32 all were findings, marked "*").
func TestScenarioDiffsBothWays(t *testing.T) {
	cols := []column{
		{Kernel: "6.12", Release: "6.12.117+deb12-cloud-amd64",
			Verdicts: map[string]records.Verdict{"L1": "confirmed", "V3": "confirmed", "N3": "confirmed", "N3/rm": "confirmed", "L2": "confirmed"},
			Evidence: map[string][]string{"L1": {"a fresh namespace holds lo only"}, "V3": {"fe80::1c2b:3cff:fe4d:5e6f/64 on v0"}}},
		{Kernel: "6.12", Scenario: "calico-host", Def: "calico-host:modules=ipip+sit+ip_gre", Release: "6.12.117+deb12-cloud-amd64",
			Verdicts: map[string]records.Verdict{"L1": "refuted", "V3": "confirmed", "N3": "confirmed", "N3/rm": "confirmed", "L2": "confirmed"},
			Evidence: map[string][]string{"L1": {"a fresh namespace holds lo, tunl0, sit0, gre0"}},
			Seen:     []string{"condition modules ip_gre sit ipip"}},
		{Kernel: "6.12", Scenario: "ipv6-off", Def: "ipv6-off:append=ipv6.disable=1", Release: "6.12.117+deb12-cloud-amd64",
			Verdicts: map[string]records.Verdict{"L1": "confirmed", "N3": "confirmed", "N3/rm": "confirmed", "L2": "skipped"},
			Evidence: map[string][]string{"L2": {"needs tracefs, which is not mounted here"}},
			Failed:   []string{"netnotes/veth TestV3"}, Why: map[string]string{"netnotes/veth TestV3": "reading sysctl net.ipv6.conf.default.addr_gen_mode: no such file"}},
		{Kernel: "5.10", Scenario: "cubic", Def: "cubic:sysctl=net.ipv4.tcp_congestion_control=cubic", Release: "5.10.0-46-cloud-amd64", // no plain run of 5.10: nothing to compare
			Verdicts: map[string]records.Verdict{"L1": "refuted"}},
	}
	diffs := scenarioDiffs(cols)
	require.Len(t, diffs, 3)
	assert.Equal(t, difference{ID: "L1", Kernel: "6.12", Scenario: "calico-host", Plain: "confirmed", Now: "refuted",
		PlainEvidence: []string{"a fresh namespace holds lo only"}, Evidence: []string{"a fresh namespace holds lo, tunl0, sit0, gre0"}}, diffs[0])
	assert.Equal(t, "L2 on 6.12 ipv6-off: confirmed (plain) -> skipped", diffs[1].String())
	assert.Equal(t, "V3 on 6.12 ipv6-off: confirmed (plain) -> -", diffs[2].String())

	var out bytes.Buffer
	writeTable(&out, cols, diffs, false)
	table := out.String()
	l1 := lineOf(table, "L1 ")
	assert.Equal(t, []string{"L1", "confirmed", "refuted", "*", "confirmed", "refuted"}, strings.Fields(l1), "only the calico-host cell is marked")
	assert.Equal(t, []string{"L2", "confirmed", "confirmed", "skipped", "?", "-"}, strings.Fields(lineOf(table, "L2 ")), "not observed: no finding")
	assert.Equal(t, []string{"V3", "confirmed", "confirmed", "-", "?", "-"}, strings.Fields(lineOf(table, "V3 ")), "no verdict: no finding")
	assert.Equal(t, []string{"N3", "confirmed", "confirmed", "confirmed", "-"}, strings.Fields(lineOf(table, "N3 ")), "agreeing verdicts are not marked")
	assert.Equal(t, []string{"plain", "calico-host", "ipv6-off", "cubic"}, strings.Fields(strings.Split(table, "\n")[1]))
	assert.Contains(t, table, "L1 on 6.12 calico-host: confirmed (plain) -> refuted\n      calico-host: a fresh namespace holds lo, tunl0, sit0, gre0\n      plain: a fresh namespace holds lo only\n")
	assert.Contains(t, table, "ipv6-off: no verdict")
	assert.Contains(t, table, "6.12 ipv6-off: FAIL netnotes/veth TestV3: reading sysctl net.ipv6.conf.default.addr_gen_mode: no such file\n")
	assert.Contains(t, table, "  6.12 calico-host:modules=ipip+sit+ip_gre\n    condition modules ip_gre sit ipip\n")
	assert.Contains(t, table, "Differences from each kernel's plain run, decided in both (findings): 1\n")
	assert.Contains(t, table, "Differences that one run did not decide (no findings): 2\n"+
		"  L2 on 6.12 ipv6-off: confirmed (plain) -> skipped\n"+
		"      ipv6-off: needs tracefs, which is not mounted here\n"+
		"      no finding: the ipv6-off run could not observe it: what it needs, as its evidence says\n")

	// A claim the scenario skipped whole (tracefs closed under
	// lockdown=confidentiality) is one difference; its parts, never
	// tried, are not: a skip names its reason, a missing verdict would
	// be a failure.
	skipped := []column{
		{Kernel: "6.12", Verdicts: map[string]records.Verdict{"L2": "confirmed", "L2/xmit": "confirmed", "L2/softirq": "confirmed"}},
		{Kernel: "6.12", Scenario: "lockdown-confidentiality", Verdicts: map[string]records.Verdict{"L2": "skipped"}},
	}
	diffs = scenarioDiffs(skipped)
	require.Len(t, diffs, 1)
	assert.Equal(t, "L2 on 6.12 lockdown-confidentiality: confirmed (plain) -> skipped", diffs[0].String())
	assert.Empty(t, problemsOf(skipped, diffs))

	// The same scenario agreeing everywhere: nothing marked, nothing listed.
	cols[1].Verdicts["L1"] = "confirmed"
	cols[2].Verdicts["V3"] = "confirmed"
	cols[2].Verdicts["L2"] = "confirmed"
	assert.Empty(t, scenarioDiffs(cols))
	out.Reset()
	writeTable(&out, cols, nil, false)
	assert.NotContains(t, out.String(), "*")
	assert.Contains(t, out.String(), "Differences from each kernel's plain run, decided in both (findings): 0\n")
}

// A scenario fails the run where it leaves a claim or a part without a
// verdict the plain run had; a claim that skipped whole there (its
// reason names what the scenario took away) is a finding, and its parts,
// which then have no verdict of their own, are not a problem either.
func TestProblemsOfAScenarioThatSkipsAWholeClaim(t *testing.T) {
	cols := []column{
		{Kernel: "6.12", Verdicts: map[string]records.Verdict{"R6": "confirmed", "R6/rewrite": "confirmed", "V10": "confirmed", "V10/firewall": "confirmed"}},
		{Kernel: "6.12", Scenario: "no-netfilter", Verdicts: map[string]records.Verdict{"R6": "skipped", "V10": "confirmed"}},
	}
	var got []string
	for _, p := range problemsOf(cols, scenarioDiffs(cols)) {
		got = append(got, p.Error())
	}
	assert.Equal(t, []string{"6.12 no-netfilter: no verdict for V10/firewall, where the plain run gave confirmed"}, got)
}

// Without scenarios the table is as it was: no scenario row, no sections.
func TestTableWithoutScenarios(t *testing.T) {
	var out bytes.Buffer
	writeTable(&out, []column{{Kernel: "6.12", Release: "r", Verdicts: map[string]records.Verdict{"L1": "confirmed"}}}, nil, false)
	assert.NotContains(t, out.String(), "plain")
	assert.NotContains(t, out.String(), "Differences")
}

func TestCheckAndRecordLeaveScenariosOut(t *testing.T) {
	path := t.TempDir() + "/matrix.txt"
	cols := []column{
		{Kernel: "6.12", Release: "r", Verdicts: map[string]records.Verdict{"L1": "confirmed"}},
		{Kernel: "6.12", Scenario: "calico-host", Release: "r", Verdicts: map[string]records.Verdict{"L1": "refuted"}},
	}
	require.NoError(t, record(path, cols))
	diffs, err := check(path, cols)
	require.NoError(t, err)
	assert.Empty(t, diffs, "a scenario's finding is not a difference from the record")
}

func lineOf(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// A failed test is shown with what it said, a testify report cut to what
// was wrong; a passing test's messages are not collected.
func TestFailureReasons(t *testing.T) {
	in := `{"Action":"output","Package":"netnotes/veth","Test":"TestV3","Output":"    linklocal_sudo_test.go:68: reading sysctl net.ipv6.conf.default.addr_gen_mode in netns 4026532095: open /proc/sys/net/ipv6/conf/default/addr_gen_mode: no such file or directory\n"}
{"Action":"fail","Package":"netnotes/veth","Test":"TestV3"}
{"Action":"output","Package":"netnotes/unlink","Test":"TestDrillN3","Output":"    judgetest.go:174: drill N3: facts {\"Arch\":\"amd64\"}\n"}
{"Action":"output","Package":"netnotes/unlink","Test":"TestDrillN3","Output":"    links.go:9: claim N3: refined — parts\n"}
{"Action":"output","Package":"netnotes/unlink","Test":"TestDrillN3","Output":"    judgetest.go:180: drill N3: the judge found refined on a namespace where the claim is false, want refuted\n"}
{"Action":"fail","Package":"netnotes/unlink","Test":"TestDrillN3"}
{"Action":"output","Package":"netnotes/loopback","Test":"TestL1","Output":"    nic_sudo_test.go:30: \n"}
{"Action":"output","Package":"netnotes/loopback","Test":"TestL1","Output":"        \tError Trace:\t/src/loopback/nic_sudo_test.go:60\n"}
{"Action":"output","Package":"netnotes/loopback","Test":"TestL1","Output":"        \tError:      \tNot equal: \n"}
{"Action":"output","Package":"netnotes/loopback","Test":"TestL1","Output":"        \t            \texpected: []string{\"lo\"}\n"}
{"Action":"output","Package":"netnotes/loopback","Test":"TestL1","Output":"        \t            \tactual  : []string{\"lo\", \"tunl0\"}\n"}
{"Action":"output","Package":"netnotes/loopback","Test":"TestL1","Output":"        \tMessages:   \tdevices of a fresh namespace\n"}
{"Action":"fail","Package":"netnotes/loopback","Test":"TestL1/sub"}
{"Action":"fail","Package":"netnotes/loopback","Test":"TestL1"}
{"Action":"output","Package":"netnotes/uds","Test":"TestU1","Output":"    x_test.go:1: all fine\n"}
{"Action":"pass","Package":"netnotes/uds","Test":"TestU1"}
`
	var c column
	require.NoError(t, c.readColumn([]byte(in)))
	assert.Equal(t, map[string]string{
		"netnotes/veth TestV3":        "reading sysctl net.ipv6.conf.default.addr_gen_mode in netns 4026532095: open /proc/sys/net/ipv6/conf/default/addr_gen_mode: no such file or directory",
		"netnotes/unlink TestDrillN3": "drill N3: the judge found refined on a namespace where the claim is false, want refuted",
		"netnotes/loopback TestL1":    `Error: Not equal: | expected: []string{"lo"} | actual: []string{"lo", "tunl0"} | Messages: devices of a fresh namespace`,
	}, c.Why)
}
