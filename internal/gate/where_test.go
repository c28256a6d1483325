package gate

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseLockdownReadsTheBracketedMode(t *testing.T) {
	assert.Equal(t, "none", parseLockdown("[none] integrity confidentiality\n"))
	assert.Equal(t, "integrity", parseLockdown("none [integrity] confidentiality\n"))
	assert.Equal(t, "confidentiality", parseLockdown("none integrity [confidentiality]\n"))
	assert.Equal(t, "", parseLockdown(""))
}

// Where records what it reads; on any Linux the kernel, the architecture
// and the mode are there.
func TestWhereNamesTheMachine(t *testing.T) {
	w := Where()
	assert.NotEmpty(t, w.Kernel)
	assert.NotEmpty(t, w.Arch)
	assert.Equal(t, CurrentMode().String(), w.Mode)
	assert.Contains(t, []string{"host", "own"}, w.PIDNamespace)
	if w.PIDNamespace == "own" {
		assert.NotEmpty(t, w.Container, "a PID namespace of its own is a container's")
	}
}

// A reader who is uid 0 in a container is told the container's options, in
// a pod the pod's securityContext, on a host sudo.
func TestHintsSpeakToWhereTheNotesRun(t *testing.T) {
	h := capHint([]Cap{CapSysAdmin, CapNetAdmin})
	assert.Equal(t, "run `sudo make notes`", h.in(""))
	assert.Equal(t, "run the container with --privileged (or --cap-add SYS_ADMIN --cap-add NET_ADMIN)", h.in("podman"))
	assert.Contains(t, h.in("kubernetes"), "securityContext.privileged: true (or capabilities.add: [SYS_ADMIN, NET_ADMIN])")
	assert.NotContains(t, procSysHint.in("docker"), "sudo")
	assert.Contains(t, procSysHint.in("docker"), "--privileged")
}
