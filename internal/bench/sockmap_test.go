package bench

import "testing"

func TestSockmapIsRawPathOnly(t *testing.T) {
	c := Config{Shape: RoundTrip, Path: Raw, Placement: OneCPU, Transport: TCPSockmap, Size: 100}
	if err := c.Validate(); err != nil {
		t.Errorf("%s rejected: %v", c, err)
	}
	c.Path = NetConn
	if err := c.Validate(); err == nil {
		t.Errorf("%s accepted; want an error (raw path only)", c)
	}
}
