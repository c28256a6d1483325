package errno

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/sys/unix"
)

func TestName(t *testing.T) {
	assert.Equal(t, "0", Name(nil, "0"))
	assert.Equal(t, "ok", Name(nil, "ok"))
	assert.Equal(t, "ENOENT", Name(unix.ENOENT, "ok"))
	assert.Equal(t, "EACCES", Name(&os.PathError{Op: "open", Path: "/x", Err: syscall.EACCES}, "ok"), "syscall's errno, wrapped")
	assert.Equal(t, "ECONNREFUSED", Name(fmt.Errorf("dial: %w", unix.ECONNREFUSED), "ok"))
	assert.Equal(t, "i/o timeout", Name(errors.New("i/o timeout"), "ok"), "no errno: the text")
	assert.Equal(t, unix.Errno(4095).Error(), Name(unix.Errno(4095), "ok"), "an errno without a name: its text")
}
