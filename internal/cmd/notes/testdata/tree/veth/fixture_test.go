package veth_test

import (
	"testing"

	"netnotes/internal/claims"
)

func TestFixtureV1(t *testing.T) {
	v := claims.Check(t, "V1")
	v.Confirmed("both ends appear" + undefined)
}
