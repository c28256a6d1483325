package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"netnotes/internal/bench/affinity"
	"netnotes/internal/bench/turn"
)

// The descriptors a program in turns reads its turn from and writes its
// word to (turn.Yield): os/exec's first ExtraFiles.
const (
	turnFD  = 3
	yieldFD = 4
)

// turnTimeout is how long the controller waits for a program's word
// before it gives up on it: a warm-up or a turn takes milliseconds.
var turnTimeout = 30 * time.Second

// sideBySide runs programs in turns, a chunk each, so that each one's
// timed part spans the same moments of the machine as the others': C and
// Go measured one after the other differ by what a shared VM did in
// between (the same 64 KiB TCP round trip cost 43 to 65 µs of CPU from
// one 25 ms window to the next here). The turns are cooperative, as a
// pair's sessions take theirs inside one process (bench.MeasurePair):
// each program gets a pipe to read its turn from (descriptor 3) and one
// to say when its turn is over (descriptor 4, a turn.Yield byte). It
// warms up and says Ready; then each in turn is given a byte, times one
// chunk and says ChunkDone, until it says Ended. Between its turns a
// program's client waits in read and its peer in its own read, so each
// one's CPU time per message is its own; its wall-clock rate is not (it
// also waited for the others' turns). Nothing else of a program is woken
// between turns, as stopping and continuing it (SIGSTOP, SIGCONT) would:
// that wakes every thread of a Go process, which pinned to the measured
// CPU changed what its TCP did. start starts one command (on a thread
// with the CPU mask the program is to inherit); the commands' standard
// output (kept in files in dir meanwhile) is returned, with what wait4
// said of each (its rusage includes its waited-for peer). Each command
// runs in a process group of its own, killed on an error. This process's
// threads leave cpu while the programs run there.
func sideBySide(dir string, cpu int, cmds []*exec.Cmd, start func(*exec.Cmd) error) ([][]byte, []unix.Rusage, error) {
	progs := make([]*turnTaker, len(cmds))
	defer func() {
		// On an error, nothing of ours stays running.
		for _, p := range progs {
			if p != nil {
				p.close()
			}
		}
	}()
	for i, cmd := range cmds {
		p, err := startInTurns(dir, cmd, start)
		if err != nil {
			return nil, nil, err
		}
		progs[i] = p
	}
	// Every program warms up first.
	for _, p := range progs {
		if err := p.expect(turn.Ready); err != nil {
			return nil, nil, fmt.Errorf("%w before its timed part", err)
		}
	}
	restore, err := affinity.Leave(cpu)
	if err != nil {
		return nil, nil, err
	}
	defer restore()
	for running := len(progs); running > 0; {
		for _, p := range progs {
			if p.ended {
				continue
			}
			word, err := p.turn()
			if err != nil {
				return nil, nil, err
			}
			if word == turn.Ended {
				if err := p.wait(); err != nil {
					return nil, nil, err
				}
				running--
			}
		}
	}
	texts := make([][]byte, len(progs))
	usages := make([]unix.Rusage, len(progs))
	for i, p := range progs {
		b, err := os.ReadFile(p.out.Name())
		if err != nil {
			return nil, nil, err
		}
		texts[i], usages[i] = b, p.usage
	}
	return texts, usages, nil
}

// turnTaker is one program side by side: its pipes' ends on our side,
// its output file, and how it ended.
type turnTaker struct {
	cmd   *exec.Cmd
	turnW *os.File // we write a byte: its turn
	wordR *os.File // it writes a turn.Yield
	out   *os.File
	ended bool // it said Ended and was waited for
	usage unix.Rusage
}

// startInTurns starts cmd with its turn pipes as descriptors 3 and 4.
func startInTurns(dir string, cmd *exec.Cmd, start func(*exec.Cmd) error) (*turnTaker, error) {
	if len(cmd.ExtraFiles) > 0 {
		return nil, fmt.Errorf("%s: its descriptors 3 and 4 are for the turns", cmd.Path)
	}
	p := &turnTaker{cmd: cmd}
	var err error
	if p.out, err = os.CreateTemp(dir, "out"); err != nil {
		return nil, err
	}
	turnR, turnW, err := turnPipe(false)
	if err != nil {
		p.close()
		return nil, err
	}
	wordR, wordW, err := turnPipe(true)
	if err != nil {
		turnR.Close()
		turnW.Close()
		p.close()
		return nil, err
	}
	p.turnW, p.wordR = turnW, wordR
	cmd.Stdout, cmd.Stderr = p.out, os.Stderr
	cmd.ExtraFiles = []*os.File{turnR, wordW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = start(cmd)
	// Its ends are its own now: our copies would hide its end (EOF).
	turnR.Close()
	wordW.Close()
	if err != nil {
		p.close()
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	return p, nil
}

// turnPipe is a pipe whose program's end blocks (the program waits in
// read or write) and whose end here does not (reads with a deadline):
// the two ends are two open files, each with its own O_NONBLOCK. ours
// says which end is ours: the read end (true) or the write end.
func turnPipe(oursReads bool) (r, w *os.File, err error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, err
	}
	ours := fds[1]
	if oursReads {
		ours = fds[0]
	}
	if err := unix.SetNonblock(ours, true); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, nil, err
	}
	return os.NewFile(uintptr(fds[0]), "turn-r"), os.NewFile(uintptr(fds[1]), "turn-w"), nil
}

// turn gives the program one turn and returns what it said at its end.
func (p *turnTaker) turn() (turn.Yield, error) {
	if _, err := p.turnW.Write([]byte{'g'}); err != nil {
		return 0, p.gone(err)
	}
	return p.word()
}

// expect reads the program's next word, which must be want.
func (p *turnTaker) expect(want turn.Yield) error {
	got, err := p.word()
	if err == nil && got != want {
		err = fmt.Errorf("%s said %q, not %q", p.cmd.Path, got, want)
	}
	return err
}

// word reads one turn.Yield, within turnTimeout.
func (p *turnTaker) word() (turn.Yield, error) {
	if err := p.wordR.SetReadDeadline(time.Now().Add(turnTimeout)); err != nil {
		return 0, err
	}
	var b [1]byte
	if _, err := p.wordR.Read(b[:]); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, fmt.Errorf("%s said nothing for %v", p.cmd.Path, turnTimeout)
		}
		return 0, p.gone(err)
	}
	return turn.Yield(b[0]), nil
}

// gone explains a pipe that failed: the program ended (how, from wait4).
func (p *turnTaker) gone(err error) error {
	if werr := p.wait(); werr != nil {
		return werr
	}
	return fmt.Errorf("%s ended without saying so: %w", p.cmd.Path, err)
}

// wait waits for the program (its peer was waited for by it) and says
// how it ended, when not well.
func (p *turnTaker) wait() error {
	var ws unix.WaitStatus
	if _, err := unix.Wait4(p.cmd.Process.Pid, &ws, 0, &p.usage); err != nil {
		return fmt.Errorf("waiting for %s: %w", p.cmd.Path, err)
	}
	p.ended = true
	switch {
	case ws.Exited() && ws.ExitStatus() == 0:
		return nil
	case ws.Exited():
		return fmt.Errorf("%s exited with status %d", p.cmd.Path, ws.ExitStatus())
	default:
		return fmt.Errorf("%s ended by %v", p.cmd.Path, ws.Signal())
	}
}

// close ends what is left of the program: its process group is killed
// (its peer too) and waited for, the pipes and its output file removed.
func (p *turnTaker) close() {
	if p.cmd.Process != nil && !p.ended {
		_ = unix.Kill(-p.cmd.Process.Pid, unix.SIGKILL)
		_ = p.wait()
	}
	for _, f := range []*os.File{p.turnW, p.wordR} {
		if f != nil {
			f.Close()
		}
	}
	if p.out != nil {
		p.out.Close()
		os.Remove(p.out.Name())
	}
}

// startOnMask starts cmd from a thread whose CPU mask is set (a child
// inherits the mask of the thread that forks it).
func startOnMask(cmd *exec.Cmd, set *unix.CPUSet) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return err
	}
	if err := unix.SchedSetaffinity(0, set); err != nil {
		return err
	}
	defer unix.SchedSetaffinity(0, &old)
	return cmd.Start()
}
