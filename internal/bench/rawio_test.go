package bench

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"golang.org/x/sys/unix"
)

// socketPair is a connected pair of Unix stream sockets, closed by t's
// cleanup.
func socketPair(t *testing.T) (a, b int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds[0], fds[1]
}

// The message loops make the first call themselves and hand readAfter
// what it returned: a part of the message, an interrupted call, the end
// of the connection or an error. readAfter finishes the message from
// there, or says why it cannot.
func TestReadAfterFinishesWhatTheFirstCallBegan(t *testing.T) {
	for _, tc := range []struct {
		name    string
		first   int    // what the loop's own call returned
		sent    string // what the other end writes (then it closes)
		want    string // the buffer after readAfter
		wantN   int
		wantErr error
	}{
		{"first call read 3 of 8", 3, "defghXXX", "abcdefgh", 8, nil},
		{"first call interrupted", -int(unix.EINTR), "abcdefgh", "abcdefgh", 8, nil},
		{"first call found nothing (sockhash wake-up)", -int(unix.EAGAIN), "abcdefgh", "abcdefgh", 8, nil},
		{"end of the connection at once", 0, "", "", 0, io.EOF},
		{"end of the connection mid-message", 3, "de", "abcde", 5, io.EOF},
		{"first call failed", -int(unix.EBADF), "", "", 0, unix.EBADF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, w := socketPair(t)
			buf := make([]byte, 8)
			copy(buf, "abc") // what a first call of 3 bytes put there
			if err := writeFull(w, []byte(tc.sent)); err != nil {
				t.Fatal(err)
			}
			if err := unix.Shutdown(w, unix.SHUT_WR); err != nil {
				t.Fatal(err)
			}

			n, err := readAfter(r, buf, tc.first)

			if !errors.Is(err, tc.wantErr) || (err != nil) != (tc.wantErr != nil) {
				t.Fatalf("readAfter: %v; want %v", err, tc.wantErr)
			}
			if n != tc.wantN {
				t.Errorf("readAfter: %d bytes; want %d", n, tc.wantN)
			}
			if tc.wantErr == nil && !bytes.Equal(buf[:n], []byte(tc.want)) {
				t.Errorf("buffer %q; want %q", buf[:n], tc.want)
			}
		})
	}
}

// writeAfter sends what the loop's first call did not.
func TestWriteAfterSendsTheRest(t *testing.T) {
	for _, tc := range []struct {
		name    string
		first   int
		want    string // what the other end receives
		wantErr error
	}{
		{"first call wrote 3 of 8", 3, "defgh", nil},
		{"first call interrupted", -int(unix.EINTR), "abcdefgh", nil},
		{"first call failed", -int(unix.EPIPE), "", unix.EPIPE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, w := socketPair(t)

			err := writeAfter(w, []byte("abcdefgh"), tc.first)

			if !errors.Is(err, tc.wantErr) || (err != nil) != (tc.wantErr != nil) {
				t.Fatalf("writeAfter: %v; want %v", err, tc.wantErr)
			}
			if err := unix.Shutdown(w, unix.SHUT_WR); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(fdReader(r))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("received %q; want %q", got, tc.want)
			}
		})
	}
}

// fdReader reads a descriptor with readOnce.
type fdReader int

func (fd fdReader) Read(p []byte) (int, error) {
	n := readOnce(int(fd), p)
	switch {
	case n < 0:
		return 0, unix.Errno(-n)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}
