package claims

// Uncovered lists what Main would fail a chapter's full run for.
var Uncovered = uncovered
