package main

import (
	"fmt"

	"example.com/calc"
)

func main() {
	fmt.Println("sum", calc.Add(2, 3))
}
