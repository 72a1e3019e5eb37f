// Package symbols holds the interpreter symbol table of package
// workbench/core/wb, the facade of experiment scripts, generated from its
// exported API by core/script/symbols/internal/gen: run go generate in
// core/script/symbols after changing the facade. A test there fails when
// this table is stale.
//
// The table is kept apart from core/script/symbols because the facade
// imports the plugin host, which imports that package.
package symbols

import "reflect"

// Symbols maps "workbench/core/wb/wb" to the exported symbols of the
// facade, in the format of github.com/traefik/yaegi/interp.Exports.
var Symbols = map[string]map[string]reflect.Value{}
