// Package symbols holds the interpreter symbol tables of the workbench
// packages that plugins may import, generated from the packages' exported
// API by the program in internal/gen.
//
// Each table is keyed by "importpath/name", the convention of
// github.com/traefik/yaegi/interp.Exports. To expose another package to
// plugins, add its import path to the list in internal/gen/main.go and run
// go generate in this directory.
package symbols

import "reflect"

//go:generate go run ./internal/gen

// Symbols maps "importpath/name" to the exported symbols of each workbench
// package that plugins may import.
var Symbols = map[string]map[string]reflect.Value{}
