package script_test

import (
	"context"
	"fmt"
	"reflect"

	"workbench/core/script"
)

func ExampleLoader_CompileProgram() {
	// An extra compiled package offered to the script.
	calc := script.Exports{"example.com/calc/calc": {
		"Square": reflect.ValueOf(func(x int) int { return x * x }),
	}}
	src := `package main

import (
	"fmt"

	"example.com/calc"
)

func main() {
	fmt.Println("9² =", calc.Square(9))
}
`
	p, err := new(script.Loader).CompileProgram("square.go", []byte(src), calc)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Run(context.Background()))

	_, err = new(script.Loader).CompileProgram("bad.go", []byte("package main\n\nimport \"os/exec\"\n\nfunc main() { exec.Command(\"ls\") }\n"))
	fmt.Println(err)
	// Output:
	// 9² = 81
	// <nil>
	// bad.go:3:8: import "os/exec" is not allowed in scripts (it runs programs, reaches the network, bypasses memory safety or handles signals)
}

func ExampleSession_Eval() {
	s, err := new(script.Loader).NewSession()
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for _, in := range []string{`import "strconv"`, "n := 20", "strconv.Atoi(\"22\")", "n * 2"} {
		vals, expr, err := s.Eval(ctx, in)
		fmt.Println(vals, expr, err)
	}
	// Output:
	// [] false <nil>
	// [] false <nil>
	// [22 <nil>] true <nil>
	// [40] true <nil>
}
