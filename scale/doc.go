// Package scale holds the PyTorch replay of workbench plans (replay.py, see
// README.md) and, in its tests, the proof that a replay equals the Go
// engine's run: same per-step losses, final validation loss and final
// weights, with one rank and with two.
package scale
