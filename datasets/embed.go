// Package datasets embeds the default corpus, Tiny Shakespeare, so the
// workbench binary trains from any directory without its source tree.
package datasets

import _ "embed"

// TinyShakespeareName is the path of the embedded corpus inside the
// repository; --data with this path reads the same bytes.
const TinyShakespeareName = "datasets/tinyshakespeare.txt"

// TinyShakespeare is the content of datasets/tinyshakespeare.txt.
//
//go:embed tinyshakespeare.txt
var TinyShakespeare []byte
