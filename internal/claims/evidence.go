package claims

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"netnotes/internal/records"
)

// The evidence check: a judge writes what it saw, so every number of its
// evidence, with its unit, and every address or device name must be one
// the facts hold. What the check reads of the evidence:
//
//   - an address (IPv4 with its prefix length, MAC, IPv6) or a device name
//     of the tests' making (nn1-2a, eth0, veth0) is held when a fact's
//     string holds it;
//   - a run of letters, digits and -._:/@ that a fact's string (or a part
//     name, or a claim ID) holds whole is held, whatever numbers it has
//     inside ("rm (GNU coreutils) 9.1", a path, "socket:[110799]");
//   - any other number is a quantity: its digits, written to so many
//     decimals, and its unit, glued to it ("1.99x", "123ms", "77KiB",
//     "25%", "108-byte"), given as the next word ("19 B", "200 ms"), or,
//     for the first end of an interval, the second end's ("1.46-1.99x").
//     "if3" is ifindex 3; any other word that starts with a letter is a
//     name, not a number ("ipv6", "x86_64", "U8").
//
// A quantity is held when a fact's number, in the quantity's unit, rounds
// to it: a fact's JSON number is taken as given in that unit or in its
// dimension's base unit (bytes; nanoseconds, as a time.Duration encodes),
// a ratio's also as its inverse (TCP 1.25x faster is UDS 0.80x), a
// percentage's also as a fraction (0.92 is 92%); a quantity written in a
// fact's string with a unit is taken in that unit only. A number without
// a unit is held by a fact's number, a list's length, or a number in a
// fact's string.
//
// What the rule itself names, the facts do not hold: a claim's threshold
// ("2.0x"), the address its test always uses. Register takes those, each
// written with its unit, so that "25%" allows 25% and not 25 ms. What a
// rule derives from its facts (an interval's trims from its pair count,
// the count of its deciding cells) a facts type gives through a Derived
// method (Deriver).

// A Deriver is a facts type (or a type inside one) whose rule writes
// numbers that follow from its facts without being one of them: Derived
// lists them, each written as a rule number is (with its unit: "92%",
// "4"). The check holds them for the facts that gave them.
type Deriver interface {
	Derived() []string
}

// What the check reads: the tokens a fact's string or the rule may hold
// whole (addresses, MACs, device names), and numbers with their units.
var (
	wordRE   = regexp.MustCompile(`[\p{L}\p{N}_.:/@%+-]+`)
	innerRE  = regexp.MustCompile(`(?:\d+\.\d+\.\d+\.\d+(?:/\d+)?|(?:[0-9a-f]{2}:){5}[0-9a-f]{2}|fe80::[0-9a-f:]+|nn[0-9a-z]+-[0-9a-z]+|v?eth\d+)`)
	numberRE = regexp.MustCompile(`\d+(?:\.\d+)?`)
	unitRE   = regexp.MustCompile(`^-?([\p{L}%]+)`)
	// A system call's manual page, "unlink(2)": a name, not a number.
	manPageRE = regexp.MustCompile(`\b([a-z_]+)\(2\)`)
	// A rule's number: "2.0x", "25%", "100 B".
	ruleNumberRE = regexp.MustCompile(`^(-?(?:0|[1-9]\d*)(?:\.\d+)?) ?([\p{L}%]*)$`)
)

// units are the units a number may carry: the dimension and how many of
// the dimension's base unit one is.
var units = map[string]struct {
	dim   string
	scale float64
}{
	"x": {"ratio", 1}, "%": {"percent", 1},
	"B": {"bytes", 1}, "byte": {"bytes", 1}, "bytes": {"bytes", 1},
	"KiB": {"bytes", 1 << 10}, "MiB": {"bytes", 1 << 20}, "GiB": {"bytes", 1 << 30},
	"ns": {"time", 1}, "µs": {"time", 1e3}, "us": {"time", 1e3}, "ms": {"time", 1e6}, "s": {"time", 1e9},
}

// wayOut says how evidence that names what its facts do not hold can be
// made to hold, for the refused tokens u.
func wayOut(id string, u []string) string {
	ways := []string{
		"write what a fact holds: its value, rounded, in its own unit (a JSON number also in its unit's base: bytes, nanoseconds)",
		"or add what the test saw to the facts",
		"or give what the rule derives from the facts (a count, an interval's coverage) with a Derived method on the facts type (claims.Deriver)",
	}
	example := ""
	for _, t := range u {
		if m := ruleNumberRE.FindStringSubmatch(strings.ReplaceAll(t, " ", "")); m == nil || m[2] != "" {
			example = t
			break
		}
	}
	if example != "" {
		ways = append(ways, fmt.Sprintf("or, for what the claim's rule itself names (its threshold, the address its test always uses), register it, a number with its unit, beside the judge: claims.Register(%q, judge, %q)", id, example))
	}
	return "The way out: " + strings.Join(ways, "; ") + "."
}

// unitNames lists the units, for messages.
func unitNames() string {
	return strings.Join(slices.Sorted(maps.Keys(units)), " ")
}

// A quantity is a number as written (its decimals matter) and its unit
// ("" for none), the unit glued to it or given as the next word (sep " ").
type quantity struct {
	num, sep, unit string
}

func (q quantity) String() string { return q.num + q.sep + q.unit }

// A held number: a value and the dimension it is known in ("" for a
// JSON number or a bare number of a string, whose unit is not written).
type held struct {
	v   float64
	dim string
}

// holdings is what the facts (and the rule) hold.
type holdings struct {
	texts   []string // fact strings, map keys, part names, claim IDs, rule words
	numbers []held
}

// unsupported lists the tokens of evidence that the facts (facts, and
// their JSON, data) do not hold, numbers as written with their units;
// rule lists what the claim's rule itself names (Register's rule), names
// the finding's part names. facts may be nil (only the JSON is then
// read).
func unsupported(evidence string, data []byte, facts any, rule []string, names ...string) []string {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return []string{"facts: " + err.Error()}
	}
	h := &holdings{}
	h.walk(v)
	for _, c := range records.Catalogue {
		h.texts = append(h.texts, c.ID)
	}
	h.texts = append(h.texts, names...)
	h.hold(rule)
	h.hold(derived(facts))
	evidence = manPageRE.ReplaceAllString(evidence, "$1")
	var out []string
	words := wordRE.FindAllStringIndex(evidence, -1)
	for i, span := range words {
		w := strings.TrimRight(evidence[span[0]:span[1]], ".:/-+")
		w = strings.TrimLeft(w, "+/")
		if !strings.ContainsAny(w, "0123456789") || h.holdsText(w) {
			continue
		}
		next := ""
		if i+1 < len(words) && span[1] < len(evidence) && evidence[span[1]] == ' ' && words[i+1][0] == span[1]+1 {
			next = evidence[words[i+1][0]:words[i+1][1]]
		}
		out = append(out, h.check(w, next)...)
	}
	return out
}

// hold adds tokens written as the rule writes them: a number with its
// unit ("2.0x", "25%", "100 B") as a number known in that unit, anything
// else (an address, a name) as text.
func (h *holdings) hold(tokens []string) {
	for _, t := range tokens {
		m := ruleNumberRE.FindStringSubmatch(t)
		if m == nil {
			h.texts = append(h.texts, t)
			continue
		}
		u, ok := units[m[2]]
		switch {
		case m[2] != "" && !ok:
			h.texts = append(h.texts, t)
		case m[2] == "":
			x, _ := strconv.ParseFloat(m[1], 64)
			h.numbers = append(h.numbers, held{x, ""})
		default:
			x, _ := strconv.ParseFloat(m[1], 64)
			h.numbers = append(h.numbers, held{x * u.scale, u.dim})
		}
	}
}

// walk collects what a fact holds: its strings (and the numbers written
// in them), map keys, numbers and list lengths. A null holds nothing.
func (h *holdings) walk(x any) {
	switch x := x.(type) {
	case map[string]any:
		for k, e := range x {
			h.texts = append(h.texts, k)
			h.walk(e)
		}
	case []any:
		h.numbers = append(h.numbers, held{float64(len(x)), ""})
		for _, e := range x {
			h.walk(e)
		}
	case string:
		h.texts = append(h.texts, x)
		for _, w := range wordRE.FindAllString(x, -1) {
			qs, _ := quantities(w, "")
			for _, q := range qs {
				n, _ := strconv.ParseFloat(q.num, 64)
				if u, ok := units[q.unit]; ok {
					h.numbers = append(h.numbers, held{n * u.scale, u.dim})
				} else {
					h.numbers = append(h.numbers, held{n, ""})
				}
			}
		}
	case float64:
		h.numbers = append(h.numbers, held{x, ""})
	}
}

// holdsText reports whether a fact's string (or a name the check holds)
// holds w whole: not as part of a longer word or number.
func (h *holdings) holdsText(w string) bool {
	for _, s := range h.texts {
		for i := strings.Index(s, w); i >= 0; {
			end := i + len(w)
			if (i == 0 || !isAlnum(s[i-1])) && (end == len(s) || !isAlnum(s[end]) && !(s[end] == '.' && end+1 < len(s) && isDigit(s[end+1]))) {
				return true
			}
			j := strings.Index(s[i+1:], w)
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// check lists what of the evidence's word w (next is the word after it)
// the facts do not hold.
func (h *holdings) check(w, next string) []string {
	var out []string
	rest := innerRE.ReplaceAllStringFunc(w, func(a string) string {
		if !h.holdsText(a) {
			out = append(out, a)
		}
		return " "
	})
	for _, part := range strings.Fields(rest) {
		qs, names := quantities(part, next)
		for _, n := range names {
			if !h.holdsText(n) {
				out = append(out, n)
			}
		}
		for _, q := range qs {
			if !h.holdsQuantity(q) {
				out = append(out, q.String())
			}
		}
	}
	return out
}

// quantities reads the numbers of a word with their units (next: the word
// after it, the unit of a number that has none glued), and the names in
// it: a number glued to letters that are no unit ("100b", "3dff").
// Letters before a number make a name ("ipv6"), except "if" (ifindex).
func quantities(w, next string) (qs []quantity, names []string) {
	locs := numberRE.FindAllStringIndex(w, -1)
	for i, loc := range locs {
		start, end := loc[0], loc[1]
		letters := strings.TrimRightFunc(w[:start], func(r rune) bool { return r < 128 && isLetter(byte(r)) })
		if letters != w[:start] && w[len(letters):start] != "if" {
			continue // inside a name ("ipv6")
		}
		if start > 1 && w[start-1] == '-' && isLetter(w[start-2]) {
			continue // a name's number ("EUI-64")
		}
		if start > 1 && w[start-1] == '.' && isDigit(w[start-2]) {
			continue // the third number of a dotted word ("9.1.2")
		}
		q := quantity{num: w[start:end]}
		if start > 0 && w[start-1] == '-' && (start == 1 || !isAlnum(w[start-2])) {
			q.num = "-" + q.num
		}
		after := w[end:]
		if m := unitRE.FindStringSubmatch(after); m != nil {
			if _, ok := units[m[1]]; ok {
				q.sep, q.unit = strings.TrimSuffix(m[0], m[1]), m[1]
			} else if !strings.HasPrefix(m[0], "-") {
				j := len(w)
				if i+1 < len(locs) {
					j = strings.IndexAny(w[end:], "-_:/@") + end
					if j < end {
						j = len(w)
					}
				}
				names = append(names, w[start:j])
				continue
			}
		}
		if q.unit == "" && end == len(w) {
			if _, ok := units[next]; ok {
				q.sep, q.unit = " ", next
			}
		}
		// The first end of an interval takes the second end's unit: "1.46-1.99x".
		if q.unit == "" && strings.HasPrefix(after, "-") && i+1 < len(locs) && locs[i+1][0] == end+1 {
			if m := unitRE.FindStringSubmatch(w[locs[i+1][1]:]); m != nil {
				if _, ok := units[m[1]]; ok {
					q.unit = m[1]
				}
			}
		}
		qs = append(qs, q)
	}
	return qs, names
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

// holdsQuantity reports whether a fact's number, read in q's unit, rounds
// to q as written.
func (h *holdings) holdsQuantity(q quantity) bool {
	decimals := 0
	if i := strings.IndexByte(q.num, '.'); i >= 0 {
		decimals = len(q.num) - i - 1
	}
	u, hasUnit := units[q.unit]
	for _, n := range h.numbers {
		var candidates []float64
		switch {
		case !hasUnit && n.dim == "" && (decimals > 0 || n.v == math.Trunc(n.v)):
			candidates = []float64{n.v} // a count is written as it is, not rounded
		case !hasUnit:
		case n.dim == u.dim:
			candidates = []float64{n.v / u.scale}
		case n.dim == "":
			candidates = []float64{n.v, n.v / u.scale}
			switch u.dim {
			case "ratio":
				if n.v != 0 {
					candidates = append(candidates, 1/n.v)
				}
			case "percent":
				candidates = append(candidates, 100*n.v)
			}
		}
		for _, c := range candidates {
			if strconv.FormatFloat(c, 'f', decimals, 64) == q.num {
				return true
			}
		}
	}
	return false
}

// derived collects the Derived numbers of facts and of every value inside
// it whose type is a Deriver, and the length of every list in it (a nil
// list is an empty one, which its JSON, null, does not say).
func derived(facts any) []string {
	var out []string
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		if !v.IsValid() {
			return
		}
		if v.CanInterface() {
			if d, ok := v.Interface().(Deriver); ok {
				out = append(out, d.Derived()...)
			}
		}
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice, reflect.Array:
			out = append(out, strconv.Itoa(v.Len()))
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Map:
			for it := v.MapRange(); it.Next(); {
				walk(it.Value())
			}
		}
	}
	walk(reflect.ValueOf(facts))
	return out
}

// checkEvidence fails t for each token of the finding's evidence (the
// claim's and every part's) that the facts do not hold, and says how to
// make the evidence hold.
func checkEvidence(t interface {
	Helper()
	Errorf(string, ...any)
}, id string, facts any, data []byte, f Finding) {
	t.Helper()
	registry.Lock()
	rule := registry.judges[id].rule
	registry.Unlock()
	var names []string
	for _, p := range f.Parts {
		names = append(names, p.Name)
	}
	for _, p := range append([]Part{{Finding: f}}, f.Parts...) {
		if u := unsupported(p.Evidence, data, facts, rule, names...); len(u) > 0 {
			name := id
			if p.Name != "" {
				name += "/" + p.Name
			}
			t.Errorf("claim %s: the evidence says %s, which the facts do not hold (evidence: %s).\n%s",
				name, strings.Join(u, ", "), p.Evidence, wayOut(id, u))
		}
	}
}
