package claims

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"netnotes/internal/wait"
)

// exitingChildren is how long Main waits for the children the tests killed
// to finish exiting before it calls one left behind.
const exitingChildren = 5 * time.Second

// leftBehind lists what a chapter's tests left when they were done, each
// of which should have been removed at cleanup: the child processes of
// this process still alive once those exiting had timeout to go, then the
// entries of its scratch directory dir ("" when the process does not own
// one: it inherited it from a parent that checks it).
func leftBehind(dir string, timeout time.Duration) []string {
	var left, alive []string
	_ = wait.Until(timeout, func() error {
		alive = liveChildren()
		if len(alive) > 0 {
			return errors.New("children alive")
		}
		return nil
	})
	for _, c := range alive {
		left = append(left, "a child process still alive: "+c)
	}
	if dir == "" {
		return left
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return append(left, fmt.Sprintf("the scratch TMPDIR cannot be read: %v", err))
	}
	for _, e := range entries {
		if e.IsDir() {
			left = append(left, "a directory in the scratch TMPDIR: "+filepath.Join(dir, e.Name())+"/")
		} else {
			left = append(left, "a file in the scratch TMPDIR: "+filepath.Join(dir, e.Name()))
		}
	}
	return left
}

// liveChildren lists the children of this process that have not exited, as
// "PID (COMMAND)", from /proc: each process's stat names its parent. A
// zombie (exited, not yet waited for) is not alive. Where /proc cannot be
// read, it lists none.
func liveChildren() []string {
	self, err := os.Readlink("/proc/self") // this process's PID as /proc numbers it
	if err != nil {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var alive []string
	for _, e := range entries {
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // not a process, or one that is gone
		}
		// "PID (COMMAND) STATE PPID ...", where COMMAND may hold spaces and
		// parentheses: the fields follow its last ")".
		open, end := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
		if open < 0 || end < open {
			continue
		}
		fields := strings.Fields(string(stat[end+1:]))
		if len(fields) < 2 || fields[1] != self || fields[0] == "Z" {
			continue
		}
		alive = append(alive, fmt.Sprintf("%s (%s)", e.Name(), stat[open+1:end]))
	}
	return alive
}
