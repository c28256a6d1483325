package uds

// The notes' tests (package uds_test) observe and hand their facts to these
// judges, which stay unexported: a judge is the claim's rule, not the
// package's API. MeasureSameCPU is U8's measurement, shared within the test
// binary, which U9's efficiency part reads.
var (
	JudgeBind      = judgeBind
	JudgeDemo      = judgeDemo
	JudgeStack     = judgeStack
	JudgeBacklog   = judgeBacklog
	JudgeInodes    = judgeInodes
	JudgeLifecycle = judgeLifecycle
	JudgeSunPath   = judgeSunPath
	JudgeU9        = judgeU9
	MeasureSameCPU = measureSameCPU
)
