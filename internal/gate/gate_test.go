package gate_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/sys/unix"

	"netnotes/internal/gate"
	"netnotes/internal/role"
)

func TestSkipRecordsItsReason(t *testing.T) {
	t.Setenv(role.StrictEnv, "")
	var inner *testing.T
	t.Run("skipped", func(t *testing.T) {
		inner = t
		gate.Feature(t, "a feature no kernel has", func() error { return fmt.Errorf("absent: %w", gate.ErrNotSupported) })
	})
	reason, ok := gate.SkipReason(inner)
	assert.True(t, ok)
	assert.Contains(t, reason, "a feature no kernel has")
	assert.Contains(t, reason, "absent")
}

// Feature skips only on the kernel's refusal or a missing feature; a probe
// that fails for another reason is the harness's failure, and Feature
// fails the test (cilium/ebpf's SkipIfNotSupported does the same).
func TestRefusalTellsTheKernelsNoFromAHarnessError(t *testing.T) {
	for _, c := range []struct {
		err  error
		skip bool
	}{
		{fmt.Errorf("a BPF sockhash map: %w", gate.ErrNotSupported), true},
		{fmt.Errorf("bpf(BPF_MAP_CREATE): %w", unix.EPERM), true},
		{fmt.Errorf("open /proc/sys/net/ipv4/ip_forward: %w", unix.EROFS), true},
		{fmt.Errorf("perf_event_open: %w", unix.ENOSYS), true},
		{errors.New("unexpected answer from the probe"), false},
		{fmt.Errorf("bad file descriptor: %w", unix.EBADF), false},
	} {
		_, refused := gate.Refusal(c.err, gate.CapBPF)
		assert.Equal(t, c.skip, refused, "%v", c.err)
	}
}

func TestStrictReadsTheEnvironment(t *testing.T) {
	t.Setenv(role.StrictEnv, "1")
	assert.True(t, gate.Strict())
	t.Setenv(role.StrictEnv, "0")
	assert.False(t, gate.Strict())
}
