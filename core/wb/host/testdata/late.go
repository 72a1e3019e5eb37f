package main

import (
	"fmt"

	"workbench/core/wb"
)

func main() {
	fmt.Println("first run")
	wb.Check(wb.WriteFile("first.txt", []byte("done")))
	cfg := wb.Config()
	ramp := wb.Float("ramp", 1)
	fmt.Println(cfg.Steps, ramp)
}
