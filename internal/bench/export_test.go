package bench

import "syscall"

func rawGetppid() { syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0) }
func goGetppid()  { syscall.Syscall(syscall.SYS_GETPPID, 0, 0, 0) }
