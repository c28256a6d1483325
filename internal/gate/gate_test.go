package gate_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"netnotes/internal/gate"
)

func TestSkipRecordsItsReason(t *testing.T) {
	t.Setenv("NETNOTES_STRICT", "")
	var inner *testing.T
	t.Run("skipped", func(t *testing.T) {
		inner = t
		gate.Feature(t, "a feature no kernel has", func() error { return errors.New("absent") })
	})
	reason, ok := gate.SkipReason(inner)
	assert.True(t, ok)
	assert.Contains(t, reason, "a feature no kernel has")
	assert.Contains(t, reason, "absent")
}

func TestStrictReadsTheEnvironment(t *testing.T) {
	t.Setenv("NETNOTES_STRICT", "1")
	assert.True(t, gate.Strict())
	t.Setenv("NETNOTES_STRICT", "0")
	assert.False(t, gate.Strict())
}
