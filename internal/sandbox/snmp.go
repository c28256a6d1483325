package sandbox

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// SNMP reads one group of the namespace's protocol counters ("Ip",
// "Icmp", "Udp") from /proc/net/snmp, as `nstat -az` shows them (IpForwDatagrams is
// SNMP(t, "Ip")["ForwDatagrams"]).
// equiv: ip netns exec NS nstat -az
func (ns *NS) SNMP(t testing.TB, group string) map[string]uint64 {
	t.Helper()
	var b []byte
	// /proc/self/net is the main thread's namespace; this thread's is
	// under thread-self.
	err := ns.Do(func() (err error) {
		b, err = os.ReadFile("/proc/thread-self/net/snmp")
		return err
	})
	if err != nil {
		t.Fatalf("reading /proc/net/snmp in %v: %v", ns, err)
	}
	counters, err := parseSNMP(string(b), group)
	if err != nil {
		t.Fatalf("/proc/net/snmp in %v: %v", ns, err)
	}
	return counters
}

// parseSNMP reads a group's two lines, names then values.
func parseSNMP(text, group string) (map[string]uint64, error) {
	var names []string
	for _, line := range strings.Split(text, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != group+":" {
			continue
		}
		if names == nil {
			names = fields[1:]
			continue
		}
		if len(fields)-1 != len(names) {
			return nil, fmt.Errorf("group %s: %d names, %d values", group, len(names), len(fields)-1)
		}
		out := make(map[string]uint64, len(names))
		for i, name := range names {
			// Some counters are gauges that may read -1 (Ip Forwarding is
			// 1 or 2); a value that is no counter is left out.
			if v, err := strconv.ParseUint(fields[i+1], 10, 64); err == nil {
				out[name] = v
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("no group %s", group)
}
