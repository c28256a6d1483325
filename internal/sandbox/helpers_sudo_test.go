//go:build linux && sudo

package sandbox_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeFile(path string) error { return os.WriteFile(path, []byte("x"), 0o600) }

func readMounts(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/mounts")
	require.NoError(t, err)
	return string(b)
}
