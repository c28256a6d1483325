package docker

import (
	"regexp"
	"strings"
	"testing"
)

// Every path the daemons are given lies under Dir, in the holder's private
// /run: none of docker's or containerd's defaults (/var/lib/docker,
// /run/containerd, /opt/containerd, /etc/docker/key.json) is left to them.
func TestTheDaemonsConfigurationNamesNoPathOutsideDir(t *testing.T) {
	paths := regexp.MustCompile(`"(/[^"]*)"`)
	for name, text := range map[string]string{"containerd.toml": containerdConf, "daemon.json": daemonJSON} {
		found := paths.FindAllStringSubmatch(text, -1)
		if len(found) == 0 {
			t.Errorf("%s names no path", name)
		}
		for _, m := range found {
			if !strings.HasPrefix(m[1], Dir+"/") {
				t.Errorf("%s names %s, outside %s", name, m[1], Dir)
			}
		}
	}
	for _, want := range []string{"root", "state", "temp", "address", "path"} {
		if !regexp.MustCompile(`(?m)^\s*` + want + ` = "` + regexp.QuoteMeta(Dir)).MatchString(containerdConf) {
			t.Errorf("containerd.toml does not set %s under %s", want, Dir)
		}
	}
}
