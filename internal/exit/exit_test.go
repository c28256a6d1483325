package exit

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func TestCodeSaysEachLineOnceWithItsStatus(t *testing.T) {
	for _, c := range []struct {
		err  error
		code int
		out  string
	}{
		{nil, 0, ""},
		{errors.New("boom"), 1, "tool: boom\n"},
		{CannotRun(nil), 2, ""},
		{CannotRun(errors.New("-jobs wants 1 or more")), 2, "tool: -jobs wants 1 or more\n"},
		{Failed(errors.Join(errors.New("a"), errors.New("b"))), 1, "tool: a\ntool: b\n"},
		{fmt.Errorf("wrapped: %w", CannotRun(errors.New("x"))), 2, "tool: x\n"},
	} {
		var b bytes.Buffer
		if got := Code("tool", c.err, &b); got != c.code || b.String() != c.out {
			t.Errorf("Code(%v) = %d, %q; want %d, %q", c.err, got, b.String(), c.code, c.out)
		}
	}
}
