//go:build linux && sudo

package sandbox_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func readMounts(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/mounts")
	require.NoError(t, err)
	return string(b)
}
