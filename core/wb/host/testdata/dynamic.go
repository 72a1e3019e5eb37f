package main

import "workbench/core/wb"

func main() {
	for _, k := range []string{"a", "b"} {
		wb.Logf("%s=%d", k, wb.Int(k, 0))
	}
}
