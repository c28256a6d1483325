package alpha_test

import (
	"testing"

	"example.com/fake/internal/claims"
)

type facts struct{ OK bool }

func judge(f facts) claims.Finding { return claims.Finding{} }

// A1's judge has a refuting case inline.
func TestJudgeA1(t *testing.T) {
	claims.TestJudge(t, "A1", judge, []claims.Case[facts]{
		{Name: "holds", Facts: facts{true}, Want: claims.Confirmed},
		{Name: "does not", Facts: facts{false}, Want: claims.Refuted},
	})
}

// A2's judge takes its table from a package-level var, and never refutes.
func TestJudgeA2(t *testing.T) {
	claims.TestJudge[facts](t, "A2", judge, a2Cases)
}

var a2Cases = []claims.Case[facts]{
	{Name: "holds", Facts: facts{true}, Want: "confirmed"},
	{Name: "sharper", Facts: facts{false}, Want: claims.Refined},
}
