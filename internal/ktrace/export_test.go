package ktrace

// InstanceDir exposes a tracer's directory to the tests.
func InstanceDir(tr *Tracer) string { return tr.dir }

// KprobeGroup exposes the group of a tracer's kprobe events to the tests.
func KprobeGroup(tr *Tracer) string { return kprobeGroup(tr.id) }
