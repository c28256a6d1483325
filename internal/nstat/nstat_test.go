package nstat

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A slice of a real /proc/net/snmp (Linux 6.18): a line of names, then
// one of values, per protocol; MaxConn is -1.
const snmp = `Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InEchos OutEchoReps
Icmp: 12 0 0 2 5 5
Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens OutSegs
Tcp: 1 200 120000 -1 31 4077
`

func TestParseFindsTheValueUnderItsName(t *testing.T) {
	for _, c := range []struct {
		proto, name string
		want        int64
	}{{"Icmp", "InEchos", 5}, {"Tcp", "OutSegs", 4077}, {"Tcp", "MaxConn", -1}} {
		got, err := parse([]byte(snmp), c.proto, c.name, "snmp")
		require.NoError(t, err, "%s %s", c.proto, c.name)
		assert.Equal(t, c.want, got, "%s %s", c.proto, c.name)
	}
	for _, c := range [][2]string{{"Icmp", "OutSegs"}, {"Udp", "InDatagrams"}, {"Ic", "InEchos"}} {
		_, err := parse([]byte(snmp), c[0], c[1], "snmp")
		assert.EqualError(t, err, "no "+c[0]+" "+c[1]+" in snmp")
	}
}

// This thread's namespace has the counters Read is asked for here.
func TestReadReadsThisNamespace(t *testing.T) {
	_, err := Read("snmp", "Tcp", "OutSegs")
	require.NoError(t, err)
	_, err = Read("netstat", "TcpExt", "TCPAutoCorking")
	require.NoError(t, err)
}
