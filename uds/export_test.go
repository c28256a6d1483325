package uds

// The notes' tests (package uds_test) observe and hand their facts to these
// judges, which stay unexported: a judge is the claim's rule, not the
// package's API.
var (
	JudgeBind      = judgeBind
	JudgeDemo      = judgeDemo
	JudgeStack     = judgeStack
	JudgeBacklog   = judgeBacklog
	JudgeInodes    = judgeInodes
	JudgeLifecycle = judgeLifecycle
	JudgeSunPath   = judgeSunPath
)
