// Package nstat reads the kernel's protocol counters (Icmp InEchos, Tcp
// OutSegs, TcpExt TCPAutoCorking) as nstat does: from /proc/net/snmp and
// /proc/net/netstat, where each protocol has a line of names followed by
// a line of values.
package nstat

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Read reads one counter of the calling thread's network namespace: file
// is "snmp" or "netstat" under /proc/thread-self/net (/proc/self/net is
// the main thread's namespace, which a thread switched by a namespace's Do
// is not in), proto the line's prefix without its colon ("Icmp"), name
// the counter's ("InEchos").
// equiv: nstat -az IcmpInEchos
func Read(file, proto, name string) (int64, error) {
	path := "/proc/thread-self/net/" + file
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return parse(b, proto, name, path)
}

// parse finds proto's line of names, then the value under name in the
// line of values that follows.
func parse(b []byte, proto, name, path string) (int64, error) {
	var names []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != proto+":" {
			continue
		}
		if names == nil {
			names = f
			continue
		}
		for i, n := range names {
			if n == name && i < len(f) {
				return strconv.ParseInt(f[i], 10, 64)
			}
		}
		break
	}
	return 0, fmt.Errorf("no %s %s in %s", proto, name, path)
}
