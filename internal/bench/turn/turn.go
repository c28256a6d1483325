// Package turn holds the words of the side-by-side measurement: what a
// measurement taking turns with another program (bench.MeasureInTurns)
// says when it hands its turn back, and the other program reads.
package turn

// Yield is what a measurement says when it hands its turn back.
type Yield byte

const (
	Ready     Yield = 'r' // warmed up, waiting for its first turn
	ChunkDone Yield = 'c' // a chunk timed, waiting for the next turn
	Ended     Yield = 'e' // timed for its duration, finished and closed
)
