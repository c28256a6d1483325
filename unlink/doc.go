// Package unlink holds the notes' claims about unlink; its story is told as its
// tests land.
package unlink
