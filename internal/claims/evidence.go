package claims

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// An evidence token: an IPv4 address (with its prefix length), a MAC, an
// IPv6 address, a device name of the tests' making, or a number.
var (
	tokenRE  = regexp.MustCompile(`\b\d+\.\d+\.\d+\.\d+(?:/\d+)?\b|\b(?:[0-9a-f]{2}:){5}[0-9a-f]{2}\b|\bfe80::[0-9a-f:]+|\b(?:nn[0-9a-z]+-[0-9a-z]+|eth\d+|veth\d+)\b|\b\d+(?:\.\d+)?\b`)
	numberRE = regexp.MustCompile(`^\d+(?:\.\d+)?$`)
)

// unsupported lists the numbers, addresses and device names in evidence
// that the facts (their JSON) do not hold: a judge writes what it saw, so
// a number or a device of its evidence that no fact holds was written in,
// not read. A token is held when the facts hold it as a value or inside a
// string, or a number rounds a fact's value (an interval's ends are ratios
// the facts hold); rule lists what the claim's rule itself names (its
// threshold, the address its test always uses: Register's rule).
func unsupported(evidence string, facts []byte, rule ...string) []string {
	var v any
	if err := json.Unmarshal(facts, &v); err != nil {
		return []string{"facts: " + err.Error()}
	}
	held := map[string]bool{}
	var texts []string
	var walk func(x any)
	walk = func(x any) {
		switch x := x.(type) {
		case nil:
			held["0"] = true // an absent list holds none
		case map[string]any:
			for k, e := range x {
				texts = append(texts, k)
				walk(e)
			}
		case []any:
			held[strconv.Itoa(len(x))] = true
			for _, e := range x {
				walk(e)
			}
		case string:
			texts = append(texts, x)
			for _, t := range tokenRE.FindAllString(x, -1) {
				held[t] = true
			}
		case float64:
			for _, prec := range []int{-1, 0, 1, 2} {
				held[strconv.FormatFloat(x, 'f', prec, 64)] = true
			}
			if x != 0 {
				held[strconv.FormatFloat(1/x, 'f', 2, 64)] = true
			}
		}
	}
	walk(v)
	for _, r := range rule {
		held[r] = true
	}
	var out []string
	for _, t := range tokenRE.FindAllString(evidence, -1) {
		switch {
		case held[t]:
		case numberRE.MatchString(t):
			out = append(out, t)
		case !slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, t) }):
			out = append(out, t)
		}
	}
	return out
}

// checkEvidence fails t for each token of the finding's evidence (the
// claim's and every part's) that the facts do not hold.
func checkEvidence(t interface {
	Helper()
	Errorf(string, ...any)
}, id string, facts []byte, f Finding) {
	t.Helper()
	registry.Lock()
	rule := registry.judges[id].rule
	registry.Unlock()
	for _, p := range append([]Part{{Finding: f}}, f.Parts...) {
		if u := unsupported(p.Evidence, facts, rule...); len(u) > 0 {
			name := id
			if p.Name != "" {
				name += "/" + p.Name
			}
			t.Errorf("claim %s: the evidence says %s, which the facts do not hold (evidence: %s)", name, fmt.Sprint(u), p.Evidence)
		}
	}
}
