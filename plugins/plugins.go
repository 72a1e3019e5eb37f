// Package plugins ships the source of the built-in plugins: the depth
// samplers, share maps, expanders and plans of progressive training. Each plugin
// is one Go file, plugins/<kind>/<name>/<name>.go, that both compiles as an
// ordinary package (so go vet and the tests check it) and is interpreted at
// run time by package workbench/core/script.
//
// FS embeds the same files so that the workbench binary finds the shipped
// plugins from any directory; a plugins directory under the working
// directory takes precedence, so edits to ./plugins take effect without a
// rebuild. See docs/plugins.md.
package plugins

import "embed"

// FS holds the shipped plugin sources, at the paths <kind>/<name>/<name>.go.
//
//go:embed samplers/*/*.go sharemaps/*/*.go expanders/*/*.go plans/*/*.go
var FS embed.FS
