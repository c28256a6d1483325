// Package loopback holds the notes' claims about loopback; its story is told as its
// tests land.
package loopback
