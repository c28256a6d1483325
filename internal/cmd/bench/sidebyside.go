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

	"netnotes/internal/bench"
)

// fidelityChunk is how long one program runs before the other's turn.
const fidelityChunk = 5 * time.Millisecond

// stopBeforeTiming is set in a -fidelity-one child's environment: it stops
// itself (SIGSTOP) between its warm-up and its timed part, as the C
// program does with PINGPONG_STOP_BEFORE_TIMING.
const stopBeforeTiming = "NETNOTES_FIDELITY_STOP"

// sideBySide runs programs in turns, a chunk each, so that each one's
// timed part spans the same moments of the machine as the others': C and
// Go measured one after the other differ by what a shared VM did in
// between (the same 64 KiB TCP round trip cost 43 to 65 µs of CPU from
// one 25 ms window to the next here). Each command is started in a
// process group of its own (its peer process joins it) and stops itself
// before its timed part; once all have stopped, the groups are continued
// and stopped again in turn (SIGCONT, a chunk, SIGSTOP) until every one
// has exited. A stopped program accrues no CPU time, so each one's CPU
// time per message is its own; its wall-clock rate is not (it also
// waited for the others' turns). start starts one command (on a thread
// with the CPU mask the program is to inherit); the commands' standard
// output (kept in files in dir meanwhile) is returned, with what wait4
// said of each (its rusage includes its waited-for peer). This process's
// threads leave cpu while the programs run there.
func sideBySide(dir string, cpu int, cmds []*exec.Cmd, start func(*exec.Cmd) error) ([][]byte, []unix.Rusage, error) {
	outs := make([]*os.File, len(cmds))
	defer func() {
		for _, f := range outs {
			if f != nil {
				f.Close()
				os.Remove(f.Name())
			}
		}
	}()
	alive := map[int]bool{}
	defer func() {
		// On an error, nothing of ours stays stopped or running.
		for pid := range alive {
			_ = unix.Kill(-pid, unix.SIGKILL)
			_ = unix.Kill(-pid, unix.SIGCONT)
			var ws unix.WaitStatus
			_, _ = unix.Wait4(pid, &ws, 0, nil)
		}
	}()
	pids := make([]int, len(cmds))
	for i, cmd := range cmds {
		f, err := os.CreateTemp(dir, "out")
		if err != nil {
			return nil, nil, err
		}
		outs[i] = f
		cmd.Stdout, cmd.Stderr = f, os.Stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := start(cmd); err != nil {
			return nil, nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
		}
		pids[i] = cmd.Process.Pid
		alive[pids[i]] = true
	}
	usages := make([]unix.Rusage, len(cmds))
	// reap notes how a program ended; false while it is only stopped.
	reap := func(i int, ws unix.WaitStatus, ru unix.Rusage) (ended bool, err error) {
		switch {
		case ws.Stopped():
			return false, nil
		case ws.Exited() && ws.ExitStatus() == 0:
		case ws.Exited():
			err = fmt.Errorf("%s exited with status %d", cmds[i].Path, ws.ExitStatus())
		default:
			err = fmt.Errorf("%s ended by %v", cmds[i].Path, ws.Signal())
		}
		delete(alive, pids[i])
		usages[i] = ru
		return true, err
	}
	// Every program stops itself after its warm-up.
	for i, pid := range pids {
		var ws unix.WaitStatus
		var ru unix.Rusage
		if _, err := unix.Wait4(pid, &ws, unix.WUNTRACED, &ru); err != nil {
			return nil, nil, fmt.Errorf("waiting for %s to stop before timing: %w", cmds[i].Path, err)
		}
		if ended, err := reap(i, ws, ru); ended {
			return nil, nil, errors.Join(fmt.Errorf("%s ended before its timed part", cmds[i].Path), err)
		}
	}
	restore, err := bench.LeaveCPU(cpu)
	if err != nil {
		return nil, nil, err
	}
	defer restore()
	for len(alive) > 0 {
		for i, pid := range pids {
			if !alive[pid] {
				continue
			}
			if err := unix.Kill(-pid, unix.SIGCONT); err != nil {
				return nil, nil, fmt.Errorf("continuing %s: %w", cmds[i].Path, err)
			}
			time.Sleep(fidelityChunk)
			_ = unix.Kill(-pid, unix.SIGSTOP)
			// Stopped, or ended during its turn.
			var ws unix.WaitStatus
			var ru unix.Rusage
			if _, err := unix.Wait4(pid, &ws, unix.WUNTRACED, &ru); err != nil {
				return nil, nil, fmt.Errorf("waiting for %s: %w", cmds[i].Path, err)
			}
			if _, err := reap(i, ws, ru); err != nil {
				return nil, nil, err
			}
		}
	}
	var texts [][]byte
	for _, f := range outs {
		b, err := os.ReadFile(f.Name())
		if err != nil {
			return nil, nil, err
		}
		texts = append(texts, b)
	}
	return texts, usages, nil
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
