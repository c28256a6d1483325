// Package uds holds the notes' claims about uds; its story is told as its
// tests land.
package uds
