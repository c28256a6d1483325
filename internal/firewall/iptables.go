package firewall

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"netnotes/internal/gate"
	"netnotes/internal/sandbox"
)

// Tables is what iptables-save printed for a namespace: the rules of every
// table it holds.
type Tables struct {
	Mode   string   // the binary's backend, from its --version: "nf_tables" or "legacy"
	Tables []string // the tables it printed ("nat", "filter"), none for a fresh namespace
	Rules  []IPTRule
}

// IPTRule is one rule as iptables-save -c prints it: "[3:180] -A DOCKER !
// -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination
// 172.17.0.2:80".
type IPTRule struct {
	Table, Chain   string
	Spec           string // the rule after "-A CHAIN "
	Packets, Bytes uint64
}

func (r IPTRule) String() string { return "-A " + r.Chain + " " + r.Spec }

// In lists the rules of one chain of one table.
func (s Tables) In(table, chain string) []IPTRule {
	var out []IPTRule
	for _, r := range s.Rules {
		if r.Table == table && r.Chain == chain {
			out = append(out, r)
		}
	}
	return out
}

// IPTables runs `iptables-save -c` inside the namespace: the binary on
// PATH, which is the one a container runtime there ran. It takes no lock
// (only iptables' changes do), so it writes nothing to the host, and it
// names no table: iptables-legacy would load a table's module (on the
// host's kernel) to print a table the namespace does not have, while
// without -t it prints only the tables that exist. It skips, naming
// iptables, where no iptables-save is installed.
// equiv: ip netns exec NS iptables-save -c
func IPTables(t testing.TB, ns *sandbox.NS) Tables {
	t.Helper()
	bin := gate.Binary(t, "iptables-save", "iptables")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, version, stderr bytes.Buffer
	// The child is forked from the thread Do switched into the namespace,
	// and so starts in it.
	err := ns.Do(func() error {
		v := exec.CommandContext(ctx, bin, "--version")
		v.Stdout = &version
		if err := v.Run(); err != nil {
			return fmt.Errorf("%s --version: %w", bin, err)
		}
		c := exec.CommandContext(ctx, bin, "-c")
		c.Stdout, c.Stderr = &out, &stderr
		return c.Run()
	})
	if err != nil {
		t.Fatalf("iptables-save -c in %v: %v: %s", ns, err, strings.TrimSpace(stderr.String()))
	}
	return ParseSave(version.String(), out.String())
}

var (
	saveRule = regexp.MustCompile(`^\[(\d+):(\d+)\] -A (\S+) (.*)$`)
	modeRE   = regexp.MustCompile(`\((nf_tables|legacy)\)`)
)

// ParseSave reads iptables-save -c's output, and the mode from the
// binary's --version ("iptables v1.8.9 (nf_tables)"; old releases print
// no mode: legacy).
func ParseSave(version, text string) Tables {
	s := Tables{Mode: "legacy"}
	if m := modeRE.FindStringSubmatch(version); m != nil {
		s.Mode = m[1]
	}
	table := ""
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if name, ok := strings.CutPrefix(line, "*"); ok {
			table = name
			s.Tables = append(s.Tables, name)
			continue
		}
		m := saveRule.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		p, _ := strconv.ParseUint(m[1], 10, 64)
		b, _ := strconv.ParseUint(m[2], 10, 64)
		s.Rules = append(s.Rules, IPTRule{Table: table, Chain: m[3], Spec: m[4], Packets: p, Bytes: b})
	}
	return s
}
