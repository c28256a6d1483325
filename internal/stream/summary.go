package stream

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"netnotes/internal/records"
)

// Summary is a run as one column of a side-by-side table: what it said
// about each row, a claim ("U4") or a part ("U4/queues").
type Summary struct {
	Verdicts map[string]records.Verdict // "confirmed/refined" where a claim's tests disagree
	Evidence map[string][]string        // each counted line's evidence, in the order logged
	Facts    map[string]json.RawMessage // claim -> the facts of its last counted verdict
	Failed   []string                   // "netnotes/veth TestV1", "netnotes/veth TestV2 (did not finish)"
	Why      map[string]string          // a failed test -> what it said last
	Problems []Problem
}

// Summary sums the stream up for a table.
func (r *Reader) Summary() Summary {
	s := Summary{Verdicts: map[string]records.Verdict{}, Evidence: map[string][]string{}, Facts: map[string]json.RawMessage{},
		Why: map[string]string{}, Problems: r.Problems()}
	add := func(key string, verdict records.Verdict, evidence string) {
		s.Verdicts[key] = s.Verdicts[key].Join(verdict)
		s.Evidence[key] = append(s.Evidence[key], evidence)
	}
	for _, v := range r.Verdicts() {
		for _, p := range v.Parts {
			add(v.ID+"/"+p.Part, p.Verdict, p.Evidence)
		}
		add(v.ID, v.Verdict, v.Evidence)
		if v.Facts != "" {
			s.Facts[v.ID] = json.RawMessage(v.Facts)
		}
	}
	tops := map[Key]bool{}
	for _, k := range r.Failed() {
		top := Key{k.Package, topLevel(k.Test)}
		if k.Test != "" && !tops[top] {
			tops[top] = true
			name := top.Package + " " + top.Test
			s.Failed = append(s.Failed, name)
			s.Why[name] = lastWords(r.LinesUnder(top))
		}
	}
	for _, k := range r.Unfinished() {
		s.Failed = append(s.Failed, k.Package+" "+k.Test+" (did not finish)")
	}
	sort.Strings(s.Failed)
	return s
}

func topLevel(test string) string {
	top, _, _ := strings.Cut(test, "/")
	return top
}

// testifyKeep are the lines of a testify report that say what was wrong
// (not where: the trace; not how to read it: the diff).
var testifyKeep = regexp.MustCompile(`^\s+(Error|expected|actual|Messages)\s*:\s*(.*)$`)

// lastWords is what a failed test said, its verdicts and facts aside: a
// test fails at its end, so its last words are the cause.
func lastWords(lines []string) string {
	var said []string
	for _, l := range lines {
		if msg, ok := logMessage(l); ok {
			msg = strings.TrimSpace(msg)
			if msg != "" && !strings.HasPrefix(msg, "claim ") && !strings.HasPrefix(msg, "facts ") && !strings.Contains(msg, ": facts {") && !strings.HasPrefix(msg, wherePrefix) {
				said = append(said, msg)
			}
		} else if m := testifyKeep.FindStringSubmatch(l); m != nil && m[2] != "" {
			said = append(said, m[1]+": "+strings.TrimSpace(m[2]))
		}
	}
	msg := strings.Join(said, " | ")
	if len(msg) > 400 {
		msg = "..." + msg[len(msg)-400:]
	}
	return msg
}

// logMessageRE is a test's own message at any indentation, the head of a
// testify report included: for what a failed test said, not for verdicts.
var logMessageRE = regexp.MustCompile(`^\s+[\w.-]+\.go:\d+: ?(.*)$`)

func logMessage(line string) (string, bool) {
	m := logMessageRE.FindStringSubmatch(line)
	if m == nil {
		return "", false
	}
	return m[1], true
}
