package uds

// The notes' tests (package uds_test) observe and hand their facts to these
// judges, which stay unexported: a judge is the claim's rule, not the
// package's API.
var (
	JudgeBacklog   = judgeBacklog
	JudgeBind      = judgeBind
	JudgeDemo      = judgeDemo
	JudgeInodes    = judgeInodes
	JudgeLifecycle = judgeLifecycle
	JudgeSunPath   = judgeSunPath
)
