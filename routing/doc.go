// Package routing holds the notes' claims about routing; its story is told as its
// tests land.
package routing
