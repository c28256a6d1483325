package gate

import (
	"os"
	"strings"
	"testing"

	"netnotes/internal/role"

	"github.com/stretchr/testify/assert"
)

func TestModeNamesHowTheNotesRun(t *testing.T) {
	assert.Equal(t, "root", RealRoot.String())
	assert.Equal(t, "rootless user namespace", Rootless.String())
	assert.Equal(t, "unprivileged", Unprivileged.String())
}

// Real root gets every part; anyone else gets a reason naming real root
// and the command to run.
func TestRealRootNeedsAgreeWithTheMode(t *testing.T) {
	for name, can := range map[string]func() (bool, string){"trace": CanTrace, "bpf": CanBPF, "switch user": CanSwitchUser} {
		ok, why := can()
		if CurrentMode() == RealRoot {
			assert.True(t, ok, name)
			assert.Empty(t, why, name)
			continue
		}
		assert.False(t, ok, name)
		assert.Contains(t, why, "needs real root", name)
		assert.Contains(t, why, "sudo make notes", name)
	}
}

func TestNoUserNamespaceSaysWhy(t *testing.T) {
	t.Setenv(role.UserNamespaceEnv, "off")
	assert.Contains(t, noUserNamespace(), role.UserNamespaceEnv+"=off")

	t.Setenv(role.UserNamespaceEnv, "refused: clone(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWNS): operation not permitted")
	why := noUserNamespace()
	// A setting that refuses user namespaces wins over the bare error.
	if b, err := os.ReadFile("/proc/sys/user/max_user_namespaces"); err == nil && strings.TrimSpace(string(b)) == "0" {
		assert.Contains(t, why, "user.max_user_namespaces is 0")
		return
	}
	assert.Contains(t, why, "operation not permitted")
}
