package bench

// TCPMode names a TCP stream run's mode from the data segments its client
// sent per message: "merged" (writes appended to an unsent segment, under
// 0.5 segments a message) or "per-write" (about a segment per write); ""
// when the run has no TCP counts (UDS, or no TCP_INFO). Runs compare only
// mode against mode: the two modes differ by up to 5x in CPU time per
// message (see the package doc).
func (r Result) TCPMode() string {
	if r.Msgs == 0 || r.Counts.TCPDataSegments == 0 {
		return ""
	}
	if float64(r.Counts.TCPDataSegments)/float64(r.Msgs) < 0.5 {
		return "merged"
	}
	return "per-write"
}

// SegsPerKiloMsg is the run's TCP data segments per 1000 messages.
func (r Result) SegsPerKiloMsg() float64 {
	return float64(r.Counts.TCPDataSegments) * 1000 / float64(max(r.Msgs, 1))
}
