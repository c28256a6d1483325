package sandbox_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"netnotes/internal/role"
	"netnotes/internal/sandbox"
)

// The probe starts this test binary in a user namespace, which reports
// and exits; the reader's "off" is obeyed without starting anything.
func TestProbeUserNamespace(t *testing.T) {
	t.Setenv(role.UserNamespaceEnv, "off")
	err := sandbox.ProbeUserNamespace()
	require.Error(t, err)
	assert.Contains(t, err.Error(), role.UserNamespaceEnv+"=off")

	t.Setenv(role.UserNamespaceEnv, "")
	if err := sandbox.ProbeUserNamespace(); err != nil {
		// Not a failure of the harness: this machine refuses them.
		t.Skipf("this machine refuses a user namespace with a network namespace: %v", err)
	}
}
