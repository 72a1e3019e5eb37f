package main

import "workbench/core/wb"

func main() {
	wb.Logf("looping")
	n := 0
	for {
		n++
	}
}
