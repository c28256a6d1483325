package claims

// What the claims package's own tests look into.
var (
	Uncovered       = uncovered
	RefutingCaseRan = refutingCaseRan
	Unsupported     = unsupported
)
