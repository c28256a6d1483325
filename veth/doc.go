// Package veth holds the notes' claims about veth; its story is told as its
// tests land.
package veth
