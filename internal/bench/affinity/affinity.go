// Package affinity places the measurements' threads on CPUs: the CPU the
// OneCPU placement measures on, and pinning to it or moving off it.
package affinity

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// OneCPU returns the CPU that bench's OneCPU placement uses: the highest
// numbered CPU this thread may run on. On a machine with one CPU, both
// placements are the same.
func OneCPU() (int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return -1, fmt.Errorf("sched_getaffinity: %w", err)
	}
	for cpu := len(set)*64 - 1; cpu >= 0; cpu-- {
		if set.IsSet(cpu) {
			return cpu, nil
		}
	}
	return -1, fmt.Errorf("sched_getaffinity: empty CPU set")
}

// PinThread pins the calling OS thread (which must be locked) to cpu and
// returns the function that restores its previous mask.
func PinThread(cpu int) (restore func(), err error) {
	var old, one unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return nil, fmt.Errorf("sched_getaffinity: %w", err)
	}
	one.Set(cpu)
	if err := unix.SchedSetaffinity(0, &one); err != nil {
		return nil, fmt.Errorf("sched_setaffinity(cpu %d): %w", cpu, err)
	}
	return func() { _ = unix.SchedSetaffinity(0, &old) }, nil
}

// PinProcess pins every thread of this process to cpu, as `taskset -c cpu`
// would, and returns the function that gives every thread (including
// those started meanwhile, which inherit the pin) the previous mask.
func PinProcess(cpu int) (restore func(), err error) {
	var old, one unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return nil, fmt.Errorf("sched_getaffinity: %w", err)
	}
	one.Set(cpu)
	if err := setThreads(0, &one); err != nil {
		_ = setThreads(0, &old)
		return nil, err
	}
	return func() { _ = setThreads(0, &old) }, nil
}

// Leave moves every thread of this process off cpu, onto the other
// CPUs it may use, and returns the function that gives them the previous
// mask: a tool that runs measured programs on cpu (the fidelity check)
// keeps its own sleeps and signals off it. On a machine with one usable
// CPU it does nothing.
func Leave(cpu int) (restore func(), err error) {
	return threadsOff(cpu, 0, false)
}

// MoveOtherThreads moves every thread of this process but the calling one
// off cpu and returns the function that gives them the calling thread's
// mask of now. The Go runtime's own threads (sysmon, idle Ms, the
// template thread) then do not wake up on the measured CPU between the
// two peers, as a C program has no such threads. They go onto the other
// CPUs the calling thread may use; where that mask holds cpu alone and
// beyond is set, onto any other CPU the process's cpuset allows (see
// childPeer). Where there is none, it does nothing.
func MoveOtherThreads(cpu int, beyond bool) (restore func(), err error) {
	return threadsOff(cpu, unix.Gettid(), beyond)
}

// threadsOff moves this process's threads but skip (a thread ID; 0
// skips none) off cpu.
func threadsOff(cpu, skip int, beyond bool) (restore func(), err error) {
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return nil, fmt.Errorf("sched_getaffinity: %w", err)
	}
	others := old
	others.Clear(cpu)
	if beyond && others.Count() == 0 {
		// Every other CPU: the kernel keeps those the cpuset allows.
		for i := range len(others) * 64 {
			others.Set(i)
		}
		others.Clear(cpu)
	}
	if others.Count() == 0 {
		return func() {}, nil
	}
	if err := setThreads(skip, &others); err != nil {
		_ = setThreads(skip, &old)
		if beyond && errors.Is(err, unix.EINVAL) {
			// The cpuset allows cpu only: nowhere to go.
			return func() {}, nil
		}
		return nil, err
	}
	return func() { _ = setThreads(skip, &old) }, nil
}

func setThreads(skip int, set *unix.CPUSet) error {
	// Two passes: a thread started during the first inherits whatever
	// its creator had at that moment.
	for pass := 0; pass < 2; pass++ {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return fmt.Errorf("listing this process's threads: %w", err)
		}
		for _, task := range tasks {
			tid, err := strconv.Atoi(task.Name())
			if err != nil || tid == skip {
				continue
			}
			// A thread may have exited since the listing: ESRCH is fine.
			if err := unix.SchedSetaffinity(tid, set); err != nil && err != unix.ESRCH {
				return fmt.Errorf("sched_setaffinity(thread %d): %w", tid, err)
			}
		}
	}
	return nil
}
