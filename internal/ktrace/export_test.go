package ktrace

// InstanceDir exposes a tracer's directory to the tests.
func InstanceDir(tr *Tracer) string { return tr.dir }
