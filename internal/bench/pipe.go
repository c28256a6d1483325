package bench

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Pipe is the kernel's floor: the cheapest hand-over of bytes between two
// processes it has. A round trip uses a pair of pipes (one each way); a
// stream uses one pipe (the other carries only the peer's acknowledgements),
// and its end is the client closing its write end. A pipe has no protocol,
// no socket layer and no per-message buffer of its own (small writes are
// merged into the pipe's page buffers), so UDS and TCP are measured against
// what moving bytes between processes costs at the least. Default pipe
// size (64 KiB, what a shell's `|` gets); raw path only.
const Pipe Transport = "pipe"

// rawEnds is one side of a raw connection: the descriptor it reads from
// and the one it writes to (the same socket for every transport but Pipe).
type rawEnds struct{ r, w int }

func (e rawEnds) close() {
	unix.Close(e.r)
	if e.w != e.r {
		unix.Close(e.w)
	}
}

// rawEndsFor returns the two sides of the configuration's connection.
func rawEndsFor(c Config) (client, server rawEnds, err error) {
	if c.Transport == Pipe {
		return pipePair()
	}
	cl, sv, err := rawPair(c)
	return rawEnds{cl, cl}, rawEnds{sv, sv}, err
}

// pipePair makes two pipes, close-on-exec: the client writes to the first
// and reads from the second, the peer the other way round.
func pipePair() (client, server rawEnds, err error) {
	var up, down [2]int // up: client to peer; down: peer to client
	if err := unix.Pipe2(up[:], unix.O_CLOEXEC); err != nil {
		return rawEnds{}, rawEnds{}, fmt.Errorf("pipe2: %w", err)
	}
	if err := unix.Pipe2(down[:], unix.O_CLOEXEC); err != nil {
		unix.Close(up[0])
		unix.Close(up[1])
		return rawEnds{}, rawEnds{}, fmt.Errorf("pipe2: %w", err)
	}
	return rawEnds{r: down[0], w: up[1]}, rawEnds{r: up[0], w: down[1]}, nil
}

// pipePeer is Peer for Pipe: a pipe has no address, so it names what the
// client writes into, as /proc/PID/fd does ("pipe:[inode]").
func pipePeer() (string, error) {
	client, server, err := pipePair()
	if err != nil {
		return "", err
	}
	defer client.close()
	defer server.close()
	var st unix.Stat_t
	if err := unix.Fstat(client.w, &st); err != nil {
		return "", fmt.Errorf("fstat: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return "", fmt.Errorf("pipe2 gave a descriptor of mode %o, not a pipe", st.Mode)
	}
	return fmt.Sprintf("pipe:[%d]", st.Ino), nil
}
