package ktrace

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A thread whose mark no trace held cannot be told apart: PID says so, and
// gives no pid from which other processes' events would be counted.
func TestPIDWithoutTheThreadsMarkSaysItCannotAttribute(t *testing.T) {
	tr := &Tracer{marked: map[string]int{"netnotes-thread 1": 26860}}

	pid, err := tr.PID(Thread{mark: "netnotes-thread 1"})
	require.NoError(t, err)
	assert.Equal(t, 26860, pid)

	_, err = tr.PID(Thread{mark: "netnotes-thread 2"})
	assert.ErrorContains(t, err, "cannot tell this test's events from other processes'")

	_, err = tr.PID((*Tracer)(nil).OnThread(func() {}))
	assert.ErrorContains(t, err, "no tracer")
}
