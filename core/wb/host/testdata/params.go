package main

import (
	"fmt"

	w "workbench/core/wb"
)

func main() {
	cfg := w.Config()
	n := w.Int("n", 3)
	fmt.Println(cfg.Steps, n, w.String("label", "x"), w.Float("scale", 0.5), w.Bool("verbose", false))
}
