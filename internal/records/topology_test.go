package records_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"netnotes/internal/records"
)

// A topology is drawn from what its claim's test builds: every topology
// belongs to a claim, every pair joins two of its devices, and every
// address it shows is one the chapter's tests (or the sandbox they build
// with) use.
func TestTopologiesAreTheTestsNetworks(t *testing.T) {
	sources := func(dirs ...string) string {
		var b strings.Builder
		for _, dir := range dirs {
			files, _ := filepath.Glob(filepath.Join("../..", dir, "*.go"))
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				b.Write(data)
			}
		}
		return b.String()
	}
	for id, topo := range records.Topologies {
		c, ok := records.Lookup(id)
		if !ok {
			t.Errorf("topology %s: no such claim in the catalogue", id)
			continue
		}
		src := sources(c.Chapter, "internal/sandbox", "internal/topo")
		devices := map[string]bool{}
		for _, ns := range topo.Namespaces {
			for _, d := range ns.Devices {
				devices[ns.Name+"/"+d.Name] = true
				if d.Master != "" && !devices[ns.Name+"/"+d.Master] && !hasDevice(ns, d.Master) {
					t.Errorf("topology %s: %s's master %s is not a device of namespace %s", id, d.Name, d.Master, ns.Name)
				}
				addr, _, _ := strings.Cut(d.Addr, "/")
				if addr != "" && !strings.Contains(src, addr) {
					t.Errorf("topology %s: address %s is in no test of %s/ (nor in the sandbox)", id, addr, c.Chapter)
				}
			}
		}
		for _, p := range topo.Pairs {
			for _, end := range p {
				if !devices[end] {
					t.Errorf("topology %s: pair end %s is not a device of the topology", id, end)
				}
			}
		}
	}
}

func hasDevice(ns records.Namespace, name string) bool {
	for _, d := range ns.Devices {
		if d.Name == name {
			return true
		}
	}
	return false
}
